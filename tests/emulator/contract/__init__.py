"""Zoom's Meeting API contract, as a small JSON subset of Zoom's own OpenAPI file.

`zoom_meeting_api_subset.json` says where each part came from (its "x-source" key). Other test
suites import this module to check the bodies Peerakeet sends and the ones it is given:

    from tests.emulator.contract import validate_request, validate_response
    validate_request("meetingCreate", body)
    validate_response("meetingCreate", 201, response.json())

Operations: meetingCreate, meetings (list), meeting (get), meetingUpdate, user (GET /users/me).
Both functions raise jsonschema.ValidationError on a mismatch.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

SUBSET = Path(__file__).with_name("zoom_meeting_api_subset.json")

# How many bodies were checked, per "operation status" (or "operation request").
VALIDATED: Counter[str] = Counter()


@cache
def _subset() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SUBSET.read_text())
    return data


def _validator(schema: dict[str, Any]) -> OAS30Validator:
    return OAS30Validator(schema, format_checker=oas30_format_checker)


def response_schema(operation: str, status: int) -> dict[str, Any]:
    schema: dict[str, Any] = _subset()["operations"][operation]["responses"][str(status)]
    return schema


def request_schema(operation: str) -> dict[str, Any]:
    schema: dict[str, Any] = _subset()["operations"][operation]["request"]
    return schema


def validate_response(operation: str, status: int, body: Any) -> None:
    _validator(response_schema(operation, status)).validate(body)
    VALIDATED[f"{operation} {status}"] += 1


def validate_request(operation: str, body: Any) -> None:
    _validator(request_schema(operation)).validate(body)
    VALIDATED[f"{operation} request"] += 1
