"""Signs one request with botocore, a SigV4 signer that is not the gate's own.

Used by tests/it/sigv4.rs. Reads a JSON object on stdin:
  method, url, body (a string), headers (an object), key, secret, token (or
  null), region, mode ("header" or "query"), expires (seconds, for "query"),
  offset (seconds added to the clock the signature is dated with)
and prints {"url": ..., "headers": {...}}: the URL to send (with the
signature in its query string for "query") and the headers to send.
"""

import datetime
import json
import sys

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main() -> None:
    spec = json.load(sys.stdin)
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    signed_at = now + datetime.timedelta(seconds=spec.get("offset", 0))
    # botocore dates a signature with this function; a skewed clock, on purpose.
    botocore.auth.get_current_datetime = lambda *args, **kwargs: signed_at
    credentials = Credentials(spec["key"], spec["secret"], spec.get("token"))
    request = AWSRequest(
        method=spec["method"],
        url=spec["url"],
        data=spec.get("body", "").encode(),
        headers=spec.get("headers", {}),
    )
    if spec["mode"] == "query":
        auth = SigV4QueryAuth(credentials, "execute-api", spec["region"], expires=spec["expires"])
    else:
        auth = SigV4Auth(credentials, "execute-api", spec["region"])
    auth.add_auth(request)
    json.dump({"url": request.url, "headers": dict(request.headers.items())}, sys.stdout)


if __name__ == "__main__":
    main()
