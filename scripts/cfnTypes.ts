// Generates compiler/emit/cfn/generated/resources.ts: TypeScript types of the
// CloudFormation resource types tenantc emits, from the CloudFormation registry as
// @aws-cdk/aws-service-spec ships it. cloudform-types is frozen at an old specification
// (it has no AWS::CloudFront::DistributionTenant nor ConnectionGroup), so every type
// comes from the registry, one source for all.
//
// `npm run cfn-types` rewrites the file; test/cfnTypes.test.ts fails when the committed
// file differs from what the installed registry generates, so a registry upgrade shows
// as a reviewed change of types, never as a silent drift.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, Resource, TypeDefinition } from '@aws-cdk/service-spec-types';

/** Every resource type an emitter builds. A type missing here is a compile error where it is emitted. */
export const RESOURCE_TYPES = [
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::AutoScaling::ScalingPolicy',
  'AWS::CertificateManager::Certificate',
  'AWS::CloudFormation::Stack',
  'AWS::CloudFront::CloudFrontOriginAccessIdentity',
  'AWS::CloudFront::ConnectionGroup',
  'AWS::CloudFront::Distribution',
  'AWS::CloudFront::DistributionTenant',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudWatch::Alarm',
  'AWS::Cognito::IdentityPool',
  'AWS::Cognito::IdentityPoolRoleAttachment',
  'AWS::Cognito::UserPool',
  'AWS::Cognito::UserPoolClient',
  'AWS::Cognito::UserPoolDomain',
  'AWS::Cognito::UserPoolIdentityProvider',
  'AWS::DynamoDB::Table',
  'AWS::EC2::EIP',
  'AWS::EC2::FlowLog',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::LaunchTemplate',
  'AWS::EC2::NatGateway',
  'AWS::EC2::Route',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::Subnet',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::VPC',
  'AWS::EC2::VPCEndpoint',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::ElastiCache::User',
  'AWS::ElastiCache::UserGroup',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerCertificate',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::IAM::InstanceProfile',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Role',
  'AWS::KMS::Alias',
  'AWS::KMS::Key',
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Logs::Delivery',
  'AWS::Logs::DeliveryDestination',
  'AWS::Logs::DeliverySource',
  'AWS::Logs::LogGroup',
  'AWS::Logs::MetricFilter',
  'AWS::Logs::QueryDefinition',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBClusterParameterGroup',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBParameterGroup',
  'AWS::RDS::DBSubnetGroup',
  'AWS::Route53::HostedZone',
  'AWS::Route53::RecordSet',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::SSM::Parameter',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::SecretsManager::Secret',
  'AWS::WAFv2::WebACL',
  'AWS::WAFv2::WebACLAssociation',
] as const;

export const GENERATED_FILE = fileURLToPath(new URL('../compiler/emit/cfn/generated/resources.ts', import.meta.url));

/** `AWS::EC2::LaunchTemplate` → `Ec2LaunchTemplate`. */
function stem(cfnType: string): string {
  const [, service, name] = cfnType.split('::');
  return `${service!.charAt(0)}${service!.slice(1).toLowerCase()}${name}`;
}

const ident = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));

export function generateCfnTypes(): string {
  const db = loadAwsServiceSpecSync();
  const version = (createRequire(import.meta.url)('@aws-cdk/aws-service-spec/package.json') as { version: string }).version;
  const out: string[] = [];
  const emitted = new Map<string, string>(); // type definition id → interface name
  const pending: { id: string; def: TypeDefinition; name: string }[] = [];

  const typeName = (owner: string, ref: { $ref: string }): string => {
    const known = emitted.get(ref.$ref);
    if (known) return known;
    const def = db.get('typeDefinition', ref.$ref);
    // Type definitions are named within their resource; `_` keeps them apart from `<stem>Props`.
    const name = `${owner}_${def.name}`;
    emitted.set(ref.$ref, name);
    pending.push({ id: ref.$ref, def, name });
    return name;
  };

  const render = (owner: string, t: PropertyType): string => {
    switch (t.type) {
      case 'string':
        return t.allowedValues?.length ? `V<${t.allowedValues.map((v) => JSON.stringify(v)).join(' | ')}>` : 'V<string>';
      case 'integer':
        return t.allowedValues?.length ? `V<${t.allowedValues.join(' | ')}>` : 'V<number>';
      case 'number':
        return 'V<number>';
      case 'boolean':
        return 'V<boolean>';
      case 'date-time':
        return 'V<string>';
      case 'json':
        return 'V<Json>';
      case 'null':
        return 'null';
      case 'tag':
        return 'V<CfnTag>';
      case 'array':
        return `L<${inner(render(owner, t.element))}>`;
      case 'map':
        return `M<${inner(render(owner, t.element))}>`;
      case 'ref':
        return `V<${typeName(owner, t.reference)}>`;
      case 'union':
        return [...new Set(t.types.map((m) => render(owner, m)))].join(' | ');
    }
  };
  // L<> and M<> wrap their elements in V<> themselves.
  const inner = (rendered: string) => (/^V<[^<>]*>$/.test(rendered) || /^V<[A-Za-z0-9_]+>$/.test(rendered) ? rendered.slice(2, -1) : `(${rendered})`);

  const members = (owner: string, props: Record<string, Property>): string[] =>
    Object.keys(props)
      .sort()
      .filter((p) => props[p]!.deprecated !== 'IGNORE')
      .map((p) => `  readonly ${ident(p)}${props[p]!.required ? '' : '?'}: ${render(owner, props[p]!.type)};`);

  const resources: { cfnType: string; props: string; required: boolean }[] = [];
  const bodies: string[] = [];
  for (const cfnType of RESOURCE_TYPES) {
    const found = db.lookup('resource', 'cloudFormationType', 'equals', cfnType);
    if (found.length !== 1) throw new Error(`${cfnType}: not in the registry`);
    const r: Resource = found[0]!;
    const owner = stem(cfnType);
    const props = `${owner}Props`;
    bodies.push(`/** Properties of ${cfnType}. */\nexport type ${props} = {\n${members(owner, r.properties).join('\n')}\n};\n`);
    resources.push({ cfnType, props, required: Object.values(r.properties).some((p) => p.required) });
    while (pending.length) {
      const { def, name } = pending.shift()!;
      bodies.push(`export type ${name} = {\n${members(owner, def.properties).join('\n')}\n};\n`);
    }
  }

  out.push(
    `// Generated by scripts/cfnTypes.ts from @aws-cdk/aws-service-spec ${version}. Do not edit:`,
    '// run `npm run cfn-types` (test/cfnTypes.test.ts checks this file is current).',
    "import type { Intrinsic, ResourceAttributes } from '../intrinsic.ts';",
    '',
    '/** A value, or an intrinsic function CloudFormation resolves to one. */',
    'type V<T> = T | Intrinsic;',
    'type L<T> = readonly V<T>[] | Intrinsic;',
    'type M<T> = { readonly [key: string]: V<T> } | Intrinsic;',
    'type Json = { readonly [key: string]: unknown } | readonly unknown[];',
    '// Type aliases, not interfaces: a rule that reads any resource sees them as records.',
    'export type CfnTag = { readonly Key: V<string>; readonly Value: V<string> };',
    '',
    ...bodies,
    '/** A resource of a type tenantc emits, its properties checked against the registry. */',
    'export type RegistryResource =',
    ...resources.map(
      ({ cfnType, props, required }) =>
        `  | (ResourceAttributes & { readonly Type: ${JSON.stringify(cfnType)}; readonly Properties${required ? '' : '?'}: ${props} })`,
    ),
    '  ;',
    '',
  );
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(GENERATED_FILE, generateCfnTypes());
  console.log(`wrote ${GENERATED_FILE}`);
}
