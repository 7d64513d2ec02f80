"""GET /visitorcount: count the visit (atomic ADD), log it, and count unique
visitors of the day (a conditional put of a seen-today marker)."""

import hashlib
import hmac
import os
import uuid
from datetime import datetime, timedelta, timezone

import boto3
from botocore.exceptions import ClientError

from common import error, header, response

dynamodb = boto3.resource("dynamodb")
counter = dynamodb.Table(os.environ["COUNTER_TABLE"])
visits = dynamodb.Table(os.environ["VISITS_TABLE"])
SALT = os.environ["VISITOR_SALT"].encode()
TTL_DAYS = int(os.environ.get("VISIT_TTL_DAYS") or 90)


def increment(key):
    out = counter.update_item(
        Key={"id": key},
        UpdateExpression="ADD #count :one",
        ExpressionAttributeNames={"#count": "count"},
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )
    return int(out["Attributes"]["count"])


def handler(event, context):
    now = datetime.now(timezone.utc)
    ip = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "unknown"
    ip_hash = hmac.new(SALT, ip.encode(), hashlib.sha256).hexdigest()
    try:
        total = increment("total")
    except ClientError:
        return error(event, 503, "service_unavailable", "the database is unavailable, retry later")

    visit = {
        "id": str(uuid.uuid4()),
        "at": now.isoformat().replace("+00:00", "Z"),
        "ipHash": ip_hash,
        "path": event.get("path") or "/visitorcount",
        "expiresAt": int((now + timedelta(days=TTL_DAYS)).timestamp()),
    }
    agent = (header(event, "user-agent") or "")[:256]
    if agent:
        visit["userAgent"] = agent
    try:
        visits.put_item(Item=visit)
    except ClientError as e:
        print(f"visit log write failed: {e}")

    day = now.strftime("%Y-%m-%d")
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    unique = None
    try:
        counter.put_item(
            Item={
                "id": f"seen#{day}#{ip_hash}",
                "expiresAt": int((midnight + timedelta(days=2)).timestamp()),
            },
            ConditionExpression="attribute_not_exists(id)",
        )
        unique = increment(f"day#{day}")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            item = counter.get_item(Key={"id": f"day#{day}"}, ConsistentRead=True).get("Item") or {}
            unique = int(item.get("count", 0))
        else:
            print(f"cannot record today's visitor: {e}")

    body = {"count": total}
    if unique is not None:
        body["unique_today"] = unique
    return response(event, 200, body, {"Cache-Control": "no-store"})
