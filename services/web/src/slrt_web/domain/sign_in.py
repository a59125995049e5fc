"""Why a sign-in did not happen; the page says it in plain words."""

from __future__ import annotations


class SignInError(Exception):
    """``str(error)`` names the problem: ``role`` (no role of this application), ``region``, ``provider``."""
