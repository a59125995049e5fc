"""The letter-type catalogue: every letter-type service of the SOP catalogue is covered, and the
file's rules are what the workflow follows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from slrt_contracts import ParafStep, Role
from slrt_letters.domain.catalogue import CatalogueError, load_catalogue

LETTER_KINDS = {"recommendation_letter", "certificate", "registration_submission", "licence_recommendation"}


def service_catalogue() -> dict:
    """The SOP catalogue: SLRT_SERVICE_CATALOG, else the copy checked in under docs/sources/."""
    candidates = [os.environ.get("SLRT_SERVICE_CATALOG", "")]
    here = Path(__file__).resolve()
    candidates += [str(p / "docs" / "sources" / "service-catalog.yaml") for p in here.parents]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return yaml.safe_load(Path(candidate).read_text(encoding="utf-8"))
    pytest.skip("service-catalog.yaml not found (set SLRT_SERVICE_CATALOG to check coverage)")


def letter_type_services(source: dict) -> set[str]:
    """Services that produce a letter: by kind, or by a paraf chain in their SOP; plus every
    application type of the Musi Rawas SLRT desk."""
    found = set()
    for service in source["services"]:
        chain = service.get("approval_chain") or {}
        if service.get("kind") in LETTER_KINDS or chain.get("initial"):
            found.add(service["id"])
        for application_type in service.get("application_types") or ():
            found.add(application_type["id"])
    return found


def test_every_letter_type_service_of_the_sop_catalogue_is_covered() -> None:
    source = service_catalogue()
    ours = load_catalogue()
    expected = letter_type_services(source)
    missing = expected - ours.covered_sources()
    assert not missing, f"letter types missing for {sorted(missing)}"
    # And every other service is listed as not a letter type, with the reason.
    others = {s["id"] for s in source["services"]} - expected - ours.covered_sources()
    assert others <= set(ours.not_letter_types), sorted(others - set(ours.not_letter_types))
    # Codes follow agreement 7: the service id with _ -> -, Musi Rawas SKTM is `sktm`.
    for code, kind in ours.items():
        sid = kind.source.get("application_type") or kind.source.get("service")
        if sid and code != "sktm":
            assert code == sid.replace("_", "-")
    assert "rec-civil-registry" in ours and "sktm" in ours


def test_the_sop_chains_are_in_the_catalogue() -> None:
    ours = load_catalogue()
    kis = ours["rec-kis-pbid-enrolment"]
    assert kis.paraf_chain == (ParafStep.KASI, ParafStep.KABID, ParafStep.SEKDIN)
    assert kis.signers == (Role.KADIN, Role.SEKDIN) and kis.bpjs_batch is not None
    assert [d.code for d in kis.required_documents] == ["sktm", "kk", "ktp"]
    assert ours["rec-neglected-ppks"].signers == (Role.KADIN,)
    assert ours["rec-child-adoption-permit"].paraf_chain == (ParafStep.KABID,)
    assert ours["mr-cert-inability-sktm"] is ours["sktm"]  # alias
    assert str(ours["rec-health-fee-waiver"].time_standards["paraf"]) == "30 minutes"


def test_adding_a_letter_type_is_a_data_change(tmp_path: Path) -> None:
    data = yaml.safe_load(load_catalogue().path.read_text(encoding="utf-8"))
    data["types"].append({"code": "rec-zakat", "source": {"service": None}, "title": "Surat Rekomendasi Zakat",
                          "kind": "recommendation_letter", "documents": [{"code": "ktp", "name": "Fotokopi KTP"}]})
    path = tmp_path / "types.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    zakat = load_catalogue(path)["rec-zakat"]
    assert zakat.paraf_chain == (ParafStep.KASI, ParafStep.KABID, ParafStep.SEKDIN)  # the office default
    data["types"][-1]["time_standards"] = {"documents": "soon"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="rec-zakat"):
        load_catalogue(path)
