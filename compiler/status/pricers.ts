// What each priced resource type costs a month, read from the emitted resource itself:
// its instance type, node count, volume size, retention, feature plan. The estimate
// prices what compile emits, so it cannot drift from it; only what no template says
// (seats, traffic) comes from the plan and the table's assumptions.
//
// One pricer per type the price table marks "priced"; checkPriceTable refuses a table
// that marks a type priced that has no pricer here, and test/prices.test.ts fails on a
// pricer whose type the shipped table does not mark priced.
import type { EstatePlan, TenantPlan } from '../plan/model.ts';
import type { AssumptionKey } from './prices.ts';

/** A resource as emitted: its type and properties, read as plain data. */
export interface EmittedResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

export interface PricerContext {
  /** The resources of the template the resource is in (to follow a Ref to its launch template). */
  readonly resources: Readonly<Record<string, EmittedResource>>;
  /** The tenant whose stack it is; null for the root and the shards. */
  readonly tenant: TenantPlan | null;
  readonly plan: EstatePlan;
  readonly hoursPerMonth: number;
  readonly assume: (key: AssumptionKey) => number;
}

/** A quantity of one price a month, or what could not be priced and why. */
export type Priced = { readonly price: string; readonly quantity: number } | { readonly leftOut: string };

export type Pricer = (r: EmittedResource, ctx: PricerContext) => readonly Priced[];

const props = (r: EmittedResource) => r.Properties ?? {};
const literalNumber = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : null);
const refOf = (v: unknown): string | null =>
  v !== null && typeof v === 'object' && typeof (v as { Ref?: unknown }).Ref === 'string' ? (v as { Ref: string }).Ref : null;

/** The days a log group keeps its events, as a fraction of months (CloudWatch's retention). */
const DAYS_PER_MONTH = 365.25 / 12;

export const PRICERS: Readonly<Record<string, Pricer>> = {
  'AWS::AutoScaling::AutoScalingGroup': (r, ctx) => {
    // Its MinSize: what the seats need (plan/capacity.ts); target tracking may run more.
    const count = literalNumber(props(r).MinSize);
    const lt = refOf((props(r).LaunchTemplate as { LaunchTemplateId?: unknown } | undefined)?.LaunchTemplateId);
    const data = lt ? (props(ctx.resources[lt] ?? { Type: '' }).LaunchTemplateData as Record<string, unknown> | undefined) : undefined;
    const type = data?.InstanceType;
    if (count === null || typeof type !== 'string') return [{ leftOut: 'an Auto Scaling group whose size or instance type is not literal' }];
    const volumes = (Array.isArray(data?.BlockDeviceMappings) ? data.BlockDeviceMappings : []) as { Ebs?: { VolumeSize?: unknown; VolumeType?: unknown } }[];
    return [
      { price: `ec2.instance.${type}`, quantity: count * ctx.hoursPerMonth },
      ...volumes.flatMap((v) => {
        const size = literalNumber(v.Ebs?.VolumeSize);
        return size === null ? [] : [{ price: `ebs.${String(v.Ebs?.VolumeType ?? 'gp2')}`, quantity: count * size }];
      }),
    ];
  },
  'AWS::EC2::NatGateway': (_r, ctx) => [
    { price: 'vpc.natGateway', quantity: ctx.hoursPerMonth },
    { price: 'vpc.natGateway.data', quantity: ctx.assume('nat.gbPerGatewayMonth') },
  ],
  'AWS::EC2::EIP': (_r, ctx) => [{ price: 'vpc.publicIpv4', quantity: ctx.hoursPerMonth }],
  'AWS::EC2::VPCEndpoint': (r, ctx) => {
    // Gateway endpoints (S3, DynamoDB) are free; an interface endpoint is billed in each AZ it is in.
    if (props(r).VpcEndpointType !== 'Interface') return [];
    const subnets = props(r).SubnetIds;
    const azs = Array.isArray(subnets) ? subnets.length : ctx.plan.network.zones.length;
    return [
      { price: 'vpc.interfaceEndpoint', quantity: azs * ctx.hoursPerMonth },
      { price: 'vpc.interfaceEndpoint.data', quantity: ctx.assume('interfaceEndpoint.gbPerEndpointMonth') },
    ];
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (r, ctx) => {
    // An internet-facing ALB has a public IPv4 address in each AZ of its subnets: the
    // estate's public subnets, one per zone (its Subnets arrive as a stack parameter).
    const subnets = props(r).Subnets;
    const azs = Array.isArray(subnets) ? subnets.length : ctx.plan.network.zones.length;
    return [
      { price: 'elb.alb', quantity: ctx.hoursPerMonth },
      ...(props(r).Scheme === 'internal' ? [] : [{ price: 'vpc.publicIpv4', quantity: azs * ctx.hoursPerMonth }]),
    ];
  },
  'AWS::RDS::DBInstance': (r, ctx) => {
    const { Engine: engine, DBInstanceClass: cls } = props(r);
    if (typeof engine !== 'string' || typeof cls !== 'string') return [{ leftOut: 'a database instance whose engine or class is not literal' }];
    return [{ price: `rds.${engine}.${cls}`, quantity: ctx.hoursPerMonth }];
  },
  // RDS keeps the managed master password in a Secrets Manager secret of its own.
  'AWS::RDS::DBCluster': (r) => (props(r).ManageMasterUserPassword === true ? [{ price: 'secretsmanager.secret', quantity: 1 }] : []),
  'AWS::ElastiCache::ReplicationGroup': (r, ctx) => {
    const p = props(r);
    const nodes = literalNumber(p.NumCacheClusters) ?? (literalNumber(p.NumNodeGroups) ?? 1) * ((literalNumber(p.ReplicasPerNodeGroup) ?? 0) + 1);
    if (typeof p.Engine !== 'string' || typeof p.CacheNodeType !== 'string') return [{ leftOut: 'a cache whose engine or node type is not literal' }];
    return [{ price: `elasticache.${p.Engine}.${p.CacheNodeType}`, quantity: nodes * ctx.hoursPerMonth }];
  },
  'AWS::KMS::Key': () => [{ price: 'kms.key', quantity: 1 }],
  'AWS::SecretsManager::Secret': () => [{ price: 'secretsmanager.secret', quantity: 1 }],
  'AWS::CloudWatch::Alarm': () => [{ price: 'cloudwatch.alarm', quantity: 1 }],
  // Each metric a filter publishes is a custom metric; a filter whose dimension is the
  // tenant's id publishes one series, since its pattern binds that id (rule E502).
  'AWS::Logs::MetricFilter': (r) => {
    const metrics = props(r).MetricTransformations;
    return [{ price: 'cloudwatch.metric', quantity: Array.isArray(metrics) ? metrics.length : 1 }];
  },
  'AWS::Logs::LogGroup': (r, ctx) => {
    const t = ctx.tenant;
    if (!t) return [{ leftOut: "the platform's log groups (flow logs, access logs, the fleets' and the Lambda's): their volume is traffic" }];
    // Logs come from serving the tenant: none while it is not routed to.
    const ingest = t.serving.routing === 'forward' ? t.users * ctx.assume('logs.ingestGbPerSeatMonth') : 0;
    const retention = literalNumber(props(r).RetentionInDays);
    const months = retention === null ? 12 : retention / DAYS_PER_MONTH;
    return [
      { price: 'logs.ingest', quantity: ingest },
      { price: 'logs.storage', quantity: ingest * months * ctx.assume('logs.storedFractionOfIngest') },
    ];
  },
  'AWS::Route53::HostedZone': () => [{ price: 'route53.hostedZone', quantity: 1 }],
  'AWS::WAFv2::WebACL': (r) => {
    const rules = props(r).Rules;
    return [
      { price: 'waf.webAcl', quantity: 1 },
      { price: 'waf.rule', quantity: Array.isArray(rules) ? rules.length : 0 },
    ];
  },
  'AWS::Cognito::UserPool': (r, ctx) => {
    const t = ctx.tenant;
    if (!t) return [{ leftOut: 'a user pool outside any tenant' }];
    // The feature plan is the pool's (UserPoolTier; Essentials when absent). Only users
    // who can sign in are active: none while the tenant is suspended or offboarded.
    const plan = String(props(r).UserPoolTier ?? 'ESSENTIALS').toLowerCase();
    return [{ price: `cognito.mau.${plan}`, quantity: t.serving.signIn ? t.users * ctx.assume('cognito.mauPerSeat') : 0 }];
  },
  'AWS::CloudFront::DistributionTenant': () => [{ price: 'cloudfront.distributionTenant', quantity: 1 }],
};

export const PRICED_TYPES: ReadonlySet<string> = new Set(Object.keys(PRICERS));

/** Types whose pricer reads the tenant (its seats, what it serves): priced tenant by tenant; the rest once per shape. */
export const TENANT_DEPENDENT: ReadonlySet<string> = new Set(['AWS::Logs::LogGroup', 'AWS::Cognito::UserPool']);
