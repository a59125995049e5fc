"""Intake's entrypoints: the HTTP API (api/) and the event subscriptions (messaging)."""
