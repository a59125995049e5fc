from slrt_runtime.messaging import redact_url


def test_credentials_in_the_nats_url_never_reach_the_logs() -> None:
    assert redact_url("nats://slrt:s3cret@nats:4222") == "nats://***@nats:4222"
    assert redact_url("nats://nats-0:4222,nats://u:p@nats-1:4222") == "nats://nats-0:4222,nats://***@nats-1:4222"
    assert redact_url("nats://127.0.0.1:4322") == "nats://127.0.0.1:4322"
