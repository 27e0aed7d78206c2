// The AWS quotas placement respects: one table, each entry with its AWS default and
// where it is documented. The platform manifest may declare raised values (quotas:);
// hard limits cannot be raised and are not declarable.
import type { DnsMode } from '../manifest.ts';
import type { QuotaPlan } from './model.ts';

export interface QuotaInfo {
  readonly key: keyof QuotaPlan;
  readonly title: string;
  readonly awsDefault: number;
  readonly adjustable: boolean;
  readonly source: string;
}

export const QUOTAS: readonly QuotaInfo[] = [
  {
    key: 'albRulesPerLoadBalancer',
    title: 'Rules per Application Load Balancer (excluding default rules)',
    awsDefault: 100,
    adjustable: true,
    source: 'Elastic Load Balancing User Guide, Quotas for your Application Load Balancers',
  },
  {
    key: 'albCertificatesPerLoadBalancer',
    title: 'Certificates per Application Load Balancer (excluding default certificates)',
    awsDefault: 25,
    adjustable: true,
    source: 'Elastic Load Balancing User Guide, Quotas for your Application Load Balancers',
  },
  {
    key: 'albTargetGroupsPerLoadBalancer',
    title: 'Target groups per Application Load Balancer',
    awsDefault: 100,
    adjustable: false,
    source: 'Elastic Load Balancing User Guide, Quotas for your Application Load Balancers',
  },
  {
    key: 'loadBalancersPerRegion',
    title: 'Application Load Balancers per Region',
    awsDefault: 50,
    adjustable: true,
    source: 'Elastic Load Balancing User Guide, Quotas for your Application Load Balancers',
  },
  {
    key: 'cacheUsersPerUserGroup',
    title: 'Users per ElastiCache user group (including default)',
    awsDefault: 100,
    adjustable: false,
    source: 'Amazon ElastiCache User Guide, Quotas for ElastiCache',
  },
  { key: 'hostedZones', title: 'Route 53 hosted zones per account', awsDefault: 500, adjustable: true, source: 'Amazon Route 53 Developer Guide, Quotas' },
  {
    key: 'cognitoUserPools',
    title: 'Cognito user pools per account and Region',
    awsDefault: 1000,
    adjustable: true,
    source: 'Amazon Cognito Developer Guide, Quotas',
  },
  {
    key: 'cloudFrontDistributionTenants',
    title: 'Distribution tenants per multi-tenant distribution',
    awsDefault: 10000,
    adjustable: true,
    source: 'Amazon CloudFront Developer Guide, Quotas on multi-tenant distributions',
  },
  {
    key: 'acmCertificates',
    title: 'ACM certificates per account and Region',
    awsDefault: 2500,
    adjustable: true,
    source: 'AWS Certificate Manager User Guide, Quotas',
  },
  {
    key: 'cloudFormationStacks',
    title: 'CloudFormation stacks per account and Region',
    awsDefault: 2000,
    adjustable: true,
    source: 'AWS CloudFormation User Guide, Quotas',
  },
];

export const DEFAULT_QUOTAS: QuotaPlan = Object.fromEntries(QUOTAS.map((q) => [q.key, q.awsDefault])) as unknown as QuotaPlan;

/** Host-header values per listener rule: a hard ELB limit ("Condition values per rule"). */
export const HOST_VALUES_PER_RULE = 5;

/**
 * Listener slots per ALB shard: rule priorities run from 1 to 50,000 per listener (ELB
 * quota, "Priority" of a listener rule), two per slot (rulePriority). Far more slots
 * than the 100 rules a shard holds, so a freed slot need not be given again soon.
 */
export const LISTENER_SLOTS_PER_SHARD = 25_000;

/**
 * Tenant stacks per group stack. A group's nested operation must stay under 2,500
 * resources (CloudFormation quota on resources touched by one nested-stack operation);
 * a tenant stack has at most ~55 resources, so 40 tenants stay near 2,200.
 */
export const TENANTS_PER_GROUP = 40;

export function quotaInfo(key: keyof QuotaPlan): QuotaInfo {
  return QUOTAS.find((q) => q.key === key)!;
}

/** Quotas the estate consumes as a whole (one count per account and Region); the rest are per ALB shard or cache cluster. */
export type EstateQuotaKey =
  | 'loadBalancersPerRegion'
  | 'hostedZones'
  | 'cognitoUserPools'
  | 'cloudFrontDistributionTenants'
  | 'acmCertificates'
  | 'cloudFormationStacks';

/** What a tenant brings to the estate-wide quotas: its DNS mode decides its hosted zone and domain-stage certificate. */
export interface QuotaConsumer {
  readonly dnsMode: DnsMode;
}

/** The tenants as the estate-wide quotas count them. */
export interface QuotaCounts {
  readonly tenants: number;
  /** Tenants whose zone we host (dns.mode delegated). */
  readonly delegatedZones: number;
  /** Tenants with their own DNS (delegated or external): each has a domain stage with its own certificate. */
  readonly ownDns: number;
}

export function quotaCountsOf(tenants: readonly QuotaConsumer[]): QuotaCounts {
  return {
    tenants: tenants.length,
    delegatedZones: tenants.filter((t) => t.dnsMode === 'delegated').length,
    ownDns: tenants.filter((t) => t.dnsMode !== 'platform').length,
  };
}

export interface EstateQuotaUse {
  readonly key: EstateQuotaKey;
  readonly count: number;
  /** What is counted, as a quota message names it. */
  readonly what: string;
}

/** The stacks besides the tenants' own: shards and groups (the root is counted here). */
export interface StackCounts {
  readonly albShards: number;
  readonly cacheClusters: number;
  readonly groups: number;
}

/**
 * The estate's use of each estate-wide quota: the one count compile checks
 * (plan/planEstate.ts) and `tenantc status` reports (plan/headroom.ts), so they never
 * disagree.
 */
export function estateQuotaUse(tenants: QuotaCounts, stacks: StackCounts): readonly EstateQuotaUse[] {
  return [
    { key: 'loadBalancersPerRegion', count: stacks.albShards, what: 'Application Load Balancers' },
    { key: 'hostedZones', count: 1 + tenants.delegatedZones, what: 'hosted zones (the platform zone and one per delegated tenant zone)' },
    { key: 'cognitoUserPools', count: tenants.tenants, what: 'Cognito user pools (one per tenant)' },
    { key: 'cloudFrontDistributionTenants', count: tenants.tenants, what: 'CloudFront distribution tenants (one per tenant)' },
    {
      key: 'acmCertificates',
      count: 1 + tenants.tenants + tenants.ownDns,
      what: 'ACM certificates (the wildcard, one per tenant, and one in the domain stage of each tenant with its own DNS)',
    },
    {
      key: 'cloudFormationStacks',
      count: 1 + stacks.albShards + stacks.cacheClusters + stacks.groups + tenants.tenants,
      what: 'CloudFormation stacks (root, shards, groups and one per tenant)',
    },
  ];
}
