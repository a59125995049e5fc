"""Adapters of the letters service: DTKS over HTTP, file store, PDF layout, PAdES signing, BPJS files."""
