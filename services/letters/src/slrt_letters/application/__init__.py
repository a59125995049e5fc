"""The letters application: commands take and return ids and primitives."""

from .letters import LettersApplication

__all__ = ["LettersApplication"]
