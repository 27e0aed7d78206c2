// tenantCredentials(tenantId): AWS credentials that reach the tenant's own resources
// and nothing else.
//
// On the pooled fleet: STS AssumeRole of the tenant's role with the session tag
// tenant-id=<id> (the role's trust policy admits the fleet only with that tag, and every
// statement of the role's policy and of the bucket policy keys on it) and a session
// policy generated now for this tenant's ARNs (sessionPolicy.ts). The fleet's own role
// reaches no tenant data: a request that used it would be denied, never served from
// another tenant's objects. Credentials are kept until shortly before they expire, one
// AssumeRole per tenant at a time.
//
// On a premium tenant's dedicated fleet: the instance's own credentials, which are its
// tenant's role (its instance profile); the pooled fleet is not trusted by that role at
// all. The fleet checks who it is once, and refuses any other tenant.
import type { RuntimeHostMap } from '../compiler/outputFormat.ts';
import { type AwsClientConfig, arnParts, type CredentialsProvider, type TenantCredentials } from './aws.ts';
import { TenantRefusedError } from './refusal.ts';
import { tenantSessionPolicy } from './sessionPolicy.ts';

type StsModule = typeof import('@aws-sdk/client-sts');

export interface CredentialBrokerOptions {
  readonly map: RuntimeHostMap;
  /** `shared`, or the premium tenant's id on its dedicated fleet (hosts.ts). */
  readonly fleet: string;
  /** STS client settings; their `credentials`, if any, are the fleet's own. */
  readonly clientConfig?: AwsClientConfig;
  /** The tenant data bucket's name (the platform's SSM parameter map.dataBucketParameter, read with the fleet's credentials). */
  readonly dataBucket: () => Promise<string>;
  /** Requested session length (default 3600 s, the tenant role's MaxSessionDuration). */
  readonly sessionSeconds?: number;
  /** Credentials are renewed this long before they expire (default 300 s). */
  readonly renewSeconds?: number;
  readonly now?: () => number;
}

export interface CredentialBroker {
  /** The tenant's credentials; throws TenantRefusedError for a tenant this fleet must not act for. */
  tenantCredentials(tenantId: string): Promise<TenantCredentials>;
  /** The same, as a provider the AWS SDK's clients take (`credentials:`), one per tenant. */
  provider(tenantId: string): CredentialsProvider;
}

export function credentialBroker(options: CredentialBrokerOptions): CredentialBroker {
  const now = options.now ?? Date.now;
  const renewMs = (options.renewSeconds ?? 300) * 1000;
  let sts: Promise<{ mod: StsModule; client: InstanceType<StsModule['STSClient']> }> | undefined;
  const stsClient = () => (sts ??= import('@aws-sdk/client-sts').then((mod) => ({ mod, client: new mod.STSClient({ ...options.clientConfig }) })));
  // Who the fleet is: its account and partition (for ARNs), and the role it runs as.
  let caller: Promise<{ arn: string; partition: string; account: string }> | undefined;
  const whoAmI = () =>
    (caller ??= stsClient().then(async ({ mod, client }) => {
      const r = await client.send(new mod.GetCallerIdentityCommand({}));
      if (!r.Arn) throw new Error('STS GetCallerIdentity returned no ARN');
      return { arn: r.Arn, ...arnParts(r.Arn) };
    }));
  const held = new Map<string, Promise<TenantCredentials>>();
  const providers = new Map<string, CredentialsProvider>();

  const refuse = (tenantId: string, message: string): never => {
    throw new TenantRefusedError({ status: 421, reason: 'host-other-fleet', message, tenantId });
  };

  async function assume(tenantId: string): Promise<TenantCredentials> {
    const t = options.map.tenants[tenantId]!;
    const [{ mod, client }, me, bucket] = await Promise.all([stsClient(), whoAmI(), options.dataBucket()]);
    const policy = tenantSessionPolicy({ tenant: t, partition: me.partition, account: me.account, region: options.map.region, bucket });
    const r = await client.send(
      new mod.AssumeRoleCommand({
        RoleArn: `arn:${me.partition}:iam::${me.account}:role/${t.role}`,
        // Shows in CloudTrail which tenant a call was made for.
        RoleSessionName: `tenantc-${tenantId}`,
        DurationSeconds: options.sessionSeconds ?? 3600,
        Tags: [{ Key: options.map.sessionTagKey, Value: tenantId }],
        Policy: JSON.stringify(policy),
      }),
    );
    const c = r.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error(`STS AssumeRole of ${t.role} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: new Date(c.Expiration) };
  }

  async function ownFleet(tenantId: string): Promise<TenantCredentials> {
    const t = options.map.tenants[tenantId]!;
    const me = await whoAmI();
    // A dedicated fleet runs as its tenant's role (its instance profile): anything else
    // is a fleet started with the wrong FLEET, which must not act for this tenant.
    if (!me.arn.includes(`:assumed-role/${t.role}/`)) refuse(tenantId, `this fleet runs as ${me.arn}, not as ${t.role}`);
    const { client } = await stsClient();
    const c = await client.config.credentials();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration };
  }

  async function tenantCredentials(tenantId: string): Promise<TenantCredentials> {
    const t = Object.hasOwn(options.map.tenants, tenantId) ? options.map.tenants[tenantId] : undefined;
    if (!t)
      throw new TenantRefusedError({ status: 421, reason: 'host-unknown', message: `no tenant ${JSON.stringify(tenantId)} in this estate`, tenantId: null });
    if (t.fleet !== options.fleet) refuse(tenantId, `tenant ${tenantId} is served by another fleet`);
    // Offboarded: its role trusts nobody; asking would only fail at STS.
    if (t.status === 'offboarded') {
      throw new TenantRefusedError({ status: 403, reason: 'tenant-offboarded', message: `tenant ${tenantId} is offboarded`, tenantId, tenantStatus: t.status });
    }
    const current = held.get(tenantId);
    if (current) {
      const c = await current.catch(() => null);
      if (c && (!c.expiration || c.expiration.getTime() - renewMs > now())) return c;
      if (held.get(tenantId) !== current) return held.get(tenantId)!;
    }
    const next = t.fleet === tenantId ? ownFleet(tenantId) : assume(tenantId);
    held.set(tenantId, next);
    // A failure is not kept: the next request asks again.
    next.catch(() => {
      if (held.get(tenantId) === next) held.delete(tenantId);
    });
    return next;
  }

  return {
    tenantCredentials,
    provider(tenantId) {
      let p = providers.get(tenantId);
      if (!p) providers.set(tenantId, (p = () => tenantCredentials(tenantId)));
      return p;
    },
  };
}
