"""A kustomize renderer for the offline checks of deploy/k8s (tests/test_k8s_*.py): exactly the
kustomization features the manifests use, refusing any other so it cannot silently drift, plus the
helpers the checks share. kustomize/kubectl are not needed."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
OVERLAY = "overlays/district-example"
NATIONAL = "national"
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


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
        for container in (c for d in docs for c in containers(d)):
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


def pod_template(doc: dict) -> dict | None:
    """The pod template of a workload (a CronJob's is one level deeper)."""
    if doc["kind"] not in WORKLOADS:
        return None
    spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
    return spec["template"]


def pod_spec(doc: dict) -> dict | None:
    template = pod_template(doc)
    return template["spec"] if template else None


def containers(doc: dict) -> list[dict]:
    spec = pod_spec(doc)
    return (spec.get("initContainers", []) + spec["containers"]) if spec else []


def render_copy(tmp: Path, directory: str) -> list[dict]:
    """A kustomization rendered from a copy whose secrets.env is the committed example, as district
    IT would create it; a developer's real secrets.env is never read."""
    copy = tmp / "k8s"
    shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("secrets.env"))
    target = copy / directory
    shutil.copy(target / "secrets.example.env", target / "secrets.env")
    return render(target)


def find(docs: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]


def one(docs: list[dict], kind: str, name: str) -> dict:
    (doc,) = find(docs, kind, name)
    return doc


def env_of(docs: list[dict], container: dict) -> dict[str, object]:
    """Effective environment: envFrom ConfigMaps resolved, then env entries (values or refs)."""
    env: dict[str, object] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env |= one(docs, "ConfigMap", source["configMapRef"]["name"])["data"]
    for var in container.get("env", []):
        env[var["name"]] = var.get("value", var.get("valueFrom"))
    return env
