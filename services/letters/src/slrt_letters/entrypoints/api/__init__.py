"""HTTP API of the letters service: staff letters, BPJS batches, public verification."""
