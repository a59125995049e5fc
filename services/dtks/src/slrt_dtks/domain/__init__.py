"""DTKS domain: a complaint's registry check, the prelist workflow, and name matching (no I/O)."""
