// Values reach nested stacks as parameters, resolved from the root's own resources,
// so a change set can resolve them (no cross-stack exports to pin versions). The root
// passes SHARED_PARAMETERS to every group stack, which forwards them unchanged to its
// tenant stacks, with the tenant's own ALB shard's values under SHARD_PARAMETERS names.
import { type CfnParameter, type Intrinsic, ref } from './template.ts';

export interface ParameterSpec {
  readonly type: string;
  readonly description: string;
  /** List parameters are passed to nested stacks as comma-joined strings. */
  readonly list?: boolean;
}

export const SHARED_PARAMETERS = {
  AssetsBucketName: { type: 'String', description: 'Bucket holding the compiled templates (TemplateURL)' },
  VpcId: { type: 'AWS::EC2::VPC::Id', description: 'VPC of the estate' },
  AppSubnetIds: { type: 'List<AWS::EC2::Subnet::Id>', description: 'App subnets, one per AZ', list: true },
  AppInstanceRoleArn: { type: 'String', description: 'Role of the shared fleet, which assumes tenant roles with a tenant-id session tag' },
  AlbSecurityGroupId: { type: 'AWS::EC2::SecurityGroup::Id', description: 'ALB security group' },
  PremiumFleetSecurityGroupId: { type: 'AWS::EC2::SecurityGroup::Id', description: 'Group every dedicated fleet joins: the ALB reaches it, it reaches Aurora' },
  CacheSubnetGroupName: { type: 'String', description: 'ElastiCache subnet group (data subnets)' },
  DisabledDefaultCacheUserId: { type: 'String', description: 'The disabled `default` ElastiCache user every user group must hold' },
  DataKeyArn: { type: 'String', description: 'KMS key of tenant data' },
  DatabaseKeyArn: { type: 'String', description: 'KMS key of databases and caches' },
  LogsKeyArn: { type: 'String', description: 'KMS key of log groups' },
  PlatformHostedZoneId: { type: 'String', description: 'Platform zone (dns mode platform)' },
  WildcardCertificateArn: { type: 'String', description: 'Wildcard certificate of the apex' },
  UserContentCertificateArn: { type: 'String', description: 'Wildcard certificate of the user-content domain (assets hosts)' },
  DistributionId: { type: 'String', description: 'Multi-tenant CloudFront distribution' },
  ConnectionGroupId: { type: 'String', description: 'CloudFront connection group of the distribution tenants' },
  TenantDataBucketName: { type: 'String', description: 'Tenant data bucket' },
  RegistryTableName: { type: 'String', description: 'DynamoDB tenant registry' },
  ProvisioningFunctionArn: { type: 'String', description: 'Service token of Custom::TenantRegistration' },
  SecretRotationFunctionArn: { type: 'String', description: "Rotation Lambda of tenants' app-credentials secrets" },
  AlarmTopicArn: { type: 'String', description: 'SNS topic of alarms' },
} as const satisfies Record<string, ParameterSpec>;

export const SHARD_PARAMETERS = {
  HttpsListenerArn: { type: 'String', description: "HTTPS listener of the tenant's ALB shard" },
  SharedTargetGroupArn: { type: 'String', description: 'Shared-fleet target group of the shard' },
  LoadBalancerDnsName: { type: 'String', description: "DNS name of the shard's ALB" },
  LoadBalancerHostedZoneId: { type: 'String', description: "Canonical hosted zone of the shard's ALB" },
} as const satisfies Record<string, ParameterSpec>;

export type SharedParameter = keyof typeof SHARED_PARAMETERS;
export type ShardParameter = keyof typeof SHARD_PARAMETERS;
export type TenantStackParameter = SharedParameter | ShardParameter;

const SHARED_NAMES = Object.keys(SHARED_PARAMETERS) as SharedParameter[];
const SHARD_NAMES = Object.keys(SHARD_PARAMETERS) as ShardParameter[];
const isShared = (name: TenantStackParameter): name is SharedParameter => Object.hasOwn(SHARED_PARAMETERS, name);

export function declare(specs: Record<string, ParameterSpec>, names?: readonly string[]): Record<string, CfnParameter> {
  return Object.fromEntries((names ?? Object.keys(specs)).map((n) => [n, { Type: specs[n]!.type, Description: specs[n]!.description }]));
}

export const shardParameterName = (shard: number, name: ShardParameter) => `Shard${shard}${name}`;

/**
 * The parameters of a tenant stack, recorded as its layers refer to them: a layer asks
 * for `params.ref('VpcId')`, and the stack declares exactly what its layers asked for,
 * in a fixed order. The group stack then passes exactly those.
 */
export class StackParameters {
  readonly #used = new Set<TenantStackParameter>();

  ref(name: TenantStackParameter): Intrinsic {
    this.#used.add(name);
    return ref(name);
  }

  get shared(): SharedParameter[] {
    return SHARED_NAMES.filter((n) => this.#used.has(n));
  }

  get shard(): ShardParameter[] {
    return SHARD_NAMES.filter((n) => this.#used.has(n));
  }

  /** The template's Parameters section: shared ones first, then the shard's, each in declaration order. */
  declare(): Record<string, CfnParameter> {
    return { ...declare(SHARED_PARAMETERS, this.shared), ...declare(SHARD_PARAMETERS, this.shard) };
  }

  static isShared = isShared;
}
