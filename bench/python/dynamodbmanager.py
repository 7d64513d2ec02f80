"""POST /dynamodbmanager: the serverless-lab CRUD handler
({"operation", "tableName", "payload"}), behind an API Gateway proxy."""

import base64
import json
import os
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError

from common import error, response

dynamodb = boto3.resource("dynamodb")
TABLE = os.environ["MANAGER_TABLE"]
ALLOWED = {TABLE} | {
    t.strip() for t in os.environ.get("MANAGER_ALLOWED_TABLES", "").split(",") if t.strip()
}
tables = {TABLE: dynamodb.Table(TABLE)}


def handler(event, context):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    try:
        request = json.loads(body, parse_float=Decimal)
        operation = request["operation"]
        payload = request.get("payload") or {}
    except (ValueError, KeyError, TypeError):
        return error(event, 400, "invalid_request", "expected {operation, tableName?, payload}")
    name = request.get("tableName") or TABLE
    if name not in ALLOWED:
        return error(event, 403, "forbidden", f"table {name!r} is not managed by this API")
    table = tables.get(name) or tables.setdefault(name, dynamodb.Table(name))

    operations = {
        "create": lambda x: table.put_item(**x),
        "read": lambda x: table.get_item(**x),
        "update": lambda x: table.update_item(**x),
        "delete": lambda x: table.delete_item(**x),
        "list": lambda x: table.scan(**x),
        "echo": lambda x: x,
        "ping": lambda x: "pong",
    }
    if operation not in operations:
        return error(event, 400, "unknown_operation", f"unknown operation {operation!r}")
    try:
        result = operations[operation](payload)
    except ClientError as e:
        return error(event, 400, e.response["Error"]["Code"], e.response["Error"]["Message"])
    if isinstance(result, dict):
        result.pop("ResponseMetadata", None)
    return response(event, 200, result)
