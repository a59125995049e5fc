"""Domain of the letters service: the Letter aggregate, the monthly BPJS batch, numbers, validations."""

from .batch import BpjsBatch, next_period, period_end, period_of
from .errors import DuplicateRequest, InvalidLetterRequest, LetterIncomplete, LetterNotFound, UnknownLetterType
from .chain import OFFICERS, TITLE
from .letter import Letter
from .numbers import check_number_format, letter_number, letter_sequence_name
from .letter import letter_id_for, starts_step_clock
from .request import fingerprint, request_letter
from .validation import ProgrammeCheck, needs_dtks, validate

__all__ = [
    "OFFICERS", "TITLE", "BpjsBatch", "DuplicateRequest", "InvalidLetterRequest", "Letter", "LetterIncomplete",
    "LetterNotFound", "ProgrammeCheck", "UnknownLetterType", "check_number_format", "fingerprint",
    "letter_id_for", "letter_number", "letter_sequence_name", "needs_dtks", "next_period", "period_end",
    "period_of", "request_letter", "starts_step_clock", "validate",
]
