"""The application's own rules, without the services: sessions, CSRF, refusals in Indonesian, the
message catalogue, the form → API body. The journeys through the services are in
test_web_journeys.py (a real browser against the whole platform)."""

from __future__ import annotations

import base64
import json
import secrets
import time
import zlib
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from slrt_web.domain.complaint_form import registration_body
from slrt_web.domain.refusals import Refusal, explain
from slrt_web.entrypoints.i18n import LOCALE_DIR, gettext
from slrt_web.entrypoints.session_cookie import BROWSER_LIMIT, SessionCipher
from slrt_web.main import build
from slrt_web.settings import WebSettings

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "slrt_web"
NOBODY = "http://127.0.0.1:9"  # discard port: no service answers there


@pytest.fixture
def client() -> TestClient:
    settings = WebSettings(intake_url=NOBODY, dtks_url=NOBODY, referral_url=NOBODY, letters_url=NOBODY,
                           monitoring_url=NOBODY, api_timeout_seconds=2)
    return TestClient(build(settings))


def csrf_of(client: TestClient) -> str:
    page = client.get("/sign-in").text
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_session_cookie_is_encrypted_httponly_and_samesite(client: TestClient) -> None:
    cookie = client.get("/sign-in").headers["set-cookie"]
    assert cookie.startswith("slrt_session=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    secure = TestClient(build(WebSettings(session_https_only=True)), base_url="https://testserver")
    assert "secure" in secure.get("/sign-in").headers["set-cookie"].lower()
    # The session's CSRF token is on the page, and nowhere in the cookie, in clear or in base64.
    value = client.cookies["slrt_session"]
    token = csrf_of(client)
    readable = [value, *(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode("latin-1") for p in value.split("."))]
    assert not any(token in text for text in readable)
    cipher = SessionCipher(WebSettings().session_secret.get_secret_value())
    assert cipher.open(value, 60) == {"csrf": token}
    assert SessionCipher("another-deployment-secret-0123456789abcdef").open(value, 60) is None
    assert cipher.open(value[:-8] + ("A" * 8 if not value.endswith("A" * 8) else "B" * 8), 60) is None


def test_a_cookie_older_than_the_session_lifetime_is_no_session(client: TestClient) -> None:
    """The lifetime is in the cookie itself: a browser (or a thief) keeping it longer gains nothing."""
    token = csrf_of(client)
    cipher = SessionCipher(WebSettings().session_secret.get_secret_value())
    fresh = client.cookies["slrt_session"]
    made = time.time() - WebSettings().session_max_age_seconds - 5
    old = cipher.fernet.encrypt_at_time(zlib.compress(json.dumps({"csrf": token}).encode()), int(made)).decode()
    for value, status in ((fresh, 303), (old, 403)):
        client.cookies.set("slrt_session", value)
        assert client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False).status_code == status


def test_large_provider_tokens_fit_in_the_cookie() -> None:
    """Tokens of a provider that puts much into them (random, so incompressible beyond base64's 6 bits
    a character): over 4 KB as the signed base64 JSON the cookie used to be, under it encrypted."""
    def jwt_like(n: int) -> str:
        return base64.urlsafe_b64encode(secrets.token_bytes(n)).decode().rstrip("=")

    user = {"sub": "siti", "role": "front_office", "region": "1605", "display_name": "Siti Contoh",
            "token": jwt_like(1650), "refresh_token": jwt_like(750), "expires_at": int(time.time()) + 300,
            "agency": None}
    session = {"user": user, "csrf": secrets.token_urlsafe(32)}
    assert len(base64.b64encode(json.dumps(session).encode())) > BROWSER_LIMIT
    assert len(f"slrt_session={SessionCipher('k' * 32).seal(session)}; path=/; Max-Age=43200; httponly; "
               "samesite=lax; secure") < BROWSER_LIMIT


def test_a_form_without_the_sessions_csrf_token_is_refused(client: TestClient) -> None:
    refused = client.post("/sign-out", data={}, follow_redirects=False)
    assert refused.status_code == 403 and "Formulir ini sudah kedaluwarsa" in refused.text
    forged = client.post("/sign-out", data={"csrf_token": "not-the-one"}, follow_redirects=False)
    assert forged.status_code == 403
    accepted = client.post("/sign-out", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert accepted.status_code == 303
    header = client.post("/sign-out", headers={"X-CSRF-Token": csrf_of(client)}, follow_redirects=False)
    assert header.status_code == 303


def test_staff_pages_need_a_sign_in(client: TestClient) -> None:
    for path in ("/desk", "/desk/new", "/queues/puskesos", "/field/", "/complaints/7d4a0b3e-0000-4000-8000-000000000000"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in?next="), path


def test_the_development_sign_in_is_marked_and_refuses_roles_outside_this_application(client: TestClient) -> None:
    page = client.get("/sign-in").text
    assert "Masuk mode pengembangan" in page and "Jangan pernah dipakai di produksi" in page
    r = client.post("/sign-in", data={"csrf_token": csrf_of(client), "role": "service", "region": "1605"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    r = client.post("/sign-in", data={"csrf_token": csrf_of(client), "role": "puskesos", "region": "3201011001"},
                    follow_redirects=False)
    assert r.headers["location"] == "/sign-in"  # another district


def test_a_service_that_does_not_answer_is_a_503_page_in_indonesian(client: TestClient) -> None:
    r = client.post("/sign-in", data={"csrf_token": csrf_of(client), "role": "front_office", "region": "1605"})
    assert r.status_code == 503 and "Layanan intake sedang tidak menjawab" in r.text
    assert "Traceback" not in r.text


def test_pages_load_only_their_own_files(client: TestClient) -> None:
    r = client.get("/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "http" not in r.text.split("<body")[0].replace('http-equiv', '')  # no CDN in the head
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
    assert client.get("/nowhere").status_code == 404 and "Tidak ditemukan" in client.get("/nowhere").text


def test_the_citizen_forms(client: TestClient) -> None:
    assert 'name="receipt"' in client.get("/track").text
    bad = client.get("/track", params={"receipt": "12345"})
    assert bad.status_code == 422 and "RK-1605-26-000123" in bad.text
    good = client.get("/track", params={"receipt": "rk-1605-26-000007"}, follow_redirects=False)
    assert good.status_code == 303 and good.headers["location"].endswith("/public/track/RK-1605-26-000007")
    assert 'type="file"' in client.get("/verify").text


@pytest.mark.parametrize(("status", "detail", "expected"), [
    (403, "actor's region 1605032002 does not cover this complaint's village",
     "Pengaduan ini berasal dari desa di luar wilayah kerja Anda (1605032002)."),
    (403, "actor's region 1605032002 does not cover village 1605031013",
     "Wilayah kerja Anda (1605032002) tidak mencakup wilayah 1605031013."),
    (409, "only a question is answered and closed at the desk; this is a grievance",
     "Hanya pertanyaan yang dapat dijawab dan ditutup di loket; pengaduan ini harus dikaji."),
    (403, "the complaint is at the back_office level; a puskesos cannot act on it",
     "Pengaduan ini ditangani di tingkat lain."),
    (409, "something nobody foresaw", "Langkah ini tidak dapat dilakukan pada status pengaduan saat ini."),
])
def test_refusals_are_told_in_plain_indonesian(status: int, detail: str, expected: str) -> None:
    assert explain(Refusal.from_answer(status, {"detail": detail}), gettext) == expected


def test_validation_answers_keep_the_field_and_the_problem() -> None:
    refusal = Refusal.from_answer(422, {
        "type": "about:blank", "title": "Unprocessable Entity", "status": 422, "error": "ValidationError",
        "detail": "the request is not valid: 1 field breaks a rule (region.village)",
        "errors": [{"field": "region.village", "location": "body", "rule": "string_pattern_mismatch", "message": "bad code"}]})
    assert refusal.fields == (("region.village", "bad code"),)
    assert explain(refusal, gettext) == "Ada data yang belum diisi atau tidak sah."


def test_every_text_of_the_pages_is_in_the_indonesian_catalogue() -> None:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    used = {message for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map=options, keywords={"_": None, "N_": None, "gettext": None})
        if isinstance(message, str)}
    with (LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = {m.id: m.string for m in read_po(f) if m.id}
    assert len(used) > 200
    assert sorted(used - set(catalogue)) == [], "texts missing from messages.po (pybabel update)"
    assert sorted(i for i in used if not catalogue[i]) == [], "texts without Indonesian wording"
    assert sorted(set(catalogue) - used) == [], "texts in messages.po that no page uses"


def test_the_desk_form_becomes_the_intake_body() -> None:
    body = registration_body({"complaint_type": "grievance", "field": "health", "village": "1605032002",
                              "description": " Kartu KIS tidak aktif ", "nik": "1605030212700001", "name": "Iwan",
                              "programme": "", "consent_to_disclose": "on"})
    assert body["region"] == {"district": "1605", "subdistrict": "160503", "village": "1605032002"}
    assert body["description"] == "Kartu KIS tidak aktif" and "programme" not in body
    assert body["identity"] == {"name": "Iwan", "nik": "1605030212700001", "consent_to_disclose": True}
    assert "identity" not in registration_body({"complaint_type": "question", "field": "social",
                                                "village": "1605032002", "description": "Syarat PKH?"})


def test_sign_in_returns_only_to_pages_of_this_application(client: TestClient) -> None:
    for elsewhere in ("//evil.example/x", "/\\evil.example", "https://evil.example"):
        assert 'name="next" value=""' in client.get("/sign-in", params={"next": elsewhere}).text
    assert 'name="next" value="/queues/puskesos"' in client.get("/sign-in", params={"next": "/queues/puskesos"}).text


def test_the_desk_form_carries_its_own_idempotency_key() -> None:
    from slrt_web.entrypoints.desk import submission_key

    key = "0b7f5a3e-2f4c-4d8e-9a61-5c3b2e1d7f90"
    assert submission_key({"submission_key": key}) == key  # sent again: the same key, one complaint
    assert submission_key({"submission_key": "x\x00y"}) is None  # never passes on anything else
    assert submission_key({}) is None
