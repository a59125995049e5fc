"""DTKS adapters: the registry extract's store (SQLite/PostgreSQL tables, CSV/XLSX sources) and synthetic extracts."""
