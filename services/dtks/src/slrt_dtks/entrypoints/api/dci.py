"""A DCI-style registry search (Digital Convergence Initiative, social registry "search" API).

Synchronous variant of the DCI search: one request envelope with one or more search requests, each
either by identifier (``query_type: idtype-value``; NIK, KK or DTKS_ID) or by attributes
(``query_type: predicate``; a list of ``{attribute_name, operator, attribute_value}`` joined by AND),
paged with ``pagination.page_size``/``page_number``. Beside the service's own API; same auth, roles
and region scoping (results are limited to the caller's region).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from slrt_contracts import Actor, InvalidNIK, Text, validate_nik
from slrt_contracts.values import SQL_BIGINT_MAX
from slrt_runtime.auth import require_roles
from slrt_runtime.validation import unknown_region

from .registry import LOOKUP_ROLES, App
from ...adapters.registry import PROGRAMMES, Person

router = APIRouter(prefix="/dci/registry", tags=["dci"])

REG_TYPE = "ns:dtks:RegistryType:SocialRegistry"
IDENTIFIER_TYPES = {"NIK": "nik", "KK": "family_card", "DTKS_ID": "registry_id"}
ATTRIBUTES = {
    "name": ("eq",), "birth_date": ("eq",), "sex": ("eq",), "region_code": ("eq",), "programme": ("eq",),
    "welfare_decile": ("le", "eq"),
}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Header(_Open):
    version: Text = Field(default="1.0.0", max_length=16)
    message_id: Text = Field(default_factory=lambda: str(uuid.uuid4()), max_length=64)
    message_ts: dt.datetime | None = None
    action: Text = Field(default="search", max_length=32)
    sender_id: Text | None = Field(default=None, max_length=120)
    receiver_id: Text | None = Field(default=None, max_length=120)


class IdQuery(BaseModel):
    type: Literal["NIK", "KK", "DTKS_ID"]
    value: Text = Field(min_length=1, max_length=64)


class Predicate(BaseModel):
    attribute_name: Literal["name", "birth_date", "sex", "region_code", "programme", "welfare_decile"]
    operator: Literal["eq", "le"] = "eq"
    attribute_value: Annotated[Text, Field(max_length=120)] | Annotated[int, Field(ge=-SQL_BIGINT_MAX, le=SQL_BIGINT_MAX)] = Field(
        union_mode="left_to_right")


class Pagination(BaseModel):
    page_size: int = Field(default=20, ge=1, le=100)
    page_number: int = Field(default=1, ge=1, le=100_000)


class SearchCriteria(_Open):
    version: Text = Field(default="1.0.0", max_length=16)
    reg_type: Text = Field(default=REG_TYPE, max_length=120)
    query_type: Literal["idtype-value", "predicate"]
    query: IdQuery | Annotated[list[Predicate], Field(max_length=10)]
    pagination: Pagination = Pagination()


class SearchRequestItem(_Open):
    reference_id: Text = Field(max_length=64)
    timestamp: dt.datetime | None = None
    search_criteria: SearchCriteria
    locale: Text = Field(default="id", max_length=16)


class SearchMessage(_Open):
    transaction_id: Text = Field(max_length=64)
    search_request: list[SearchRequestItem] = Field(min_length=1, max_length=20)


class SearchEnvelope(_Open):
    signature: Text | None = Field(default=None, max_length=8192)
    header: Header = Header()
    message: SearchMessage


def _record(p: Person) -> dict[str, Any]:
    return {
        "identifier": [{"identifier_type": "NIK", "identifier_value": p.nik},
                       {"identifier_type": "KK", "identifier_value": p.family_card},
                       {"identifier_type": "DTKS_ID", "identifier_value": p.registry_id}],
        "name": p.name, "sex": p.sex, "birth_date": p.birth_date.isoformat(), "birth_place": p.birth_place,
        "address": {"address_line": p.address, "admin_area_code": p.village_code},
        "household_id": p.household_id, "welfare_decile": p.welfare_decile, "programmes": list(p.programmes),
    }


def _reject(item: SearchRequestItem, code: str, message: str) -> dict[str, Any]:
    return {"reference_id": item.reference_id, "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(),
            "status": "rjct", "status_reason_code": code, "status_reason_message": message}


def _search(app: Any, actor: Actor, item: SearchRequestItem) -> dict[str, Any]:
    criteria = item.search_criteria
    page = criteria.pagination
    conditions: dict[str, Any] = {}
    if criteria.query_type == "idtype-value":
        if not isinstance(criteria.query, IdQuery):
            return _reject(item, "rjct.query.invalid", "idtype-value needs query {type, value}")
        value = criteria.query.value
        if criteria.query.type == "NIK":
            try:
                value = validate_nik(value)
            except InvalidNIK as e:
                return _reject(item, "rjct.query.invalid", f"invalid NIK: {e}")
        conditions[IDENTIFIER_TYPES[criteria.query.type]] = value
    else:
        if not isinstance(criteria.query, list) or not criteria.query:
            return _reject(item, "rjct.query.invalid", "predicate needs a list of {attribute_name, operator, attribute_value}")
        for p in criteria.query:
            if p.operator not in ATTRIBUTES[p.attribute_name]:
                return _reject(item, "rjct.query.invalid", f"operator {p.operator} is not supported for {p.attribute_name}")
            value = str(p.attribute_value)
            if p.attribute_name == "birth_date":
                try:
                    conditions["birth_date"] = dt.date.fromisoformat(value)
                except ValueError:
                    return _reject(item, "rjct.query.invalid", "birth_date must be YYYY-MM-DD")
            elif p.attribute_name == "region_code":
                if not value.isdigit() or len(value) not in (2, 4, 6, 10):
                    return _reject(item, "rjct.query.invalid", "region_code must be 2, 4, 6 or 10 digits")
                if (problem := unknown_region(value)) is not None:
                    return _reject(item, "rjct.query.invalid", f"region_code: {problem}")
                if not (value.startswith(actor.region) or actor.region.startswith(value)):
                    return _reject(item, "rjct.query.invalid", f"region_code is outside your region {actor.region}")
                conditions["region"] = value
            elif p.attribute_name == "programme":
                code = next((c for c in PROGRAMMES if c.upper() == value.upper()), None)
                if code is None:
                    return _reject(item, "rjct.query.invalid", f"programme must be one of {', '.join(PROGRAMMES)}")
                conditions["programmes"] = (*conditions.get("programmes", ()), code)
            elif p.attribute_name == "welfare_decile":
                if not value.isdigit() or not 1 <= int(value) <= 10:
                    return _reject(item, "rjct.query.invalid", "welfare_decile must be 1-10")
                conditions["decile" if p.operator == "eq" else "max_decile"] = int(value)
            elif p.attribute_name == "sex":
                if value.upper() not in ("M", "F"):
                    return _reject(item, "rjct.query.invalid", "sex must be M or F")
                conditions["sex"] = value.upper()
            else:
                conditions["name"] = value
    region = conditions.pop("region", "")
    scope = region if region.startswith(actor.region) else actor.region
    people, total = app.registry.search(scope=scope, limit=page.page_size,
                                        offset=(page.page_number - 1) * page.page_size, **conditions)
    return {
        "reference_id": item.reference_id, "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(), "status": "succ",
        "data": {"version": "1.0.0", "reg_type": REG_TYPE, "reg_record_type": "Person",
                 "registry_version": app.registry.current_version(), "reg_records": [_record(p) for p in people]},
        "pagination": {"page_size": page.page_size, "page_number": page.page_number, "total_count": total},
        "locale": item.locale,
    }


@router.post("/sync/search", summary="DCI-style registry search by identifier or attributes, paged (staff only)")
def search(body: SearchEnvelope, app: App, actor: Annotated[Actor, Depends(require_roles(*LOOKUP_ROLES))]) -> dict[str, Any]:
    responses = [_search(app, actor, item) for item in body.message.search_request]
    return {
        "signature": None,
        "header": {"version": "1.0.0", "message_id": str(uuid.uuid4()),
                   "message_ts": dt.datetime.now(dt.timezone.utc).isoformat(), "action": "on-search",
                   "status": "succ" if all(r["status"] == "succ" for r in responses) else "part"
                   if any(r["status"] == "succ" for r in responses) else "rjct",
                   "total_count": len(responses), "completed_count": sum(r["status"] == "succ" for r in responses),
                   "sender_id": body.header.receiver_id or "dtks", "receiver_id": body.header.sender_id},
        "message": {"transaction_id": body.message.transaction_id, "correlation_id": body.header.message_id,
                    "search_response": responses},
    }
