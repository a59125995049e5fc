"""The DTKS programme check (agreement 4): dtks serves POST /registry/programme-check, we call it.

An adapter behind a protocol, so unit tests use :class:`FakeDtks` and the service uses
:class:`HttpDtks` with a service token (client credentials from the district's provider in production).
"""

from __future__ import annotations

from typing import Protocol

import httpx
from slrt_runtime.errors import DomainError
from slrt_runtime.service_tokens import ServiceTokenError, ServiceTokens, service_tokens_for
from slrt_runtime.settings import ServiceSettings

from ..domain.validation import ProgrammeCheck


class DtksUnavailable(DomainError):
    """The DTKS service did not answer; verification waits (nothing is recorded)."""

    status_code = 503


class Dtks(Protocol):
    def programme_check(self, nik: str) -> ProgrammeCheck: ...


class HttpDtks:
    def __init__(self, settings: ServiceSettings, timeout: float = 10.0, client: httpx.Client | None = None,
                 tokens: ServiceTokens | None = None) -> None:
        self.url = settings.dtks_url.rstrip("/") + "/registry/programme-check"
        self.client = client  # tests pass the dtks app's TestClient; the service uses plain httpx
        self.tokens = tokens or service_tokens_for("letters", settings)
        self.timeout = timeout

    def programme_check(self, nik: str) -> ProgrammeCheck:
        try:
            headers = {"Authorization": f"Bearer {self.tokens.bearer()}"}
        except ServiceTokenError as e:
            raise DtksUnavailable(f"{e}; try again") from None
        try:
            if self.client is not None:
                r = self.client.post(self.url, json={"nik": nik}, headers=headers)
            else:
                r = httpx.post(self.url, json={"nik": nik}, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as e:
            raise DtksUnavailable(f"the DTKS service is not reachable ({type(e).__name__}); try again") from None
        if r.status_code != 200:
            # Never echo the body: a 422 from dtks may quote the NIK.
            raise DtksUnavailable(f"the DTKS programme check answered {r.status_code}; try again")
        return ProgrammeCheck.from_json(r.json())


class FakeDtks:
    """In-memory DTKS for tests: people registered by NIK with their programmes."""

    def __init__(self) -> None:
        self.people: dict[str, ProgrammeCheck] = {}
        self.calls: list[str] = []

    def register(self, nik: str, *programmes: str, consistent: bool = True, problems: tuple[str, ...] = ()) -> None:
        self.people[nik] = ProgrammeCheck(
            found=True, programmes=tuple(programmes), pbi_pusat="PBI-JK" in programmes,
            pbi_daerah="PBI-Daerah" in programmes, registry_version="fake-1", welfare_decile=2,
            nik_consistent=consistent, nik_problems=problems)

    def programme_check(self, nik: str) -> ProgrammeCheck:
        self.calls.append(nik)
        return self.people.get(nik, ProgrammeCheck(found=False))
