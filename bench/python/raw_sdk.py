"""The DynamoDB work of one request of each baseline handler, through boto3
alone, timed in-process: `python raw_sdk.py OP N` prints JSON.

Python handler overhead = the handler's warm latency minus this."""

import json
import os
import sys
import time
from datetime import datetime, timezone

import boto3
from botocore.exceptions import ClientError

dynamodb = boto3.resource("dynamodb")


def resume_get():
    table = dynamodb.Table(os.environ["RESUME_TABLE"])
    key = {"id": os.environ["RESUME_ID"]}

    def once():
        assert "Item" in table.get_item(Key=key)

    return once


def visitorcount():
    counter = dynamodb.Table(os.environ["COUNTER_TABLE"])
    visits = dynamodb.Table(os.environ["VISITS_TABLE"])

    def once():
        day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        counter.update_item(
            Key={"id": "total-raw"},
            UpdateExpression="ADD #count :one",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        visits.put_item(Item={"id": f"raw-{time.time_ns()}", "at": day, "ipHash": "0" * 64,
                              "path": "/visitorcount", "expiresAt": 2000000000})
        try:
            counter.put_item(Item={"id": f"seen#{day}#raw", "expiresAt": 2000000000},
                             ConditionExpression="attribute_not_exists(id)")
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        counter.get_item(Key={"id": f"day#{day}"}, ConsistentRead=True)

    return once


def manager_read():
    table = dynamodb.Table(os.environ["MANAGER_TABLE"])
    key = {"id": os.environ["MANAGER_ITEM_ID"]}

    def once():
        assert "Item" in table.get_item(Key=key, ConsistentRead=True)

    return once


OPS = {"resume-get": resume_get, "visitorcount": visitorcount, "manager-read": manager_read}


def main():
    op, n = sys.argv[1], int(sys.argv[2])
    once = OPS[op]()
    started = time.perf_counter()
    once()
    first_ms = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        once()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()

    def pct(p):
        return samples[max(1, -(-len(samples) * p // 100)) - 1]

    print(json.dumps({"first_ms": first_ms, "warm": {
        "n": n, "min": samples[0], "p50": pct(50), "p90": pct(90), "p99": pct(99),
        "max": samples[-1], "mean": sum(samples) / n}}))


if __name__ == "__main__":
    main()
