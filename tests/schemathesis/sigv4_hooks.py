"""schemathesis hooks: sign the operations that need IAM authorization.

Loaded through SCHEMATHESIS_HOOKS by scripts/schemathesis.sh. Operations with a
`security` requirement in docs/openapi.yaml (the manager's routes, PUT and
DELETE /resume/{id}) are signed
with AWS Signature Version 4 (botocore's SigV4Auth, service execute-api) over
the exact bytes `requests` sends, so fuzzing reaches the handlers:

- SCHEMATHESIS_SIGV4=sign (default): credentials from the standard AWS
  variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
  AWS_REGION); the script sets the local ones for a local stack.
- SCHEMATHESIS_SIGV4=none: nothing is signed, and the `refused_unsigned` check
  asserts that every secured operation answers 403 (or, for a request the
  server cannot parse at all, its 400).
"""

import os

import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNING = os.environ.get("SCHEMATHESIS_SIGV4", "sign") == "sign"


def _secured(case) -> bool:
    return bool(case.operation.definition.raw.get("security"))


class _SigV4(requests.auth.AuthBase):
    """Signs a prepared request in place, as any SigV4 client would."""

    def __call__(self, request):
        credentials = Credentials(
            os.environ["AWS_ACCESS_KEY_ID"],
            os.environ["AWS_SECRET_ACCESS_KEY"],
            os.environ.get("AWS_SESSION_TOKEN") or None,
        )
        region = os.environ.get("AWS_REGION", "us-east-1")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        signable = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
        aws = AWSRequest(method=request.method, url=request.url, data=body, headers=signable)
        SigV4Auth(credentials, "execute-api", region).add_auth(aws)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in aws.headers:
                request.headers[name] = aws.headers[name]
        return request


@schemathesis.hook
def before_call(context, case, kwargs):
    if SIGNING and _secured(case):
        kwargs["auth"] = _SigV4()


def _unparsable(response) -> bool:
    """The HTTP server's own 400 for a request it cannot parse (a header with
    control characters, say; local-api's wire.rs gives it the JSON shape):
    such a request reaches no route, signed or not."""
    try:
        body = response.json()
    except ValueError:
        return False
    return (response.status_code == 400 and body.get("error") == "bad_request"
            and body.get("message") == "the request line or a header is malformed")


@schemathesis.check
def refused_unsigned(ctx, response, case):
    """An unsigned call to a secured operation is refused with 403, unless
    the server could not even parse it. (Other methods on its path, such as
    the public OPTIONS preflight, are not it.)"""
    same_method = case.method.upper() == case.operation.method.upper()
    if not SIGNING and _secured(case) and same_method:
        assert response.status_code == 403 or _unparsable(response), (
            f"unsigned {case.method} {case.path} answered {response.status_code}, not 403"
        )
