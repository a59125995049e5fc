"""DTKS entrypoints: the HTTP API (api/), the event subscriptions (messaging) and the command line (cli)."""
