"""The republish command is for admins only and says so when NATS is not there."""

from __future__ import annotations

from fastapi.testclient import TestClient
from slrt_contracts import Actor, Role
from slrt_runtime.auth import DevTokenAuthenticator
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.http import create_app
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings


class Probe(ServiceApplication):
    name = "Probe"


def test_republish_is_refused_to_staff_and_explains_a_missing_broker(tmp_path) -> None:
    settings = ServiceSettings(data_dir=tmp_path, nats_url="nats://127.0.0.1:1")
    messaging = ServiceMessaging("probe", settings)
    messaging.add_relay(Probe(ServiceSettings(persistence="memory")), lambda _: None)
    app = create_app("probe", settings, routers=[], messaging=None)
    app_with_messaging = create_app("probe", settings, routers=[], messaging=messaging)
    issuer = DevTokenAuthenticator(settings.auth_secret.get_secret_value(), settings.auth_issuer)

    def bearer(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(Actor(id='x', role=role, region='1605'))}"}

    assert TestClient(app).post("/admin/outbox/republish", json={}).status_code == 404  # no relay, no command
    client = TestClient(app_with_messaging)  # not entered: messaging never connects
    assert client.post("/admin/outbox/republish", json={}, headers=bearer(Role.MANAGER)).status_code == 403
    assert client.post("/admin/outbox/republish", json={"from_notification_id": 5, "to_notification_id": 2},
                       headers=bearer(Role.ADMIN)).status_code == 422
    refused = client.post("/admin/outbox/republish", json={}, headers=bearer(Role.ADMIN))
    assert refused.status_code == 503 and "NATS not reachable" in refused.json()["detail"]
