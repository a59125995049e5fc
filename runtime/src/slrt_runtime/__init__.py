"""Shared runtime of the SLRT services: event store, outbox relay, tracked consumers, settings,
auth, telemetry and the HTTP app skeleton. One copy, used by every service."""
