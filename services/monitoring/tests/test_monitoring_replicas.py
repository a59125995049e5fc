"""Several replicas of the monitoring service on one read-model database: two ``ReadModels`` (or two
apps) on the same PostgreSQL schema / SQLite directory stand for two pods."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import nats
import psycopg
import pytest
from slrt_monitoring.main import build
from slrt_monitoring.application.readmodel import ReadModels
from slrt_monitoring.application.rebuild import rebuild
from slrt_monitoring.adapters.synthetic import known_history, publish
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings


@pytest.fixture
def pg(postgres_settings: ServiceSettings) -> Iterator[ServiceSettings]:
    """The shared PostgreSQL settings; the generation schemas (``<base>_rm<N>``) are dropped afterwards."""
    yield postgres_settings
    base = postgres_settings.postgres_schema
    with psycopg.connect(host=postgres_settings.postgres_host, port=postgres_settings.postgres_port,
                         user=postgres_settings.postgres_user, dbname=postgres_settings.postgres_dbname,
                         autocommit=True) as conn:
        for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                      (f"{base}_rm%",)).fetchall():
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def schemas(settings: ServiceSettings) -> set[str]:
    with psycopg.connect(host=settings.postgres_host, port=settings.postgres_port, user=settings.postgres_user,
                         dbname=settings.postgres_dbname) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                            (f"{settings.postgres_schema}_rm%",)).fetchall()
    return {r[0].removeprefix(f"{settings.postgres_schema}_") for r in rows}


async def rebuild_from(models: ReadModels, nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        assert (await rebuild(models, nc.jetstream())).state == "done"
    finally:
        await nc.close()


def test_a_rebuild_by_one_pod_is_followed_by_the_others(pg: ServiceSettings, nats_url: str, district: str) -> None:
    settings = pg.model_copy(update={"district": district, "nats_url": nats_url})
    history = known_history(district)
    asyncio.run(publish(nats_url, settings, history.messages()))
    pod_a, pod_b, pod_c = ReadModels(settings), ReadModels(settings), ReadModels(settings)
    pod_b.follow_seconds = 0  # looks at the pointer before every query
    pod_c.follow_seconds = 3600  # has not looked at the pointer for a while
    try:
        for delivery in history.deliveries:  # the live consumers, spread over the pods
            (pod_a if delivery.notification_id % 2 else pod_c).apply(delivery)
        live = pod_a.store.dump()
        assert pod_b.store.dump() == live

        asyncio.run(rebuild_from(pod_a, nats_url))
        assert pod_a.generation == 2
        # Pod B reads the new generation at its next query; the replaced one stays for pods not yet there.
        assert pod_b.store.dump() == live and pod_b.generation == 2
        assert schemas(settings) == {"rm1", "rm2"}
        # Pod C's next live write lands in the new generation, not in the replaced one.
        late = history.deliveries[0]
        new = Delivery(late.upstream, 1000, late.event.model_copy(update={"complaint_id": uuid.uuid4(),
                                                                          "receipt_number": f"RK-{district}-26-000099"}))
        assert pod_c.apply(new) is True
        assert pod_c.generation == 2
        assert ("intake", 1000) in pod_a.store.dump()["tracking"]
        assert pod_b.store.dump() == pod_a.store.dump()

        asyncio.run(rebuild_from(pod_b, nats_url))  # the next rebuild (from another pod) drops rm1
        assert schemas(settings) == {"rm2", "rm3"}
        assert pod_a.follow() == 3 and pod_a.store.dump() == pod_b.store.dump()
    finally:
        for pod in (pod_a, pod_b, pod_c):
            pod.close()


@pytest.fixture(params=["sqlite", "postgres"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> ServiceSettings:
    if request.param == "sqlite":
        return ServiceSettings(district="1605", data_dir=tmp_path)
    return request.getfixturevalue("pg").model_copy(update={"district": "1605"})


def test_every_pod_streams_every_change_whichever_pod_applied_it(shared: ServiceSettings) -> None:
    history = known_history("1605")
    apps = [build(shared, with_messaging=False), build(shared, with_messaging=False)]

    async def scenario() -> list[int]:
        seen = [0, 0]

        async def watch(i: int) -> None:
            async for message in apps[i].state.broadcaster.stream("1605"):
                if message["event"] == "update":
                    seen[i] += json.loads(message["data"])["events"]

        async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
            watchers = [asyncio.create_task(watch(i)) for i in range(2)]
            await asyncio.sleep(0.3)
            for delivery in history.deliveries:  # a durable consumer spreads the events over the pods
                await asyncio.to_thread(apps[delivery.notification_id % 2].state.view.apply, delivery)
            deadline = asyncio.get_running_loop().time() + 30
            while seen != [len(history.deliveries)] * 2 and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            for w in watchers:
                w.cancel()
        return seen

    try:
        assert asyncio.run(scenario()) == [len(history.deliveries)] * 2
    finally:
        for app in apps:
            app.state.view.close()
