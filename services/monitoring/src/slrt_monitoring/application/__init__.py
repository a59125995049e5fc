"""Monitoring's use cases and queries: the read models of one district, their rebuild, dashboard and public figures, the national snapshot."""
