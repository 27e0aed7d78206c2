// The AWS quotas placement respects: one table, each entry with its AWS default and
// where it is documented. The platform manifest may declare raised values (quotas:);
// hard limits cannot be raised and are not declarable.
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
