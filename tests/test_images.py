"""The container images (deploy/images) are built here and the end-to-end flow passes against the
services started from them: an image that cannot start, lacks a file or a dependency fails.

Builds every image with deploy/images/build.sh (buildah, chroot isolation; a Debian base made with
mmdebstrap where the default base cannot be pulled, kept for the next run), then runs each service
with ``buildah run --isolation chroot`` (host network: the test's nats-server and ports) as uid 10001,
where nothing but /tmp is writable (the image's root is owned by root: what a read-only root
filesystem allows). The flow is tests/test_end_to_end.py's, on SQLite in the containers' /tmp and
on PostgreSQL as on Kubernetes (the launcher's PostgreSQL mode; skipped without a server). Selected with ``-m images``; skipped
without buildah (``.ci/run`` installs it) or without root."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from slrt_platform.platform import SERVICES, WEB, Platform, ServiceProcess, running_platform

sys.path.insert(0, str(Path(__file__).parent))
from test_end_to_end import complaint_to_signed_letter, running_on_postgres  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "deploy" / "images" / "build.sh"
UID = "10001:10001"  # the manifests' runAsUser/runAsGroup
# What a Deployment passes to its container (ConfigMap, Secret, env); never the host's own variables.
PASSED = ("SLRT_", "POSTGRES_", "PGAPPNAME", "OTEL_")

# A cold build (no cached base or layers) takes minutes: more than the suite's default time-out.
pytestmark = [pytest.mark.images, pytest.mark.e2e, pytest.mark.timeout(2400)]


def image_of(service: str) -> str:
    """The name and tag the build gives and the manifests use (tests/test_k8s_images.py checks both)."""
    version = next(line.split('"')[1] for line in (ROOT / "pyproject.toml").read_text().splitlines()
                   if line.startswith("version = "))
    return f"ghcr.io/slrt-platform/slrt-{service}:{version}"


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    if shutil.which("buildah") is None:
        pytest.skip("buildah not installed (Debian package; .ci/run installs it): images not built")
    if os.geteuid() != 0:
        pytest.skip("buildah with chroot isolation needs root here: images not built")
    started = time.monotonic()
    result = subprocess.run([str(BUILD)], cwd=ROOT, capture_output=True, text=True, timeout=3000)
    assert result.returncode == 0, result.stderr[-4000:]
    built = result.stdout.split()
    print(f"\nimages built in {time.monotonic() - started:.0f}s: {' '.join(built)}\n{result.stderr[-600:]}")
    assert built == [image_of(s) for s in (*SERVICES, WEB)]
    return {s: image_of(s) for s in (*SERVICES, WEB)}


@dataclass
class ContainerProcess(ServiceProcess):
    """One service running from its image in a buildah working container (kept across restarts, like
    a pod's emptyDir across container restarts)."""

    container: str = ""

    def start(self) -> None:
        env = {k: v for k, v in self.env.items() if k.startswith(PASSED)}
        env["SLRT_DATA_DIR"] = "/tmp/slrt-data"  # the image's writable place (an emptyDir on Kubernetes)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        self.process = subprocess.Popen(
            ["buildah", "run", "--isolation", "chroot", "--network", "host", "--user", UID,
             *[f"--env={k}={v}" for k, v in env.items()], self.container, "--",
             "/bin/sh", "-c", 'exec python -m "slrt_${SLRT_SERVICE}"'],
            stdout=log, stderr=log, start_new_session=True)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        # buildah and the service share the session started above: signal them all, or a killed
        # buildah would leave the service holding its port.
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


class ImagePlatform(Platform):
    images: dict[str, str] = {}
    run_id: str = ""

    def service_process(self, name: str, port: int, env: dict[str, str], log_path: Path) -> ServiceProcess:
        container = f"slrt-test-{name}-{self.run_id}"
        subprocess.run(["buildah", "from", "--quiet", "--pull-never", "--name", container, self.images[name]],
                       check=True, capture_output=True, text=True)
        return ContainerProcess(name, port, env, log_path, container=container)


@pytest.fixture(params=["sqlite", "postgres"])
def platform(request: pytest.FixtureRequest, images: dict[str, str], tmp_path: Path) -> Iterator[Platform]:
    """The embedded default's SQLite in each container's /tmp, or PostgreSQL as on Kubernetes."""
    ImagePlatform.images, ImagePlatform.run_id = images, uuid.uuid4().hex[:8]
    try:
        if request.param == "sqlite":
            with running_platform(tmp_path / "var", kind=ImagePlatform) as p:
                yield p
        else:
            with running_on_postgres(tmp_path / "var", kind=ImagePlatform) as p:
                yield p
    finally:
        names = subprocess.run(["buildah", "containers", "--format", "{{.ContainerName}}"],
                               capture_output=True, text=True).stdout.split()
        ours = [n for n in names if n.endswith(f"-{ImagePlatform.run_id}") and n.startswith("slrt-test-")]
        if ours:
            subprocess.run(["buildah", "rm", *ours], capture_output=True)


def test_the_flow_passes_against_the_services_started_from_their_images(platform: Platform) -> None:
    for name, service in platform.services.items():
        assert isinstance(service, ContainerProcess) and service.alive(), name
    # The application for people: its pages (compiled Indonesian catalogue) and its static files.
    web = platform.url(WEB)
    page = httpx.get(f"{web}/", follow_redirects=True)
    assert page.status_code == 200 and 'lang="id"' in page.text, page.text[:300]
    assert httpx.get(f"{web}/static/icon.svg").status_code == 200
    complaint_to_signed_letter(platform)


def test_nothing_but_tmp_is_writable_for_the_services_user(images: dict[str, str]) -> None:
    container = f"slrt-test-rootfs-{uuid.uuid4().hex[:8]}"
    subprocess.run(["buildah", "from", "--quiet", "--pull-never", "--name", container, images["intake"]],
                   check=True, capture_output=True)
    try:
        probe = ("import os; print(os.getuid(), os.getgid()); "
                 "print([p for p in ('/', '/app', '/app/.venv', '/etc', '/usr', '/var') if os.access(p, os.W_OK)])")
        out = subprocess.run(["buildah", "run", "--isolation", "chroot", "--user", UID, container, "--",
                              "python", "-c", probe], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split("\n")[:2] == ["10001 10001", "[]"], out.stdout
        config = subprocess.run(["buildah", "inspect", "--type", "image", "--format",
                                 "{{.OCIv1.Config.User}}", images["intake"]], capture_output=True, text=True)
        assert config.stdout.strip() == UID, "the image runs as uid 10001 by default"
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True)
