"""Offline checks that the district's Kubernetes deployment gives the services what they need as they
are now: every setting it sets exists, the letters' certificate comes from its Secret, the public
links printed as QR codes reach the public Ingress, intake's time standards come from the overlay,
the DTKS import job works, agencies get exactly the NATS rights the referral service defines, and
the national aggregator has its own kustomization. Renderer: tests/k8s_render.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from k8s_render import (  # noqa: E402
    K8S, NATIONAL, OVERLAY, containers, env_of, find, one, pod_spec, pod_template, render_copy)

SERVICES = ("intake", "dtks", "referral", "letters", "monitoring")
K8S_VERSIONS = ("1.30", kubernetes_validate.latest_version())


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list[dict]:
    return render_copy(tmp_path_factory.mktemp("k8s"), OVERLAY)


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> list[dict]:
    return render_copy(tmp_path_factory.mktemp("k8s-national"), NATIONAL)


def the_container(docs: list[dict], kind: str, name: str) -> dict:
    (c,) = pod_spec(one(docs, kind, name))["containers"]
    return c


def known_settings() -> set[str]:
    """Every environment variable a service reads, from the services' own code."""
    from slrt_dtks.main import SEED_ENV
    from slrt_intake.adapters.notify import ENV_CHANNEL
    from slrt_intake.domain.standards import ENV_FILE
    from slrt_letters.settings import LettersSettings
    from slrt_monitoring.entrypoints.api.national import NationalSettings as Publisher

    names = {f"SLRT_{n.upper()}" for n in LettersSettings.model_fields}  # includes ServiceSettings'
    names |= {f"SLRT_MONITORING_NATIONAL_{n.upper()}" for n in Publisher.model_fields}
    return names | {SEED_ENV, ENV_CHANNEL, ENV_FILE}


def test_every_setting_the_deployment_sets_exists(docs):
    known = known_settings()
    config = one(docs, "ConfigMap", "slrt-config")["data"]
    assert {k for k in config if k.startswith("SLRT_")} <= known, "a misspelt setting is silently ignored"
    for svc in SERVICES:
        env = env_of(docs, the_container(docs, "Deployment", svc))
        assert {k for k in env if k.startswith("SLRT_")} <= known, svc
        assert "SLRT_DTKS_SEED_PEOPLE" not in env, "no synthetic people in a district's registry"


def test_the_database_allows_every_pods_connections_at_full_scale(docs):
    """Each pod's connection budget (slrt_platform.postgres.connections_per_pod), for every pod the
    autoscalers and rollouts may start."""
    from slrt_platform.postgres import connections_per_pod

    config = one(docs, "ConfigMap", "slrt-config")["data"]
    hpa = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"] for h in find(docs, "HorizontalPodAutoscaler")}
    needed = sum((hpa.get(svc, one(docs, "Deployment", svc)["spec"].get("replicas", 1)) + 1)
                 * connections_per_pod(svc, config) for svc in SERVICES)
    (postgres,) = pod_spec(one(docs, "StatefulSet", "postgres"))["containers"]
    allowed = int(dict(a.split("=") for a in postgres["args"][1::2])["max_connections"])
    assert needed + 3 <= allowed, (needed, allowed)  # 3: superuser_reserved_connections


# --- letters --------------------------------------------------------------------------------------

def test_letters_sign_with_the_office_certificate_from_its_secret(docs):
    from slrt_letters.settings import LettersSettings

    letters = the_container(docs, "Deployment", "letters")
    env = env_of(docs, letters)
    mount = next(m for m in letters["volumeMounts"] if m["name"] == "signing")
    assert mount["readOnly"] is True
    volume = next(v for v in pod_spec(one(docs, "Deployment", "letters"))["volumes"] if v["name"] == "signing")
    assert volume["secret"]["secretName"] == "slrt-letters-signing"
    files = {f"{mount['mountPath']}/{item['path']}" for item in volume["secret"]["items"]}
    assert {env["SLRT_LETTERS_SIGNING_PKCS12"], env["SLRT_LETTERS_SIGNING_CHAIN"]} == files
    assert env["SLRT_LETTERS_SIGNING_PASSPHRASE"] == {
        "secretKeyRef": {"name": "slrt-letters-signing", "key": "passphrase"}}
    # With these settings and no development token issuer, a missing certificate stops the start
    # (services/letters/tests/test_letters_production_signing.py) instead of a per-pod development CA.
    settings = LettersSettings(**{k[5:].lower(): v for k, v in env.items() if k.startswith("SLRT_") and isinstance(v, str)})
    assert settings.auth_dev_issuer is False and settings.persistence == "postgres"


def test_letters_reach_dtks_and_nothing_else_does(docs):
    env = env_of(docs, the_container(docs, "Deployment", "letters"))
    assert env["SLRT_DTKS_URL"] == "http://dtks:8000" and one(docs, "Service", "dtks")["spec"]["ports"][0]["port"] == 8000
    policies = {p["metadata"]["name"]: p["spec"] for p in find(docs, "NetworkPolicy")}
    letters, dtks = ({"app.kubernetes.io/name": n} for n in ("letters", "dtks"))
    assert policies["letters-to-dtks"]["podSelector"]["matchLabels"] == letters
    assert policies["letters-to-dtks"]["egress"] == [{"to": [{"podSelector": {"matchLabels": dtks}}],
                                                      "ports": [{"protocol": "TCP", "port": 8000}]}]
    assert policies["dtks-from-letters"]["podSelector"]["matchLabels"] == dtks
    assert policies["dtks-from-letters"]["ingress"] == [{"from": [{"podSelector": {"matchLabels": letters}}],
                                                         "ports": [{"protocol": "TCP", "port": 8000}]}]


def test_public_links_printed_as_qr_codes_reach_the_public_pages(docs):
    """A receipt's tracking link goes to monitoring's tracking page, a letter's to letters' verification."""
    config = one(docs, "ConfigMap", "slrt-config")["data"]
    public = one(docs, "Ingress", "slrt-public")
    (rule,) = public["spec"]["rules"]
    rewrite = public["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"]
    for setting, value, service, route in (
            ("SLRT_PUBLIC_TRACKING_URL", {"receipt_number": "RK-1605-26-000001"}, "monitoring",
             "/public/track/RK-1605-26-000001"),
            ("SLRT_PUBLIC_VERIFICATION_URL", {"letter_id": str(uuid.UUID(int=7))}, "letters",
             f"/public/verify/{uuid.UUID(int=7)}")):
        url = config[setting].format(**value)
        scheme, _, host, path = url.split("/", 3)
        assert scheme == "https:" and host == rule["host"], setting
        matches = [(p, re.fullmatch(p["path"].removesuffix("$"), "/" + path)) for p in rule["http"]["paths"]]
        (target, match), = [(p, m) for p, m in matches if m]
        assert target["backend"]["service"]["name"] == service
        assert rewrite.replace("$1", match.group(1)) == route


# --- intake ---------------------------------------------------------------------------------------

def test_intake_reads_the_district_time_standards_from_the_overlay(docs, tmp_path):
    from slrt_intake.domain.standards import DEFAULT_FILE, load

    intake = the_container(docs, "Deployment", "intake")
    path = env_of(docs, intake)["SLRT_INTAKE_STANDARDS"]
    mount = next(m for m in intake["volumeMounts"] if path.startswith(m["mountPath"] + "/"))
    volume = next(v for v in pod_spec(one(docs, "Deployment", "intake"))["volumes"] if v["name"] == mount["name"])
    data = one(docs, "ConfigMap", volume["configMap"]["name"])["data"]
    (tmp_path / "standards.yaml").write_text(data[path.removeprefix(mount["mountPath"] + "/")])
    standards = load(tmp_path / "standards.yaml")  # what intake does at start: it must parse
    assert standards.levels.keys() == load(DEFAULT_FILE).levels.keys()


# --- DTKS import ----------------------------------------------------------------------------------

def test_dtks_import_is_a_suspended_template_with_the_dtks_image_and_settings(docs):
    cron = one(docs, "CronJob", "dtks-import")
    assert cron["spec"]["suspend"] is True, "a template: imports are created from it, never scheduled"
    job = cron["spec"]["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0 and job["activeDeadlineSeconds"] >= 3600
    (c,) = pod_spec(cron)["containers"]
    assert c["image"] == the_container(docs, "Deployment", "dtks")["image"]
    env = env_of(docs, c)
    assert env["SLRT_POSTGRES_SCHEMA"] == "dtks" and env["SLRT_PERSISTENCE"] == "postgres"
    assert env["DTKS_EXTRACT"].startswith("/extracts/")
    volumes = {v["name"]: v for v in pod_spec(cron)["volumes"]}
    claim = volumes["extracts"]["persistentVolumeClaim"]["claimName"]
    assert find(docs, "PersistentVolumeClaim", claim)
    labels = pod_template(cron)["metadata"]["labels"]
    policies = {p["metadata"]["name"]: p["spec"] for p in find(docs, "NetworkPolicy")}
    assert policies["slrt-jobs"]["podSelector"]["matchLabels"].items() <= labels.items()
    assert any(r["from"] == [{"podSelector": {"matchLabels": policies["slrt-jobs"]["podSelector"]["matchLabels"]}}]
               for r in policies["postgres"]["ingress"]), "the import job reaches the database"


def test_a_job_from_the_template_imports_the_file_it_is_given(docs):
    """README's step 1 without a cluster: the Job `kubectl create job --from=cronjob/dtks-import` makes,
    through `kubectl set env --local`, imports the named extract."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed")
    cron = one(docs, "CronJob", "dtks-import")
    job = {"apiVersion": "batch/v1", "kind": "Job", "spec": cron["spec"]["jobTemplate"]["spec"],
           "metadata": {"name": "dtks-import-202603", "namespace": cron["metadata"]["namespace"],
                        "annotations": {"cronjob.kubernetes.io/instantiate": "manual"}}}
    result = subprocess.run([kubectl, "set", "env", "--local", "-f", "-", "DTKS_EXTRACT=/extracts/dtks-2026-03.csv",
                             "-o", "yaml"], input=yaml.safe_dump(job), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    (c,) = yaml.safe_load(result.stdout)["spec"]["template"]["spec"]["containers"]
    env = {v["name"]: v.get("value") for v in c["env"]}
    assert env["DTKS_EXTRACT"] == "/extracts/dtks-2026-03.csv" and env["SLRT_POSTGRES_SCHEMA"] == "dtks"
    assert any(m["mountPath"] == "/extracts" for m in c["volumeMounts"])


def test_dtks_import_job_receives_an_uploaded_extract_and_imports_it(docs, tmp_path):
    """The job's two scripts as the pod runs them, with SQLite instead of the cluster's database."""
    from slrt_dtks.adapters.synthetic import generate, write_csv

    scripts = one(docs, "ConfigMap", "dtks-import")["data"]
    for name, text in scripts.items():
        (tmp_path / name).write_text(text)
    extract = tmp_path / "extracts" / "dtks-1605-2026-03.csv"
    extract.parent.mkdir()
    source = tmp_path / "upload.csv"
    with source.open("w", newline="") as out:
        write_csv(generate("1605", 40), out)
    env = {**os.environ, "DTKS_EXTRACT": str(extract), "SLRT_PERSISTENCE": "sqlite",
           "SLRT_DATA_DIR": str(tmp_path / "data"), "SLRT_DISTRICT": "1605"}
    job = subprocess.Popen([sys.executable, str(tmp_path / "import.py")], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        with source.open("rb") as upload:  # kubectl exec -i <pod> -- python /opt/dtks-import/receive.py < file
            received = subprocess.run([sys.executable, str(tmp_path / "receive.py")], env=env, stdin=upload,
                                      capture_output=True, text=True, timeout=60)
        assert received.returncode == 0, received.stderr
        output, _ = job.communicate(timeout=240)
    finally:
        job.kill()
    assert job.returncode == 0, output
    assert re.search(r"loaded \d+", output) and "active" in output
    assert extract.read_bytes() == source.read_bytes() and not list(extract.parent.glob("*.part"))
    again = subprocess.run([sys.executable, str(tmp_path / "receive.py")], env=env, input="x", capture_output=True,
                           text=True, timeout=60)
    assert again.returncode != 0 and "already" in again.stderr, "an extract on the volume is never overwritten"


# --- agencies on NATS -----------------------------------------------------------------------------

def test_agency_users_get_exactly_the_referral_services_permissions(docs):
    from slrt_referral.adapters.agency_access import nats_permissions

    users = one(docs, "ConfigMap", "nats-users")["data"]["users.conf"]
    block = re.sub(r"^  # ?", "  ", users.partition("  # {user: dinkes")[2], flags=re.M)
    publish = re.search(r"publish: \{allow: \[(.*?)\]\}", block, re.S).group(1)
    subscribe = re.search(r"subscribe: \{allow: \[(.*?)\]\}", block, re.S).group(1)
    expected = nats_permissions("dinkes", "1605")
    assert re.findall(r'"([^"]+)"', publish) == expected["publish"]["allow"]
    assert re.findall(r'"([^"]+)"', subscribe) == expected["subscribe"]["allow"]
    sts = one(docs, "StatefulSet", "nats")
    (nats,) = pod_spec(sts)["containers"]
    assert {"secretRef": {"name": "slrt-nats-agencies", "optional": True}} in nats["envFrom"]


# --- national aggregator --------------------------------------------------------------------------

@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_national_kustomization_is_valid_kubernetes(national, version):
    for doc in national:
        kubernetes_validate.validate(doc, version, strict=True)


def test_national_aggregator_runs_the_monitoring_national_entry(national):
    import importlib.util

    from slrt_monitoring.national.aggregator import NationalSettings

    assert {d["metadata"].get("namespace") for d in national if d["kind"] != "Namespace"} == {"slrt-national"}
    namespace = one(national, "Namespace", "slrt-national")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    deployment = one(national, "Deployment", "national-aggregator")
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate"
    c = the_container(national, "Deployment", "national-aggregator")
    assert c["command"][:2] == ["python", "-m"] and importlib.util.find_spec(c["command"][2] + ".__main__")
    assert c["image"] == "ghcr.io/slrt-platform/slrt-monitoring:0.1.0"
    env = env_of(national, c)
    assert {k.removeprefix("SLRT_NATIONAL_").lower() for k in env} <= set(NationalSettings.model_fields)
    secret = one(national, "Secret", "slrt-national")["data"]
    assert env["SLRT_NATIONAL_NATS_URL"] == {"secretKeyRef": {"name": "slrt-national", "key": "SLRT_NATIONAL_NATS_URL"}}
    assert "SLRT_NATIONAL_NATS_URL" in secret
    port = {p["name"]: p["containerPort"] for p in c["ports"]}["http"]
    assert int(env["SLRT_NATIONAL_HTTP_PORT"]) == port and env["SLRT_NATIONAL_HTTP_HOST"] == "0.0.0.0"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    data = next(m["mountPath"] for m in c["volumeMounts"] if m["name"] == "data")
    assert env["SLRT_NATIONAL_DATA_DIR"] == data, "the snapshots survive a restart"
    volume = next(v for v in pod_spec(deployment)["volumes"] if v["name"] == "data")
    assert find(national, "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    pod = pod_spec(deployment)
    assert pod["securityContext"]["runAsNonRoot"] and c["securityContext"]["readOnlyRootFilesystem"]
    policies = {p["metadata"]["name"]: p["spec"] for p in find(national, "NetworkPolicy")}
    assert policies["default-deny-all"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert [r["ports"] for r in policies["national-aggregator"]["ingress"]] == [[{"protocol": "TCP", "port": port}]]
    assert not find(national, "Deployment", "intake"), "no district service in the national kustomization"
    for doc in national:
        for container in containers(doc):
            assert ":" in container["image"] and not container["image"].endswith(":latest")
    assert yaml.safe_load((K8S / NATIONAL / "kustomization.yaml").read_text())["namespace"] == "slrt-national"
    assert "kubectl apply -k deploy/k8s/national" in (K8S / "README.md").read_text()
