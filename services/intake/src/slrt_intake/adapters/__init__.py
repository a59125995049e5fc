"""Intake's adapters: the receipt PDF and the channels that tell the citizen."""
