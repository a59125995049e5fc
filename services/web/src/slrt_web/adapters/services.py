"""HTTP clients of the five services: the backend-for-frontend calls their APIs with the signed-in
user's bearer token, so every role and region rule stays in the service that owns it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from ..domain.refusals import Refusal


class Refused(Exception):
    """The service said no (4xx): shown to the user in plain Indonesian."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.detail)
        self.refusal = refusal


class SignedOut(Exception):
    """The token expired or was rejected: the user signs in again."""


class Unavailable(Exception):
    """The service did not answer (down, busy, time-out)."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


class ServiceClient:
    def __init__(self, name: str, base_url: str, http: httpx.AsyncClient) -> None:
        self.name, self.base_url, self.http = name, base_url.rstrip("/"), http

    async def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self.http.request(method, f"{self.base_url}{path}", headers=headers, **kwargs)
        except httpx.HTTPError:
            raise Unavailable(self.name) from None
        if response.status_code == 401 and token:
            raise SignedOut()
        if response.status_code >= 500 or response.status_code == 429:
            raise Unavailable(self.name)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = response.text[:300]
            raise Refused(Refusal.from_answer(response.status_code, body))
        return response

    async def json(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        return (await self.call(method, path, token, **kwargs)).json()


class Intake(ServiceClient):
    async def dev_token(self, sub: str, role: str, region: str, agency: str | None) -> str:
        body = {"sub": sub, "role": role, "region": region, "agency": agency}
        return (await self.json("POST", "/auth/dev-token", json=body))["access_token"]

    async def register(self, token: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        """``key``: the form's own Idempotency-Key, so a form sent twice (a double click, the browser
        sending it again after a time-out) registers one complaint and shows its receipt."""
        headers = {"Idempotency-Key": key} if key else None
        return await self.json("POST", "/complaints", token, json=body, headers=headers)

    async def register_batch(self, token: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        return await self.json("POST", "/complaints/batch", token, json={"complaints": items})

    async def complaint(self, token: str, complaint_id: str) -> dict[str, Any]:
        return await self.json("GET", f"/complaints/{complaint_id}", token)

    async def by_receipt(self, token: str, receipt_number: str) -> dict[str, Any]:
        return await self.json("GET", f"/complaints/by-receipt/{receipt_number}", token)

    async def receipt_pdf(self, token: str, complaint_id: str) -> bytes:
        return (await self.call("GET", f"/complaints/{complaint_id}/receipt.pdf", token)).content

    async def command(self, token: str, complaint_id: str, command: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.json("POST", f"/complaints/{complaint_id}/{command}", token, json=body)

    async def open_complaints(self, token: str, nik: str) -> dict[str, Any]:
        """The person's open complaints: the NIK goes in the body, never in a URL."""
        return await self.json("POST", "/complaints/search", token, json={"nik": nik})

    async def queue(self, token: str, queue: str, params: dict[str, Any]) -> dict[str, Any]:
        return await self.json("GET", f"/queues/{queue}", token, params=params)

    async def history(self, token: str, complaint_id: str) -> list[dict[str, Any]]:
        return await self.json("GET", f"/complaints/{complaint_id}/history", token)


class Dtks(ServiceClient):
    async def lookup(self, token: str, nik: str) -> dict[str, Any]:
        return await self.json("POST", "/registry/lookup", token, json={"nik": nik})

    async def fuzzy(self, token: str, name: str, birth_date: str, region: str | None) -> dict[str, Any]:
        body = {"name": name, "birth_date": birth_date, "region": region, "limit": 8}
        return await self.json("POST", "/registry/fuzzy-search", token, json=body)

    async def sample(self, token: str, limit: int = 5) -> list[dict[str, Any]]:
        return await self.json("GET", "/registry/sample", token, params={"limit": limit})

    async def upload(self, token: str, filename: str, chunks: AsyncIterator[bytes], key: str | None) -> dict[str, Any]:
        """Streams the operator's extract on to the service (never whole in this process's memory)."""
        headers = {"Content-Type": "application/octet-stream"} | ({"Idempotency-Key": key} if key else {})
        return await self.json("POST", "/registry/uploads", token, params={"filename": filename}, content=chunks,
                               headers=headers, timeout=httpx.Timeout(self.http.timeout.read, read=600))

    async def import_job(self, token: str, job_id: str) -> dict[str, Any]:
        return await self.json("GET", f"/registry/uploads/{job_id}", token)

    async def status(self, token: str) -> dict[str, Any]:
        return await self.json("GET", "/registry/status", token)

    async def versions(self, token: str) -> list[dict[str, Any]]:
        return await self.json("GET", "/registry/versions", token, params={"limit": 50})

    async def changes(self, token: str, version: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.json("GET", f"/registry/versions/{version}/changes", token, params=params)

    async def activate(self, token: str, version: str, reason: str, key: str | None) -> dict[str, Any]:
        return await self.json("POST", f"/registry/versions/{version}/activate", token, json={"reason": reason},
                               headers=_keyed(key))

    async def activations(self, token: str) -> list[dict[str, Any]]:
        return await self.json("GET", "/registry/activations", token, params={"limit": 20})

    async def household(self, token: str, nik: str) -> dict[str, Any]:
        return await self.json("POST", "/registry/household", token, json={"nik": nik})

    async def proposals(self, token: str, status: str | None) -> list[dict[str, Any]]:
        return await self.json("GET", "/prelist/proposals", token, params={"status": status} if status else {})

    async def propose(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.json("POST", "/prelist/proposals", token, json=body)

    async def prelist_step(self, token: str, proposal_id: str, step: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.json("POST", f"/prelist/proposals/{proposal_id}/{step}", token, json=body)

    async def export_batch(self, token: str) -> dict[str, Any]:
        return await self.json("POST", "/prelist/batches", token)

    async def batch_file(self, token: str, batch_id: str) -> bytes:
        return (await self.call("GET", f"/prelist/batches/{batch_id}/file", token)).content

    async def decisions(self, token: str, csv: bytes) -> dict[str, Any]:
        return await self.json("POST", "/prelist/decisions", token, content=csv,
                               headers={"Content-Type": "text/csv"})


class Referral(ServiceClient):
    """Referrals: proposals, the manager's approvals, the agency inbox, answers and audit trail. Every
    command may carry the form's own key (Idempotency-Key): a form sent twice acts once."""

    async def programmes(self, token: str) -> list[dict[str, Any]]:
        return await self.json("GET", "/programmes", token, params={"active": "true"})

    async def for_complaint(self, token: str, complaint_id: str) -> list[dict[str, Any]]:
        return await self.json("GET", f"/referrals/by-complaint/{complaint_id}", token)

    async def page(self, token: str, which: str, params: dict[str, Any]) -> dict[str, Any]:
        """``which``: "" (staff list), "approvals" (manager) or "inbox" (agency)."""
        return await self.json("GET", f"/referrals/{which}".rstrip("/"), token, params=params)

    async def read(self, token: str, referral_id: str) -> dict[str, Any]:
        return await self.json("GET", f"/referrals/{referral_id}", token)

    async def history(self, token: str, referral_id: str) -> list[dict[str, Any]]:
        return await self.json("GET", f"/referrals/{referral_id}/history", token)

    async def propose(self, token: str, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        return await self.json("POST", "/referrals", token, json=body, headers=_keyed(key))

    async def command(self, token: str, referral_id: str, action: str, body: dict[str, Any] | None,
                      key: str | None) -> dict[str, Any]:
        return await self.json("POST", f"/referrals/{referral_id}/{action}", token, json=body, headers=_keyed(key))


def _keyed(key: str | None) -> dict[str, str] | None:
    return {"Idempotency-Key": key} if key else None


class Monitoring(ServiceClient):
    async def track(self, receipt_number: str) -> dict[str, Any]:
        return await self.json("GET", f"/public/track/{receipt_number}", headers={"Accept": "application/json"})

    async def dashboard(self, token: str, params: dict[str, str]) -> dict[str, Any]:
        return await self.json("GET", "/dashboard/data", token, params=params)

    async def monev(self, token: str, fmt: str, params: dict[str, str]) -> httpx.Response:
        return await self.call("GET", f"/reports/monev.{fmt}", token, params=params)


class Letters(ServiceClient):
    async def verify_upload(self, filename: str, content: bytes) -> dict[str, Any]:
        return await self.json("POST", "/public/verify", files={"file": (filename, content, "application/pdf")})

    async def types(self, token: str) -> list[dict[str, Any]]:
        return await self.json("GET", "/letters/types", token)

    async def letters(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        return await self.json("GET", "/letters", token, params=params)

    async def queue(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        return await self.json("GET", "/letters/queue", token, params=params)

    async def letter(self, token: str, letter_id: str) -> dict[str, Any]:
        return await self.json("GET", f"/letters/{letter_id}", token)

    async def request(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """``body["request_id"]`` is the form's own key: a form sent twice requests one letter."""
        return await self.json("POST", "/letters", token, json=body)

    async def command(self, token: str, letter_id: str, command: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.json("POST", f"/letters/{letter_id}/{command}", token, json=body)

    async def scan(self, token: str, letter_id: str, code: str, filename: str, content: bytes,
                   content_type: str) -> dict[str, Any]:
        return await self.json("POST", f"/letters/{letter_id}/documents/{code}/scan", token,
                               files={"file": (filename, content, content_type)})

    async def pdf(self, token: str, letter_id: str) -> bytes:
        return (await self.call("GET", f"/letters/{letter_id}/pdf", token)).content

    async def batch(self, token: str, period: str) -> dict[str, Any]:
        return await self.json("GET", f"/bpjs/batches/{period}", token)

    async def close_batch(self, token: str, period: str) -> dict[str, Any]:
        return await self.json("POST", f"/bpjs/batches/{period}/close", token)

    async def batch_file(self, token: str, period: str, fmt: str) -> tuple[bytes, str]:
        answer = await self.call("GET", f"/bpjs/batches/{period}/file.{fmt}", token)
        return answer.content, answer.headers.get("content-type", "application/octet-stream")

    async def reconcile(self, token: str, period: str, filename: str, content: bytes) -> dict[str, Any]:
        return await self.json("POST", f"/bpjs/batches/{period}/reconciliation", token,
                               files={"file": (filename, content, "application/octet-stream")})


class Services:
    """The five services, over one connection pool."""

    def __init__(self, settings: Any) -> None:
        self.http = httpx.AsyncClient(timeout=settings.api_timeout_seconds)
        self.intake = Intake("intake", settings.intake_url, self.http)
        self.dtks = Dtks("dtks", settings.dtks_url, self.http)
        self.referral = Referral("referral", settings.referral_url, self.http)
        self.letters = Letters("letters", settings.letters_url, self.http)
        self.monitoring = Monitoring("monitoring", settings.monitoring_url, self.http)

    async def close(self) -> None:
        await self.http.aclose()
