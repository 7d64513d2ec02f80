#!/usr/bin/env python3
"""Does the CloudFormation execution role allow what CloudFormation will call?

CloudFormation creates, updates and deletes each resource through that
resource type's handler, and the handler calls AWS with the stack's service
role (deploy/github-oidc-role.yaml, CfnExecutionRole). The registry schema of
each type lists what its handlers call (`handlers.create/update/delete.
permissions`); cfn-lint ships those schemas, and the Service Authorization
Reference (which resource types each IAM action takes, and their ARN formats)
as data/AdditionalSpecs/Policies.json.

What this check does:

1. Expands template.yaml as CloudFormation does: its Fn::ForEach loops, then
   the AWS::Serverless-2016-10-31 transform (scripts/template-expanded.py).
   Conditions are not evaluated, so every optional resource (custom domain,
   base path mapping, alias records, e-mail subscription, web ACL, the site's
   bucket, distribution and policies) is in the
   result, and Fn::If takes its first (true) branch: every optional parameter
   is, in effect, switched on.
2. For each resource type T in it and each action A its handlers list, the
   pair (T, A) is either excluded (deploy/handler-permissions-exclusions.txt,
   with the reason this template never makes T's handler call A) or checked.
3. Checked means: for every resource R of type T, the calls A makes for R are
   derived, and each must be allowed by the role's inline policies as IAM
   evaluates them: an Allow statement whose Action matches A (IAM wildcards,
   case-insensitive), one of whose Resource patterns matches the call's ARN
   (IAM wildcards, case-sensitive; `*` also spans `:` and `/`), and whose
   Condition holds, with no Deny statement matching. A call is:
   - on "*" when A takes no resource type (the Reference lists none, or
     does not know A), and then only a Resource "*" allows it;
   - else on the ARNs that R reaches and that fit one of A's resource types'
     ARN formats. R reaches its own ARNs (ARN_SHAPES: for API Gateway also
     the collection a create posts to), the own ARN of each resource that is
     a whole value (Ref, Fn::GetAtt) in its Properties or UpdatePolicy, every
     ARN-shaped string those resolve to (a name inside Fn::Sub or Fn::Join
     counts only through that string), and the S3 object of an
     S3Bucket/S3Key pair (a function's code). Own ARNs use the stack's
     naming: a name property if set, else CloudFormation's generated
     "<stack>-<LogicalId>-<random>", lower case for a bucket (ids such as a
     REST API's or a distribution's are random, so never match a stack-name
     pattern). A built ARN that fits no Reference
     format of its resource type is a problem.
   - If R reaches no ARN of A's types, on "any" resource of each type (the
     format's prefix followed by "(any)"): only a pattern covering every
     such resource (e.g. `change/*`) allows it.
   Conditions are evaluated for the keys derived here: iam:PassedToService
   (iam:PassRole: the service of T, e.g. lambda.amazonaws.com) and
   iam:PolicyARN (iam:Attach/DetachRolePolicy: each ManagedPolicyArns entry
   of a role, or the managed policy itself). A statement whose Condition uses
   another key or operator is not counted, and the problem names it.
   Values the template takes from outside are stand-ins (STAND_INS): a
   partition, account and stack name, the artifact bucket (deploy.yml passes
   the role stack's ArtifactBucket as --s3-bucket), and each parameter's
   default, or "param-<Name>" when the default is empty. Not checked: that a
   handler calls no more than its schema lists; CloudFormation's truncation
   of long generated names (the role template keeps the stack name to 23
   characters so that the prefix survives); calls on resources the template
   does not reach (such as AWS's managed WAF rule sets); managed policies
   attached to the role, NotAction and NotResource (the check stops).
4. Each exclusion line is `TYPE ACTION [unset=Path,...] reason`. With
   `unset=`, the reason's premise is checked too: no resource of TYPE may set
   any of those Properties paths (dotted, through lists, `*` for any key; a
   value that is present counts as set, even false), and each path's first
   name must be a property in TYPE's schema. An exclusion that no handler of TYPE
   lists, for a TYPE not in the template, or for a pair the role already
   allows, is an error too, so the file stays a reviewed list.

--list prints each pair with how it is covered: "granted" (Resource "*"),
"granted on N resources" (the derived ARNs, each matched by a pattern) and
"... if <condition>" when a conditional statement was needed.

Usage: scripts/handler-permissions.py [--template T] [--role R]
       [--role-id CfnExecutionRole] [--exclusions F] [--region us-east-1] [--list]
Run through make (`make deploy-role-check`), which puts .venv/bin first on PATH.
"""


import argparse
import functools
import importlib.util
import json
import pathlib
import re
import sys
import urllib.parse
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parent.parent
HANDLERS = ("create", "update", "delete")

# Values that CloudFormation or the pipeline choose at deploy time.
STAND_INS = {
    "partition": "aws",
    "account": "123456789012",
    "stack": "resume-backend-staging",
    "suffix": "AB12CD34EF56",
    "artifact_bucket": "artifact-bucket-stand-in",
}
ANY = "(any)"

# Resource type -> [(IAM resource type, ARN template)], the ARNs the type's own
# calls target. {name}: the physical name; {P:Prop}: a resolved property;
# {id}: a random id; {tags}: the ARN before it, URL-encoded (API Gateway's
# tagging resource). What `Ref` returns is in REF_RETURNS.
_R = "arn:{partition}:{service}:{region}:{account}"
ARN_SHAPES: dict[str, list[tuple[str, str]]] = {
    "AWS::DynamoDB::Table": [("table", _R + ":table/{name:TableName}")],
    "AWS::Lambda::Function": [("function", _R + ":function:{name:FunctionName}")],
    "AWS::Lambda::Version": [("function version", "{fn:FunctionName}:1")],
    "AWS::Lambda::Alias": [("function alias", "{fn:FunctionName}:{P:Name}")],
    "AWS::IAM::Role": [("role", "arn:{partition}:iam::{account}:role{path}{name:RoleName}")],
    "AWS::IAM::ManagedPolicy": [
        ("policy", "arn:{partition}:iam::{account}:policy{path}{name:ManagedPolicyName}")
    ],
    "AWS::Logs::LogGroup": [("log-group", _R + ":log-group:{name:LogGroupName}")],
    "AWS::CloudWatch::Alarm": [("alarm", _R + ":alarm:{name:AlarmName}")],
    "AWS::CloudWatch::Dashboard": [
        ("dashboard", "arn:{partition}:cloudwatch::{account}:dashboard/{name:DashboardName}")
    ],
    "AWS::SNS::Topic": [("topic", _R + ":{name:TopicName}")],
    "AWS::CodeDeploy::Application": [("application", _R + ":application:{name:ApplicationName}")],
    "AWS::CodeDeploy::DeploymentGroup": [
        ("deploymentgroup", _R + ":deploymentgroup:{P:ApplicationName}/{name:DeploymentGroupName}")
    ],
    "AWS::ApiGateway::RestApi": [
        ("RestApis", "arn:{partition}:apigateway:{region}::/restapis"),
        ("RestApi", "arn:{partition}:apigateway:{region}::/restapis/{id}"),
        ("Tags", "arn:{partition}:apigateway:{region}::/tags/{tags}"),
    ],
    "AWS::ApiGateway::Stage": [
        ("Stages", "arn:{partition}:apigateway:{region}::/restapis/{P:RestApiId}/stages"),
        ("Stage", "arn:{partition}:apigateway:{region}::/restapis/{P:RestApiId}/stages/{P:StageName}"),
        ("Tags", "arn:{partition}:apigateway:{region}::/tags/{tags}"),
    ],
    "AWS::ApiGateway::Deployment": [
        ("Deployments", "arn:{partition}:apigateway:{region}::/restapis/{P:RestApiId}/deployments"),
        ("Deployment", "arn:{partition}:apigateway:{region}::/restapis/{P:RestApiId}/deployments/{id}"),
    ],
    "AWS::ApiGateway::DomainName": [
        ("DomainNames", "arn:{partition}:apigateway:{region}::/domainnames"),
        ("DomainName", "arn:{partition}:apigateway:{region}::/domainnames/{P:DomainName}"),
        ("Tags", "arn:{partition}:apigateway:{region}::/tags/{tags}"),
    ],
    "AWS::ApiGateway::BasePathMapping": [
        ("BasePathMappings", "arn:{partition}:apigateway:{region}::/domainnames/{P:DomainName}/basepathmappings"),
        (
            "BasePathMapping",
            "arn:{partition}:apigateway:{region}::/domainnames/{P:DomainName}/basepathmappings/{P:BasePath}",
        ),
    ],
    # A record set's IAM resource is its hosted zone.
    "AWS::Route53::RecordSet": [("hostedzone", "arn:{partition}:route53:::hostedzone/{P:HostedZoneId}")],
    "AWS::WAFv2::WebACL": [("webacl", _R + ":regional/webacl/{P:Name}/{id}")],
    "AWS::S3::Bucket": [("bucket", "arn:{partition}:s3:::{name:BucketName}")],
    # The site (SiteHosting): CloudFront's ids are random; a function is named.
    "AWS::CloudFront::Distribution": [("distribution", "arn:{partition}:cloudfront::{account}:distribution/{id}")],
    "AWS::CloudFront::OriginAccessControl": [
        ("origin-access-control", "arn:{partition}:cloudfront::{account}:origin-access-control/{id}")
    ],
    "AWS::CloudFront::Function": [("function", "arn:{partition}:cloudfront::{account}:function/{P:Name}")],
    "AWS::CloudFront::CachePolicy": [("cache-policy", "arn:{partition}:cloudfront::{account}:cache-policy/{id}")],
    "AWS::CloudFront::OriginRequestPolicy": [
        ("origin-request-policy", "arn:{partition}:cloudfront::{account}:origin-request-policy/{id}")
    ],
    "AWS::CloudFront::ResponseHeadersPolicy": [
        ("response-headers-policy", "arn:{partition}:cloudfront::{account}:response-headers-policy/{id}")
    ],
}
# What `Ref` returns for each type (CloudFormation's "Return values"); "name"
# when not listed.
REF_RETURNS = {
    "AWS::ApiGateway::RestApi": "id",
    "AWS::ApiGateway::Deployment": "id",
    "AWS::WAFv2::WebACL": "name|id|scope",
    "AWS::IAM::ManagedPolicy": "arn",
    "AWS::SNS::Topic": "arn",
    "AWS::Lambda::Alias": "arn",
    "AWS::Lambda::Version": "arn",
    "AWS::Logs::QueryDefinition": "id",
    "AWS::Lambda::Permission": "id",
    "AWS::CloudFront::Distribution": "id",
    "AWS::CloudFront::OriginAccessControl": "id",
    "AWS::CloudFront::Function": "arn",
    "AWS::CloudFront::CachePolicy": "id",
    "AWS::CloudFront::OriginRequestPolicy": "id",
    "AWS::CloudFront::ResponseHeadersPolicy": "id",
}


# load_template, and the loops' expansion and SAM transform, are
# template-expanded.py's.
_spec = importlib.util.spec_from_file_location("template_expanded", ROOT / "scripts" / "template-expanded.py")
_expanded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_expanded)
load_template = _expanded.load_template


def sam_transform(template: dict) -> dict:
    """The template as CloudFormation expands it: its loops, then the SAM
    transform (a template without it is returned with its loops expanded).
    A local CodeUri becomes the artifact bucket's stand-in, as `sam deploy
    --s3-bucket` (deploy.yml) makes it."""
    return _expanded.sam_transform(template, code_uri=f"s3://{STAND_INS['artifact_bucket']}/code.zip")


def cfnlint_data() -> pathlib.Path:
    import cfnlint

    return pathlib.Path(cfnlint.__file__).parent / "data"


@functools.lru_cache(maxsize=None)
def registry_schema(rtype: str, region: str = "us-east-1") -> dict:
    """The CloudFormation registry schema of a resource type (cfn-lint's copy)."""
    schemas = cfnlint_data() / "schemas"
    provider = json.loads((schemas / "providers" / f"{region}.json").read_text())
    if rtype not in provider:
        raise SystemExit(f"cfn-lint has no registry schema for {rtype} in {region}")
    return json.loads((schemas / "resources" / f"{provider[rtype]}.json").read_text())


def handler_actions(types: set[str], region: str = "us-east-1") -> dict[str, set[str]]:
    """resource type -> the actions its create/update/delete handlers call."""
    actions: dict[str, set[str]] = {}
    for rtype in sorted(types):
        handlers = registry_schema(rtype, region).get("handlers", {})
        actions[rtype] = set()
        for handler in HANDLERS:
            actions[rtype].update(handlers.get(handler, {}).get("permissions", []))
    return actions


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- IAM data


class IamReference:
    """The Service Authorization Reference as cfn-lint ships it (Policies.json)."""

    def __init__(self, region: str, data: dict | None = None):
        if data is None:
            path = cfnlint_data() / "AdditionalSpecs" / "Policies.json"
            data = json.loads(path.read_text())
        self.data = data
        self.region = region

    def kinds(self, action: str) -> list[str] | None:
        """The resource types `action` takes ([] = none: only "*"); None if unknown."""
        service, _, name = action.partition(":")
        entry = self.data.get(service.lower(), {}).get("Actions", {}).get(name.lower())
        return None if entry is None else entry.get("Resources", [])

    def formats(self, service: str, kind: str) -> list[re.Pattern]:
        """Regexes of the ARN formats of one resource type, stand-ins filled in."""
        entry = self.data.get(service.lower(), {}).get("Resources", {}).get(kind.lower(), {})
        values = {"Partition": STAND_INS["partition"], "Region": self.region}
        values.update({k: STAND_INS["account"] for k in ("Account", "AccountId")})
        patterns = []
        for fmt in entry.get("ARNFormats", []):
            parts = re.split(r"(\$\{\w+\}|\.\*)", fmt)
            regex = "".join(
                ".*" if p == ".*" else re.escape(values.get(p[2:-1], "")) if p.startswith("${") else re.escape(p)
                for p in parts
            )
            patterns.append(re.compile(regex + r"\Z"))
        return patterns

    def any_arn(self, service: str, kind: str) -> str | None:
        """An ARN standing for 'any resource of this type': the format's prefix + ANY."""
        entry = self.data.get(service.lower(), {}).get("Resources", {}).get(kind.lower(), {})
        for fmt in entry.get("ARNFormats", []):
            prefix = fmt.split(".*")[0]
            for key, value in (("Partition", STAND_INS["partition"]), ("Region", self.region)):
                prefix = prefix.replace("${%s}" % key, value)
            prefix = re.sub(r"\$\{Account(Id)?\}", STAND_INS["account"], prefix)
            return prefix + ANY if ".*" in fmt else prefix
        return None


# ---------------------------------------------------------------- the template, resolved


class Resolver:
    """Resolves intrinsics of one template to strings, with STAND_INS."""

    def __init__(self, template: dict, region: str, names: dict[str, str] | None = None):
        self.resources = template.get("Resources", {})
        self.parameters = template.get("Parameters", {})
        self.region = region
        self.names = names or {}
        self._busy: set[str] = set()

    def pseudo(self, name: str):
        return {
            "AWS::StackName": STAND_INS["stack"],
            "AWS::Region": self.region,
            "AWS::AccountId": STAND_INS["account"],
            "AWS::Partition": STAND_INS["partition"],
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }.get(name, f"<{name}>")

    def ref(self, name: str):
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            default = self.parameters[name].get("Default", "")
            return str(default) if default != "" else f"param-{name}"
        if name not in self.resources:
            return f"<{name}>"
        rtype = self.resources[name].get("Type", "")
        returns = REF_RETURNS.get(rtype, "name")
        if returns == "arn":
            return self.primary_arn(name)
        if returns == "id":
            return self.random_id(name)
        if returns == "name|id|scope":
            return f"{self.name(name, 'Name')}|{self.random_id(name)}|REGIONAL"
        return self.name(name, None)

    def get_att(self, name: str, attribute: str):
        if name in self.resources and attribute == "Arn":
            arn = self.primary_arn(name)
            if arn:
                return arn
        return f"<{name}.{attribute}>"

    def primary_arn(self, name: str) -> str | None:
        """The resource's own ARN (not its collection's or tagging resource's)."""
        arns = [arn for kind, arn in self.own_arns(name) if kind != "Tags"]
        return arns[-1] if arns else None

    def random_id(self, name: str) -> str:
        # Random ids carry no stack name, so no stack-name pattern matches one.
        return f"{name.lower()}0id"

    def name(self, logical_id: str, prop: str | None) -> str:
        """The physical name: the name property, else CloudFormation's generated one."""
        if logical_id in self.names:
            return self.names[logical_id]
        props = self.resources[logical_id].get("Properties", {})
        if prop and props.get(prop) is not None:
            return str(self.value(props[prop]))
        generated = f"{STAND_INS['stack']}-{logical_id}-{STAND_INS['suffix']}"
        # A bucket's name is lower case: CloudFormation lowers the one it makes.
        return generated.lower() if self.resources[logical_id].get("Type") == "AWS::S3::Bucket" else generated

    def value(self, node):
        """A resolved copy of `node`: strings, lists, dicts; None for AWS::NoValue."""
        if isinstance(node, list):
            return [v for v in (self.value(n) for n in node) if v is not None]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            resolved = self._intrinsic(key, arg)
            if resolved is not NotImplemented:
                return resolved
        return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not None}

    def _intrinsic(self, key: str, arg):
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::GetAtt":
            name, _, attribute = arg.partition(".") if isinstance(arg, str) else (arg[0], "", arg[1])
            return self.get_att(name, attribute)
        if key == "Fn::Sub":
            return self.sub(*(arg if isinstance(arg, list) else [arg, {}]))
        if key == "Fn::Join":
            return str(arg[0]).join(str(v) for v in _as_list(self.value(arg[1])))
        if key == "Fn::If":  # conditions unevaluated: the optional part is on
            return self.value(arg[1])
        if key.startswith("Fn::"):
            return f"<{key}>"
        return NotImplemented

    def sub(self, text: str, variables: dict) -> str:
        def one(match: re.Match) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token[1:] + "}"
            if token in variables:
                return str(self.value(variables[token]))
            if "." in token and not token.startswith("AWS::"):
                return str(self.get_att(*token.split(".", 1)))
            return str(self.ref(token))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def own_arns(self, logical_id: str) -> list[tuple[str, str]]:
        """[(IAM resource type, ARN)] of a resource, from ARN_SHAPES."""
        resource = self.resources.get(logical_id, {})
        shapes = ARN_SHAPES.get(resource.get("Type", ""), [])
        if logical_id in self._busy:
            raise SystemExit(f"{logical_id}: its ARN refers to itself")
        self._busy.add(logical_id)
        try:
            arns: list[tuple[str, str]] = []
            for kind, shape in shapes:
                tagged = urllib.parse.quote(arns[-1][1], safe="") if arns else ""
                arns.append((kind, self._fill(logical_id, resource, shape.replace("{tags}", tagged))))
            return arns
        finally:
            self._busy.discard(logical_id)

    def _fill(self, logical_id: str, resource: dict, shape: str) -> str:
        props = resource.get("Properties", {})
        service = resource["Type"].split("::")[1].lower()

        def one(match: re.Match) -> str:
            what, _, prop = match.group(1).partition(":")
            if what == "name":
                return self.name(logical_id, prop)
            if what == "P":
                value = self.value(props.get(prop))
                return "(none)" if value in (None, "") else str(value)
            if what == "fn":  # a function's name or ARN
                value = str(self.value(props.get(prop)))
                return value if value.startswith("arn:") else self._fill_text(_R + ":function:" + value, "lambda")
            if what == "path":
                return str(self.value(props.get("Path", "/")))
            if what == "id":
                return self.random_id(logical_id)
            return self._fill_text("{" + what + "}", service)

        return re.sub(r"\{([^{}]+)\}", one, shape)

    def _fill_text(self, text: str, service: str) -> str:
        return text.format(
            partition=STAND_INS["partition"], service=service, region=self.region, account=STAND_INS["account"]
        )


def whole_references(node) -> set[str]:
    """Logical ids that are the whole value of a property (`Ref X`, `Fn::GetAtt X.A`),
    anywhere in `node`. A name inside Fn::Sub or Fn::Join counts only through
    the string it resolves to: `.../restapis/${Api}/stages/x` reaches the stage."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= whole_references(item)
    elif isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and isinstance(node["Ref"], str):
            return {node["Ref"]}
        if len(node) == 1 and "Fn::GetAtt" in node:
            arg = node["Fn::GetAtt"]
            return {arg.split(".")[0] if isinstance(arg, str) else arg[0]}
        for key, value in node.items():
            if key not in ("Fn::Sub", "Fn::Join"):
                found |= whole_references(value)
    return found


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        if isinstance(node.get("S3Bucket"), str) and isinstance(node.get("S3Key"), str):
            yield f"arn:{STAND_INS['partition']}:s3:::{node['S3Bucket']}/{node['S3Key']}"
        for item in node.values():
            yield from _strings(item)


def reach(resolver: Resolver, logical_id: str) -> list[str]:
    """The ARNs a resource's handler may act on (see the module docstring, 3)."""
    resource = resolver.resources[logical_id]
    scope = [resource.get("Properties", {}), resource.get("UpdatePolicy", {})]
    arns = [arn for _, arn in resolver.own_arns(logical_id)]
    for other in sorted(whole_references(scope)):
        if other in resolver.resources and other != logical_id:
            arns.append(resolver.primary_arn(other) or "")
    arns += [s for s in _strings(resolver.value(scope)) if s.startswith("arn:")]
    return [arn for arn in dict.fromkeys(arns) if arn]


@dataclass(frozen=True)
class Call:
    """One call a handler makes: for which resource, on which ARN, with what context."""

    logical_id: str
    arn: str
    context: tuple[tuple[str, str], ...] = ()


def call_context(rtype: str, action: str, resource: dict, own: list[str]) -> list[dict[str, str]]:
    """The condition keys this check derives for a call (module docstring, 3)."""
    lowered = action.lower()
    if lowered == "iam:passrole":
        return [{"iam:PassedToService": f"{rtype.split('::')[1].lower()}.amazonaws.com"}]
    if lowered in ("iam:attachrolepolicy", "iam:detachrolepolicy"):
        if rtype == "AWS::IAM::Role":
            arns = resource.get("Properties", {}).get("ManagedPolicyArns", [])
            return [{"iam:PolicyARN": str(arn)} for arn in arns] or [{}]
        if rtype == "AWS::IAM::ManagedPolicy":
            return [{"iam:PolicyARN": arn} for arn in own]
    return [{}]


def calls_of(
    resolver: Resolver, iam: IamReference, rtype: str, action: str, logical_ids: list[str]
) -> list[Call]:
    """Every call `action` makes for the resources of `rtype`."""
    service = action.split(":")[0]
    kinds = iam.kinds(action)
    calls = []
    for logical_id in logical_ids:
        own = [arn for kind, arn in resolver.own_arns(logical_id)]
        if not kinds:  # no resource type (or not in the Reference): only "*"
            targets = ["*"]
        else:
            formats = [f for kind in kinds for f in iam.formats(service, kind)]
            targets = [a for a in reach(resolver, logical_id) if any(f.match(a) for f in formats)]
            if not targets:
                targets = sorted({iam.any_arn(service, k) for k in kinds} - {None})
        resolved = resolver.value(resolver.resources[logical_id])
        for context in call_context(rtype, action, resolved, own):
            calls += [Call(logical_id, arn, tuple(sorted(context.items()))) for arn in targets]
    return calls


def check_shapes(resolver: Resolver, iam: IamReference) -> list[str]:
    """Every ARN ARN_SHAPES builds fits the Reference's format for its type."""
    problems = []
    for logical_id, resource in resolver.resources.items():
        rtype = resource.get("Type", "")
        service = rtype.split("::")[1].lower()
        for kind, arn in resolver.own_arns(logical_id):
            formats = iam.formats(service, kind)
            if not any(f.match(arn) for f in formats):
                problems.append(f"ARN_SHAPES: {logical_id}'s {kind} ARN {arn} fits no Reference format of {service}")
    return problems


# ---------------------------------------------------------------- the role


@dataclass
class Statement:
    """One statement of the role's inline policies, its patterns resolved."""

    sid: str
    effect: str
    actions: list[str]
    resources: list[str]
    condition: dict = field(default_factory=dict)


def role_statements(role_template: dict, role_id: str, region: str) -> list[Statement]:
    """The statements of the role's inline policies, with STAND_INS filled in."""
    role = role_template.get("Resources", {}).get(role_id)
    if not role or role.get("Type") != "AWS::IAM::Role":
        raise SystemExit(f"no AWS::IAM::Role {role_id} in the role template")
    if role.get("Properties", {}).get("ManagedPolicyArns"):
        raise SystemExit(f"{role_id}: managed policies are not evaluated by this check")
    # The artifact bucket: what sam deploy uploads the code to.
    buckets = {lid: STAND_INS["artifact_bucket"] for lid, r in role_template["Resources"].items()
               if r.get("Type") == "AWS::S3::Bucket"}
    resolver = Resolver(role_template, region, buckets)
    resolver.parameters = dict(resolver.parameters, AppStackName={"Default": STAND_INS["stack"]})
    statements = []
    for policy in role.get("Properties", {}).get("Policies", []):
        for number, raw in enumerate(_as_list(policy["PolicyDocument"]["Statement"])):
            if "NotAction" in raw or "NotResource" in raw:
                raise SystemExit(f"{role_id}: NotAction/NotResource are not supported by this check")
            value = resolver.value(raw)
            statements.append(
                Statement(
                    sid=value.get("Sid", f"{policy['PolicyName']}[{number}]"),
                    effect=value["Effect"],
                    actions=_as_list(value.get("Action", [])),
                    resources=[str(r) for r in _as_list(value.get("Resource", []))],
                    condition=value.get("Condition", {}),
                )
            )
    return statements


@functools.lru_cache(maxsize=None)
def _wildcard_regex(pattern: str, ignore_case: bool) -> re.Pattern:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """IAM's matching: * any run of characters (also : and /), ? one character."""
    return _wildcard_regex(pattern, ignore_case).fullmatch(text) is not None


def granted(action: str, patterns: list[str]) -> bool:
    """Does one of the Action patterns match `action` (case-insensitive)?"""
    return any(wildcard(p, action, ignore_case=True) for p in patterns)


OPERATORS = {
    "StringEquals": lambda want, have: want == have,
    "StringLike": lambda want, have: wildcard(want, have),
    "ArnEquals": lambda want, have: wildcard(want, have),
    "ArnLike": lambda want, have: wildcard(want, have),
}


def condition_holds(condition: dict, context: dict[str, str]) -> bool | str:
    """True/False, or the reason it cannot be evaluated here."""
    for operator, tests in condition.items():
        if operator not in OPERATORS:
            return f"operator {operator} is not evaluated by this check"
        for key, wanted in tests.items():
            if key not in context:
                return f"condition key {key} is not derived by this check"
            if not any(OPERATORS[operator](str(w), context[key]) for w in _as_list(wanted)):
                return False
    return True


def decide(call: Call, action: str, statements: list[Statement]) -> tuple[Statement | None, list[str]]:
    """The Allow statement that allows `call` (None if none does, or a Deny
    may apply), and why the others that name the action do not."""
    context = dict(call.context)
    allows, notes = [], []
    for st in statements:
        if not granted(action, st.actions):
            continue
        if not any(wildcard(p, call.arn) for p in st.resources):
            notes.append(f"{st.sid}: Resource {st.resources} does not match")
            continue
        holds = condition_holds(st.condition, context)
        if st.effect == "Deny" and holds is not False:
            return None, notes + [f"{st.sid}: denies it" + ("" if holds is True else f" unless ({holds})")]
        if holds is True and st.effect == "Allow":
            allows.append(st)
        elif holds is not True:
            notes.append(f"{st.sid}: " + (holds or f"Condition {json.dumps(st.condition)} does not hold for {context}"))
    # The least limited of the statements that allow it, to report.
    allows.sort(key=lambda st: (bool(st.condition), "*" not in st.resources))
    return (allows[0] if allows else None), notes


# ---------------------------------------------------------------- exclusions


@dataclass
class Exclusion:
    """One line of the exclusion file: (type, action), why, and its premise."""

    reason: str
    where: str
    unset: list[str] = field(default_factory=list)


def load_exclusions(path: pathlib.Path) -> tuple[dict[tuple[str, str], Exclusion], list[str]]:
    """`TYPE ACTION [unset=Path,...] reason` per line; # comments. Returns (exclusions, problems)."""
    exclusions: dict[tuple[str, str], Exclusion] = {}
    problems: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path.name}:{number}"
        rtype, action, rest = (line.split(None, 2) + ["", ""])[:3]
        unset: list[str] = []
        if rest.startswith("unset="):
            paths, _, rest = rest.partition(" ")
            unset = [p for p in paths[len("unset="):].split(",") if p]
        if not re.fullmatch(r"[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+", rtype):
            problems.append(f"{where}: '{rtype}' is not a resource type (AWS::Service::Type)")
        elif ":" not in action:
            problems.append(f"{where}: '{action}' is not a service:Action name")
        elif not rest.strip():
            problems.append(f"{where}: {rtype} {action} has no reason")
        elif (rtype, action) in exclusions:
            problems.append(f"{where}: {rtype} {action} is listed twice")
        else:
            exclusions[(rtype, action)] = Exclusion(rest.strip(), where, unset)
    return exclusions, problems


def is_set(node, path: list[str]) -> bool:
    """Is the dotted property path present? Lists: in any element; `*`: under any key."""
    if not path:
        return node is not None
    if isinstance(node, list):
        return any(is_set(item, path) for item in node)
    if not isinstance(node, dict):
        return False
    if path[0] == "*":
        return any(is_set(value, path[1:]) for value in node.values())
    return path[0] in node and is_set(node[path[0]], path[1:])


def premise_problems(resolver: Resolver, rtype: str, action: str, exclusion: Exclusion) -> list[str]:
    """An exclusion's `unset=` paths that a resource of its type sets, or that
    name no property of the type (a typo would make the premise hold)."""
    known = registry_schema(rtype, resolver.region).get("properties", {})
    problems = [
        f"{rtype} {action}: {exclusion.where}: unset={path}: {rtype} has no property {path.split('.')[0]}"
        for path in exclusion.unset
        if path.split(".")[0] not in known
    ]
    for path in exclusion.unset:
        setters = [
            logical_id
            for logical_id, resource in resolver.resources.items()
            if resource.get("Type") == rtype
            and is_set(resolver.value(resource.get("Properties", {})), path.split("."))
        ]
        if setters:
            problems.append(
                f"{rtype} {action}: excluded ({exclusion.where}) on the premise that no {rtype} sets "
                f"{path}, but {', '.join(setters)} do(es): grant it or change the template"
            )
    return problems


# ---------------------------------------------------------------- the check


def describe(allowed: list[tuple[Call, Statement]]) -> str:
    """How a pair is granted: on any resource, on the derived ARNs, under which conditions."""
    arns = sorted({c.arn for c, st in allowed if "*" not in st.resources})
    values: dict[str, set[str]] = {}
    for call, st in allowed:
        for key, value in call.context if st.condition else ():
            values.setdefault(key, set()).add(value)
    sids = sorted({st.sid for _, st in allowed})
    how = f"granted on {len(arns)} resource(s)" if arns else "granted"
    if values:
        how += " if " + ", ".join(f"{k}={' | '.join(sorted(v))}" for k, v in sorted(values.items()))
    return f"{how} ({', '.join(sids)})"


def check_pair(resolver, iam, statements, rtype, action, logical_ids) -> tuple[list, list]:
    """(allowed [(call, statement)], denied [(call, notes)]) for one (type, action)."""
    allowed, denied = [], []
    for call in calls_of(resolver, iam, rtype, action, logical_ids):
        statement, notes = decide(call, action, statements)
        if statement is None:
            denied.append((call, notes))
        else:
            allowed.append((call, statement))
    return allowed, denied


def denial(rtype: str, action: str, denied: list) -> str:
    call, notes = denied[0]
    context = "".join(f" with {k}={v}" for k, v in call.context)
    others = f" (and {len(denied) - 1} more call(s))" if len(denied) > 1 else ""
    why = "; ".join(notes) or "no statement names the action"
    return (
        f"{rtype} {action}: not allowed for {call.logical_id} on {call.arn}{context}{others}: {why}. "
        "Grant it, or exclude the pair with the reason the template never makes the call"
    )


def check(
    resolver: Resolver,
    iam: IamReference,
    actions: dict[str, set[str]],
    statements: list[Statement],
    exclusions: dict[tuple[str, str], Exclusion],
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows (type, action, how it is covered) and problems, per the module docstring."""
    rows, problems = [], []
    by_type: dict[str, list[str]] = {}
    for logical_id, resource in resolver.resources.items():
        by_type.setdefault(resource.get("Type", ""), []).append(logical_id)
    for rtype in sorted(actions):
        for action in sorted(actions[rtype], key=str.lower):
            allowed, denied = check_pair(resolver, iam, statements, rtype, action, by_type.get(rtype, []))
            exclusion = exclusions.get((rtype, action))
            if exclusion:
                if not denied:
                    problems.append(f"{rtype} {action}: the role allows every call, so drop its exclusion ({exclusion.where})")
                problems += premise_problems(resolver, rtype, action, exclusion)
                rows.append((rtype, action, f"excluded: {exclusion.reason}"))
            elif denied:
                problems.append(denial(rtype, action, denied))
                rows.append((rtype, action, "NOT ALLOWED"))
            else:
                rows.append((rtype, action, describe(allowed)))
    for rtype, action in sorted(set(exclusions) - {(t, a) for t in actions for a in actions[t]}):
        where = exclusions[(rtype, action)].where
        if rtype not in actions:
            problems.append(f"{rtype} {action}: excluded ({where}), but the template has no {rtype}")
        else:
            problems.append(f"{rtype} {action}: excluded ({where}), but no handler of {rtype} calls it")
    return rows, problems


def summary(rows: list[tuple[str, str, str]], role_id: str) -> str:
    count = lambda test: sum(1 for row in rows if test(row[2]))  # noqa: E731
    types = len({row[0] for row in rows})
    return (
        f"handler-permissions: {types} resource types, {len(rows)} (type, action) pairs: "
        f"{count(lambda s: s.startswith('granted ('))} granted by {role_id} on any resource, "
        f"{count(lambda s: s.startswith('granted on'))} on the template's resources only, "
        f"{count(lambda s: ' if ' in s)} under a condition (evaluated), "
        f"{count(lambda s: s.startswith('excluded'))} excluded, {count(lambda s: s == 'NOT ALLOWED')} not allowed"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=pathlib.Path, default=ROOT / "template.yaml")
    parser.add_argument("--role", type=pathlib.Path, default=ROOT / "deploy" / "github-oidc-role.yaml")
    parser.add_argument("--role-id", default="CfnExecutionRole")
    parser.add_argument(
        "--exclusions", type=pathlib.Path, default=ROOT / "deploy" / "handler-permissions-exclusions.txt"
    )
    parser.add_argument("--region", default="us-east-1", help="whose registry schemas (cfn-lint's copy)")
    parser.add_argument("--list", action="store_true", help="print every (type, action) and how it is covered")
    args = parser.parse_args(argv)

    resolver = Resolver(sam_transform(load_template(args.template)), args.region)
    iam = IamReference(args.region)
    types = {r["Type"] for r in resolver.resources.values()}
    actions = handler_actions(types, args.region)
    statements = role_statements(load_template(args.role), args.role_id, args.region)
    exclusions, problems = load_exclusions(args.exclusions)
    problems += check_shapes(resolver, iam)
    rows, more = check(resolver, iam, actions, statements, exclusions)
    problems += more

    if args.list:
        for rtype, action, how in rows:
            print(f"{rtype:34} {action:45} {how}")
    print(summary(rows, args.role_id))
    for problem in problems:
        print(f"handler-permissions: {problem}", file=sys.stderr)
    if problems:
        print(f"handler-permissions: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
