"""Bits the three baseline handlers share, as a small Python project would."""

import json
import os
import uuid
from base64 import b64encode
from decimal import Decimal

from boto3.dynamodb.types import Binary

ALLOWED_ORIGINS = {
    o.strip() for o in os.environ.get("ALLOWED_ORIGINS", "").split(",") if o.strip()
}


def to_json(value):
    """json.dumps default for what boto3's resource layer returns."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return sorted(value, key=str)
    if isinstance(value, Binary):
        return b64encode(value.value).decode()
    if isinstance(value, bytes):
        return b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def header(event, name):
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None


def response(event, status, body=None, headers=None):
    request_id = (event.get("requestContext") or {}).get("requestId") or str(uuid.uuid4())
    out = {"Content-Type": "application/json", "x-request-id": request_id}
    origin = header(event, "origin")
    if origin in ALLOWED_ORIGINS:
        out["Access-Control-Allow-Origin"] = origin
        out["Vary"] = "origin"
    out.update(headers or {})
    if body is not None and not isinstance(body, str):
        body = json.dumps(body, default=to_json)
    return {"statusCode": status, "headers": out, "body": body or ""}


def error(event, status, code, message):
    request_id = (event.get("requestContext") or {}).get("requestId") or ""
    return response(
        event, status, {"error": code, "message": message, "requestId": request_id}
    )

