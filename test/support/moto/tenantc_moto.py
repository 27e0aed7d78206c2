"""Patches to moto 5.2 for tenantc's deploy integration test (test/deployMoto.test.ts).

Stock moto fails on the compiled estate before its first nested stack. Each patch below
closes one gap between moto's CloudFormation and the real service, and says which; the
docs/deploy.md ("What the moto run proves") lists them and what the run therefore cannot prove.
Nothing here changes what tenantc sends: the patches only make moto answer like AWS.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.custom_model import CustomModel
from moto.cloudformation.utils import get_stack_from_s3_url
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.utilities.utils import get_partition

ACCOUNT = "123456789012"


# Gap 1. KMS key Tags: CloudFormation takes [{Key, Value}], moto's model reads the KMS
# API's [{TagKey, TagValue}] and raises KeyError: 'TagKey'.
def _kms_key_tags() -> None:
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])]
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]


# Gap 2. SSM parameter Tags: CloudFormation takes a map {key: value}, moto expects a list
# and raises a TypeError.
def _ssm_parameter_tags() -> None:
    from moto.ssm.models import Parameter

    def fix(props: dict[str, Any]) -> None:
        if isinstance(props.get("Tags"), dict):
            props["Tags"] = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]

    for name in ("create_from_cloudformation_json", "update_from_cloudformation_json"):
        if not hasattr(Parameter, name):
            continue
        original = getattr(Parameter, name).__func__

        def wrapped(cls, *args, __original=original, **kwargs):  # type: ignore[no-untyped-def]
            for a in list(args) + list(kwargs.values()):
                if isinstance(a, dict) and "Properties" in a:
                    fix(a["Properties"])
            return __original(cls, *args, **kwargs)

        setattr(Parameter, name, classmethod(wrapped))


# Gap 3. Resource types moto does not model (ACM certificates, Cognito, CloudWatch alarms,
# ElastiCache users, groups and replication groups, Aurora clusters, CloudFront,
# distribution tenants, secrets and their rotation schedules, SQS queue policies, ...)
# are skipped with a warning and their Ref is empty, which breaks every resource that
# refers to them. They become generic resources: a
# physical id (an ARN where CloudFormation's Ref gives one), any attribute as a
# deterministic string, updated in place, deleted as a no-op. The run therefore proves
# the stacks and their wiring, not those services' behaviour.
REF_IS_ARN = {
    "AWS::CertificateManager::Certificate": "acm",
    "AWS::SNS::Subscription": "sns",
    "AWS::SecretsManager::Secret": "secretsmanager",
    "AWS::ElasticLoadBalancingV2::ListenerCertificate": "elasticloadbalancing",
}


class GenericResource(CloudFormationModel):
    # moto's model registry names a model's service after its module (moto.<service>...).
    __module__ = "moto.cloudformation.tenantc_generic"

    def __init__(self, resource_type: str, name: str, region: str) -> None:
        self.resource_type = resource_type
        self.name = name
        self.region = region

    @property
    def physical_resource_id(self) -> str:
        service = REF_IS_ARN.get(self.resource_type)
        return f"arn:aws:{service}:{self.region}:{ACCOUNT}:{self.name}" if service else self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name.endswith("Arn"):
            return f"arn:aws:generic:{self.region}:{ACCOUNT}:{self.name}/{attribute_name}"
        if attribute_name == "NameServers":
            return ["ns-1.awsdns-00.org", "ns-2.awsdns-00.net"]
        return f"{self.name}.{attribute_name.lower()}.example.internal"

    @staticmethod
    def cloudformation_type() -> str:
        return "Generic"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        return GenericResource(cloudformation_json["Type"], resource_name, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        return None

    def is_created(self) -> bool:
        return True


# Aurora instances are modelled by moto, but as stand-alone instances: with no Aurora
# cluster in moto (a generic resource here) they fail on the engine; they are generic too.
ALSO_GENERIC = {"AWS::RDS::DBInstance"}


def _generic_resources() -> None:
    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str):  # type: ignore[no-untyped-def]
        if resource_type == "AWS::S3::BucketPolicy":
            return BucketPolicyResource
        if resource_type in ALSO_GENERIC:
            return GenericResource
        if resource_type.startswith("Custom::") or resource_type in parsing.get_model_map() or resource_type in parsing.NULL_MODELS:
            return original(resource_type)
        return GenericResource

    parsing.resource_class_from_type = resource_class_from_type


# Gap 4. Fn::GetAtt of a nested stack's Outputs.X raises; nested stacks pass values to
# each other through them.
def _nested_stack_outputs() -> None:
    def get_cfn_attribute(self, attribute_name: str) -> Any:  # type: ignore[no-untyped-def]
        if attribute_name.startswith("Outputs."):
            output = self.output_map.get(attribute_name[len("Outputs.") :])
            if output is None:
                raise KeyError(f"{self.name} has no output {attribute_name}")
            return output.value
        raise NotImplementedError(attribute_name)

    cfn_models.Stack.get_cfn_attribute = get_cfn_attribute


# Gap 4 (continued). Load balancer and target group attributes the templates read.
def _elbv2_attributes() -> None:
    from moto.elbv2.models import FakeLoadBalancer, FakeTargetGroup

    lb_original = FakeLoadBalancer.get_cfn_attribute

    def lb_attribute(self, attribute_name: str) -> Any:  # type: ignore[no-untyped-def]
        if attribute_name == "LoadBalancerFullName":
            return "/".join(self.arn.split(":")[-1].split("/")[1:])
        if attribute_name == "CanonicalHostedZoneID":
            return "Z35SXDOTRQ7X7K"  # Application Load Balancers in us-east-1
        return lb_original(self, attribute_name)

    FakeLoadBalancer.get_cfn_attribute = lb_attribute
    FakeLoadBalancer.has_cfn_attr = classmethod(lambda cls, attr: True)  # type: ignore[assignment]

    tg_original = getattr(FakeTargetGroup, "get_cfn_attribute", None)

    def tg_attribute(self, attribute_name: str) -> Any:  # type: ignore[no-untyped-def]
        if attribute_name == "TargetGroupFullName":
            return self.arn.split(":")[-1]
        if tg_original is not None:
            return tg_original(self, attribute_name)
        raise NotImplementedError(attribute_name)

    FakeTargetGroup.get_cfn_attribute = tg_attribute
    FakeTargetGroup.has_cfn_attr = classmethod(lambda cls, attr: True)  # type: ignore[assignment]


# Gap 3 (continued). Certificates are generic resources here, so the load balancer's
# check that its listener certificate exists in ACM is answered for them.
def _listener_certificates() -> None:
    from moto.elb.exceptions import CertificateNotFoundException
    from moto.elbv2 import models as elbv2_models
    from moto.elbv2.models import ELBv2Backend

    original = ELBv2Backend._certificate_exists
    register = elbv2_models.register_certificate

    def register_certificate(account_id: str, region: str, arn_certificate: str, arn_user: str) -> None:
        try:
            register(account_id, region, arn_certificate, arn_user)
        except CertificateNotFoundException:
            if not arn_certificate.startswith("arn:aws:acm:"):
                raise

    elbv2_models.register_certificate = register_certificate

    def exists(self, certificate_arn: str) -> bool:  # type: ignore[no-untyped-def]
        return certificate_arn.startswith("arn:aws:acm:") or original(self, certificate_arn=certificate_arn)

    ELBv2Backend._certificate_exists = exists


# Gap 9. Ref of an RDS DB parameter group yields moto's object instead of its name
# (the model has no physical id), and creating the DB instance that names it fails.
def _rds_parameter_group_ref() -> None:
    from moto.rds.models import DBClusterParameterGroup, DBParameterGroup

    for model in (DBParameterGroup, DBClusterParameterGroup):
        if "physical_resource_id" not in model.__dict__:
            model.physical_resource_id = property(lambda self: self.name)  # type: ignore[attr-defined]


# Gap 10. moto's S3 bucket model applies BucketEncryption and Tags from the template and
# ignores VersioningConfiguration; the bootstrap bucket's versioning is applied here so the
# run can check it. (Lifecycle, public access block and ownership stay unchecked.)
def _bucket_versioning() -> None:
    from moto.s3.models import FakeBucket, s3_backends

    original = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        bucket = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        status = cloudformation_json.get("Properties", {}).get("VersioningConfiguration", {}).get("Status")
        if status:
            s3_backends[account_id][get_partition(region_name)].put_bucket_versioning(bucket.name, status)
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]


# Gap 11. moto does not model AWS::S3::BucketPolicy: it is applied to the bucket here,
# so the run can read it back (moto does not enforce it on requests).
class BucketPolicyResource(GenericResource):
    __module__ = "moto.cloudformation.tenantc_generic"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        from moto.s3.models import s3_backends

        props = cloudformation_json["Properties"]
        s3_backends[account_id][get_partition(region_name)].put_bucket_policy(props["Bucket"], json.dumps(props["PolicyDocument"]).encode())
        return BucketPolicyResource("AWS::S3::BucketPolicy", resource_name, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


# Gap 12. moto hands bucket policies no request context (aws:SecureTransport and the
# rest), and evaluates a condition on a missing key as holding, so the assets bucket's
# "deny unless TLS" would refuse every request. In AWS a condition on a key the request
# does not carry does not hold (except ...IfExists and Null), and a statement whose
# condition does not hold does not apply: so here, statements without a condition are
# enforced (denying template deletion is) and conditional ones are not evaluated.
def _conditions_on_missing_keys_do_not_hold() -> None:
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):  # type: ignore[no-untyped-def]
        condition = self._statement.get("Condition") or {}
        known = incoming_condition_values or {}
        for operator, clauses in condition.items():
            # Null on a key moto does not hand over (s3:if-none-match: moto passes no
            # request headers as condition keys) cannot be told from the key's absence,
            # so the bucket policy's "deny template writes without If-None-Match" is not
            # evaluated here either (gap 12b); If-None-Match itself moto does honour.
            if operator == "Null":
                if any(key not in known for key in clauses):
                    return PermissionResult.NEUTRAL
                continue
            if operator.endswith("IfExists"):
                continue
            if any(key not in known for key in clauses):
                return PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted


# Gap 5. moto updates a nested stack by deleting it and creating a new one; CloudFormation
# updates it in place (same stack id, only what changed).
def _nested_stack_update_in_place() -> None:
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        body = get_stack_from_s3_url(props["TemplateURL"], account_id=account_id, partition=get_partition(region_name))
        if original_resource.has_template(body) and original_resource.has_parameters(props.get("Parameters", {})):
            return original_resource
        original_resource.update(body, parameters=props.get("Parameters", {}))
        return original_resource

    cfn_models.Stack.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[assignment]


# Gap 6. A Lambda-backed custom resource needs Docker to run the function, and then never
# answers. Custom::TenantRegistration succeeds at once with no data; the provisioning
# Lambda itself is tested in test/provisioner.test.ts.
def _custom_resources_succeed() -> None:
    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        resource = CustomModel(region_name, "tenantc-moto", kwargs["LogicalId"], resource_name)
        resource.set_data({})
        return resource

    CustomModel.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]
    CustomModel.update_from_cloudformation_json = classmethod(lambda cls, original_resource, *a, **k: original_resource)  # type: ignore[assignment]
    CustomModel.delete_from_cloudformation_json = classmethod(lambda cls, *a, **k: None)  # type: ignore[assignment]


# Gap 7. Change sets: moto lists the root stack's changes only, without Replacement,
# PolicyAction or nested change sets (IncludeNestedStacks). Here a change of a nested
# stack carries the id of that stack's own change set, listing its changes, and a
# modified resource's Replacement comes from the CloudFormation registry schema that
# cfn-lint ships (a createOnly property changed: True; otherwise False; the registry has
# no "Conditional").
@functools.cache
def _registry_types() -> tuple[Any, dict[str, str]]:
    """cfn-lint's registry data for us-east-1, read without importing cfn-lint: its import
    (its rules, its config) cost the server about 2 s of CPU, for a table it reads from
    two files. data/schemas/providers/us_east_1.py maps each resource type to the name of
    its schema file under data/schemas/resources/, which is what cfn-lint's schema
    manager loads for an AWS type (it adds only registry schemas a user passes it)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("cfnlint")  # locates the package; runs none of it
    data = Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"  # type: ignore[union-attr]
    table = data / "providers" / "us_east_1.py"
    namespace: dict[str, Any] = {}
    exec(compile(table.read_text(), str(table), "exec"), namespace)  # noqa: S102 (cfn-lint's own data module)
    return data / "resources", namespace["types"]


@functools.cache
def _create_only(resource_type: str) -> frozenset[str]:
    try:
        resources, types = _registry_types()
        schema = json.loads((resources / f"{types[resource_type]}.json").read_text())
        return frozenset(p.split("/")[-1] for p in schema.get("createOnlyProperties", []))
    except Exception:
        return frozenset()


class NestedChangeSet:
    """A nested stack's change set, as DescribeChangeSet serializes it."""

    def __init__(self, stack: Any, stack_id: str, stack_name: str, parent: Any, region: str) -> None:
        digest = hashlib.sha1(f"{parent.change_set_id}/{stack_id}".encode()).hexdigest()[:12]
        self.stack = stack
        self.change_set_id = f"arn:aws:cloudformation:{region}:{ACCOUNT}:changeSet/nested-{digest}/{digest}"
        self.change_set_name = f"nested-{digest}"
        self.stack_id = stack_id
        self.stack_name = stack_name
        self.changes: list[Any] = []
        self.status = "CREATE_COMPLETE"
        self.execution_status = "AVAILABLE"
        self.status_reason = None
        self.creation_time = parent.creation_time
        self.description = None
        self.parameters: dict[str, str] = {}
        self.parent_change_set_id = parent.change_set_id
        self.template = ""


def _template_url(value: Any, bucket: str, region: str) -> str:
    """A nested TemplateURL as CloudFormation resolves it (tenantc writes it as Fn::Sub, its key a Sub variable)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, variables = (sub[0], sub[1]) if isinstance(sub, list) else (sub, {})
        known = {"AssetsBucketName": bucket, "AWS::Region": region, "AWS::URLSuffix": "amazonaws.com", **variables}
        for name, resolved in known.items():
            text = text.replace("${" + name + "}", str(resolved))
        return text
    return str(value)


def _changes(change_set: Any, old_resources: dict[str, Any], new_resources: dict[str, Any], nested_of: dict[str, Any], region: str, bucket: str) -> list[Any]:
    backend = cfn_models.cloudformation_backends[ACCOUNT][region]
    changes = []
    for name in sorted(set(old_resources) | set(new_resources)):
        old = old_resources.get(name)
        new = new_resources.get(name)
        if old == new:
            continue
        action = "Add" if old is None else "Remove" if new is None else "Modify"
        resource_type = (new or old)["Type"]
        change = cfn_models.Change(action=action, logical_resource_id=name, resource_type=resource_type)
        change.scope = ["Properties"] if action == "Modify" else []
        if action == "Modify":
            before = old.get("Properties", {})
            after = new.get("Properties", {})
            changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
            change.replacement = "True" if changed & _create_only(resource_type) else "False"
        if action == "Remove":
            change.policy_action = {"Retain": "Retain", "Snapshot": "Snapshot"}.get(old.get("DeletionPolicy", ""), "Delete")
        if resource_type == "AWS::CloudFormation::Stack" and action != "Remove":
            nested_stack = nested_of.get(name)
            body = get_stack_from_s3_url(_template_url(new["Properties"]["TemplateURL"], bucket, region), account_id=ACCOUNT, partition=get_partition(region))
            new_template = cfn_models.Stack.parse_template(body)
            old_nested = nested_stack.resource_map._resource_json_map if nested_stack else {}
            grandchildren = {k: v for k, v in nested_stack.resource_map._parsed_resources.items() if isinstance(v, cfn_models.Stack)} if nested_stack else {}
            stack_id = nested_stack.stack_id if nested_stack else f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/pending-{name}/pending"
            nested = NestedChangeSet(nested_stack or change_set.stack, stack_id, nested_stack.name if nested_stack else name, change_set, region)
            nested.template = body
            nested.changes = _changes(nested, old_nested, new_template.get("Resources", {}), grandchildren, region, bucket)
            backend.change_sets[nested.change_set_id] = nested
            change.change_set_id = nested.change_set_id
            if nested_stack:
                change.physical_resource_id = nested_stack.stack_id
        changes.append(change)
    return changes


def _nested_change_sets() -> None:
    def diff(self):  # type: ignore[no-untyped-def]
        # What the stack holds now is moto's resource map (its template_dict is not
        # refreshed when a change set executes).
        old = getattr(self.stack.resource_map, "_resource_json_map", None) or {}
        nested_of = {k: v for k, v in self.stack.resource_map._parsed_resources.items() if isinstance(v, cfn_models.Stack)}
        return _changes(self, old, self.template_dict.get("Resources", {}), nested_of, self.stack.region_name, self.parameters.get("AssetsBucketName", ""))

    cfn_models.ChangeSet.diff = diff


# Gap 13. GetTemplate ignores ChangeSetName: moto returns the stack's template, where
# CloudFormation returns the template the change set holds (what executing it runs).
def _get_template_of_change_set() -> None:
    original = cfn_responses.CloudFormationResponse.get_template

    def get_template(self):  # type: ignore[no-untyped-def]
        name = self._get_param("ChangeSetName")
        if not name:
            return original(self)
        backend = self.cloudformation_backend
        change_set = backend.change_sets.get(name)
        if change_set is None:
            stack = self._get_param("StackName")
            change_set = next(
                (c for c in backend.change_sets.values() if c.change_set_name == name and stack in (c.stack_name, c.stack_id)),
                None,
            )
        if change_set is None:
            from moto.cloudformation.exceptions import ValidationError

            raise ValidationError(name, message=f"ChangeSet [{name}] does not exist")
        return ActionResult({"TemplateBody": change_set.template})

    cfn_responses.CloudFormationResponse.get_template = get_template  # type: ignore[method-assign]


# Gap 8. UpdateTerminationProtection is not implemented by moto.
def _termination_protection() -> None:
    def update_termination_protection(self):  # type: ignore[no-untyped-def]
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
        return ActionResult({"StackId": stack.stack_id})

    cfn_responses.CloudFormationResponse.update_termination_protection = update_termination_protection


# What moto cannot resolve it logs and leaves unresolved (an attribute it does not know,
# a resource type it skips): every such warning is printed with a marker, and the test
# fails on any, so no gap can pass silently.
GAP_MARKER = "TENANTC-MOTO-GAP:"


def _unresolved_is_loud() -> None:
    import logging
    import sys

    class Loud(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            print(f"{GAP_MARKER} {record.getMessage()}", file=sys.stderr, flush=True)

    logging.getLogger("moto.cloudformation.parsing").addHandler(Loud(level=logging.WARNING))


def _json_templates_parse_as_json() -> None:
    """Not a gap: speed. moto reads every template body with PyYAML's pure-Python Loader
    (JSON is YAML), several times per change set (CreateChangeSet parses the root, each
    nested template and the stack's own template to compare): about three quarters of the
    server's CPU in the moto run went there. tenantc writes JSON templates, and for a JSON
    document json.loads yields the same dict as YAML's Loader (double-quoted strings stay
    strings, integers stay ints; JSON.stringify writes no exponent for the integers a
    template holds), so a body that parses as JSON is read as JSON, and anything else
    (a YAML template) goes to moto's YAML path unchanged."""
    import yaml

    class JsonFirst:
        def __getattr__(self, name: str) -> Any:
            return getattr(yaml, name)

        @staticmethod
        def load(stream: Any, Loader: Any = None) -> Any:  # noqa: N803 (yaml.load's own name)
            if isinstance(stream, (str, bytes)) and stream.lstrip()[:1] in ("{", b"{"):
                try:
                    return json.loads(stream)
                except ValueError:
                    pass
            return yaml.load(stream, Loader=Loader)

    cfn_models.yaml = JsonFirst()  # type: ignore[attr-defined]
    cfn_responses.yaml = JsonFirst()  # type: ignore[attr-defined]


def _timestamps_parse_as_iso() -> None:
    """Not a gap: speed. moto's serializer reads back each timestamp it writes (every
    resource of a DescribeStackResources, every stack, change set and event) with
    botocore's parse_to_aware_datetime, which sends a string through dateutil's general
    parser: about a third of the server's CPU for the run's walks of the deployed stacks.
    A string in the strict ISO 8601 form moto keeps is read by datetime.fromisoformat
    instead, to the same aware UTC datetime (at most six fraction digits: nothing to
    truncate); anything else (a datetime, an epoch, another form) takes botocore's path."""
    import re
    from datetime import datetime

    from dateutil.tz import tzutc
    from moto.core import serialize

    original = serialize.parse_to_aware_datetime
    iso = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?")

    def parse_to_aware_datetime(value: Any) -> datetime:
        if isinstance(value, str) and iso.fullmatch(value):
            parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
            return parsed.replace(tzinfo=tzutc()) if parsed.tzinfo is None else parsed.astimezone(tzutc())
        return original(value)

    serialize.parse_to_aware_datetime = parse_to_aware_datetime


def _slow_events_while_flagged() -> None:
    """Not a gap: a test's lever. moto executes a change set at once, so nothing is ever
    "still running" for a deploy to be interrupted in. While the file named by
    TENANTC_MOTO_SLOW_EVENTS exists, DescribeStackEvents answers after a second, which
    holds deploy in its watch long enough for a real SIGINT to arrive there."""
    import os
    import time

    flag = os.environ.get("TENANTC_MOTO_SLOW_EVENTS")
    if not flag:
        return
    original = cfn_responses.CloudFormationResponse.describe_stack_events

    def describe_stack_events(self):  # type: ignore[no-untyped-def]
        if os.path.exists(flag):
            time.sleep(1.0)
        return original(self)

    cfn_responses.CloudFormationResponse.describe_stack_events = describe_stack_events  # type: ignore[method-assign]


def _backend_modules_listed_once() -> None:
    """Not a gap: speed. moto_server asks, for every request, whether the host names one
    of moto's backends by listing moto's package directory (an os.listdir and an isdir per
    entry, some 200 entries): about a seventh of the server's CPU in the moto run. The
    directory does not change while the server runs, so it is listed once."""
    from moto import backends

    listed = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: listed  # type: ignore[assignment]


def _no_request_log() -> None:
    """Not a gap: speed. werkzeug logs a line per request through colorama's stream
    wrapper, which nobody reads (the tests look in the server's output for gaps and
    tracebacks only): about a seventh of the server's CPU in the moto run. Errors are still
    logged (log_error, and the traceback of a request that raised)."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.log_request = lambda self, code="-", size="-": None  # type: ignore[method-assign]


def _kms_private_keys_when_used() -> None:
    """Not a gap: speed. moto makes an RSA 2048 private key for every KMS key it creates,
    symmetric ones included (a prime search, tens of milliseconds of CPU each), for
    Sign and Verify, which the run never calls. The key is made the first time it is used,
    of the same spec."""
    from moto.kms import models as kms_models

    original = kms_models.generate_private_key

    class WhenUsed:
        def __init__(self, key_spec: str) -> None:
            self._spec = key_spec
            self._key: Any = None

        def __getattr__(self, name: str) -> Any:
            if self._key is None:
                self._key = original(self._spec)
            return getattr(self._key, name)

    kms_models.generate_private_key = WhenUsed  # type: ignore[assignment]


def apply() -> None:
    _json_templates_parse_as_json()
    _timestamps_parse_as_iso()
    _backend_modules_listed_once()
    _no_request_log()
    _kms_private_keys_when_used()
    _slow_events_while_flagged()
    _unresolved_is_loud()
    _kms_key_tags()
    _ssm_parameter_tags()
    _generic_resources()
    _nested_stack_outputs()
    _elbv2_attributes()
    _listener_certificates()
    _nested_stack_update_in_place()
    _custom_resources_succeed()
    _rds_parameter_group_ref()
    _bucket_versioning()
    _conditions_on_missing_keys_do_not_hold()
    _nested_change_sets()
    _termination_protection()
    _get_template_of_change_set()
