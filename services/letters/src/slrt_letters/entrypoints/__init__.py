"""HTTP entrypoints: staff letters API, BPJS batches, public verification."""
