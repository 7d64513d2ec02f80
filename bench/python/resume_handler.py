"""GET /resume and GET /resume/{id}: a JSON Resume document from DynamoDB,
with a strong ETag (304 on If-None-Match) and Cache-Control."""

import hashlib
import json
import os
import re

import boto3

from common import error, header, response, to_json

table = boto3.resource("dynamodb").Table(os.environ["RESUME_TABLE"])
DEFAULT_ID = os.environ["RESUME_ID"]
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def handler(event, context):
    resume_id = (event.get("pathParameters") or {}).get("id") or DEFAULT_ID
    if not ID_RE.match(resume_id):
        return error(event, 400, "invalid_id", "invalid resume id")
    item = table.get_item(Key={"id": resume_id}).get("Item")
    if not item or "resume" not in item:
        return error(event, 404, "not_found", f"no resume with id '{resume_id}'")
    body = json.dumps(item["resume"], default=to_json, separators=(",", ":"))
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    tags = [t.strip().removeprefix("W/") for t in (header(event, "if-none-match") or "").split(",")]
    if etag in tags or "*" in tags:
        return response(event, 304, "", headers)
    return response(event, 200, body, headers)
