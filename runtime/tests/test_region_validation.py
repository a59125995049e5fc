"""The shared region types: a request naming a region the reference data lacks is a 422 naming the code."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel
from slrt_runtime import problems
from slrt_runtime.validation import KnownRegion, KnownRegionCode, unknown_region


class Body(BaseModel):
    region: KnownRegion


def client() -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.post("/complaints")
    def register(body: Body) -> dict[str, str]:
        return {"village": body.region.village}

    @app.get("/queue")
    def queue(region: Annotated[KnownRegionCode | None, Query()] = None) -> dict[str, str | None]:
        return {"region": region}

    return TestClient(app)


def region(village: str) -> dict[str, str]:
    return {"district": village[:4], "subdistrict": village[:6], "village": village}


def test_a_known_village_is_accepted() -> None:
    r = client().post("/complaints", json={"region": region("1605012007")})
    assert r.status_code == 200 and r.json() == {"village": "1605012007"}


def test_an_unknown_village_is_refused_with_a_message_naming_it() -> None:
    r = client().post("/complaints", json={"region": region("1605999999")})
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["rule"] == "unknown_region" and error["field"] == "region" and error["location"] == "body"
    assert error["message"].startswith("unknown village 1605999999: not in the region reference data")


@pytest.mark.parametrize("code, status, words", [
    ("1605", 200, None), ("160503", 200, None), ("1605032002", 200, None),
    ("160599", 422, "unknown sub-district 160599"), ("9999", 422, "unknown district 9999"),
    ("1605999999", 422, "unknown village 1605999999"), ("16059", 422, "should match pattern"),
])
def test_region_codes_of_every_level(code: str, status: int, words: str | None) -> None:
    r = client().get("/queue", params={"region": code})
    assert r.status_code == status, r.text
    if words:
        assert words in r.json()["errors"][0]["message"]


def test_unknown_region_says_why() -> None:
    assert unknown_region("1605012007") is None
    assert unknown_region("1605014107800001") == "a region code has 2, 4, 6 or 10 digits"  # a NIK: not echoed
    assert "idn-area-data" in (unknown_region("1605999999") or "")
