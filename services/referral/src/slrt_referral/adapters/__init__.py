"""Referral adapters: what an agency may do on NATS (its durable consumer, its user's permissions)."""
