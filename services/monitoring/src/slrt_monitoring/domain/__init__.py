"""Monitoring's own values (the monev periods); the read-model logic is in projections/."""
