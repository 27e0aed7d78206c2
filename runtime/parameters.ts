// SSM parameters, read with whose credentials they belong to: a tenant's parameters
// (its user pool and app client, its cache user...) with the tenant's own credentials,
// which alone may read its path (its role's OwnParameters statement and the session
// policy); the platform's (the tenant data bucket, shared cache endpoints) with the
// fleet's. Values are cached for a few minutes: they change only with a deploy.
import { TENANT_PARAMETERS } from '../compiler/outputFormat.ts';
import type { AwsClientConfig, CredentialsProvider } from './aws.ts';

type SsmModule = typeof import('@aws-sdk/client-ssm');
type SsmClient = InstanceType<SsmModule['SSMClient']>;

export interface ParameterStoreOptions {
  readonly clientConfig?: AwsClientConfig;
  /** How long a value is kept (default 300 s). */
  readonly ttlSeconds?: number;
  readonly now?: () => number;
}

export interface ParameterStore {
  /** Every parameter directly under `path`, by its name relative to the path. */
  byPath(path: string, credentials?: CredentialsProvider): Promise<ReadonlyMap<string, string>>;
  /** One parameter by its full name. */
  get(name: string, credentials?: CredentialsProvider): Promise<string>;
}

export function parameterStore(options: ParameterStoreOptions = {}): ParameterStore {
  const ttl = (options.ttlSeconds ?? 300) * 1000;
  const now = options.now ?? Date.now;
  let ssm: Promise<SsmModule> | undefined;
  const fleetClient = { client: undefined as Promise<SsmClient> | undefined };
  const clients = new WeakMap<CredentialsProvider, Promise<SsmClient>>();
  const clientFor = (credentials?: CredentialsProvider): Promise<SsmClient> => {
    ssm ??= import('@aws-sdk/client-ssm');
    const make = async () => {
      const { SSMClient } = await ssm!;
      return new SSMClient({ ...options.clientConfig, ...(credentials ? { credentials } : {}) });
    };
    if (!credentials) return (fleetClient.client ??= make());
    let c = clients.get(credentials);
    if (!c) clients.set(credentials, (c = make()));
    return c;
  };
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  const cached = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttl) return hit.value as Promise<T>;
    const value = load();
    cache.set(key, { at: now(), value });
    // A failure is not kept: the next call tries again.
    value.catch(() => cache.delete(key));
    return value;
  };
  return {
    byPath(path, credentials) {
      return cached(`path ${path}`, async () => {
        const client = await clientFor(credentials);
        const { GetParametersByPathCommand } = await ssm!;
        const values = new Map<string, string>();
        let NextToken: string | undefined;
        do {
          const page = await client.send(new GetParametersByPathCommand({ Path: path, Recursive: false, NextToken }));
          for (const p of page.Parameters ?? []) if (p.Name && p.Value !== undefined) values.set(p.Name.slice(path.length), p.Value);
          NextToken = page.NextToken;
        } while (NextToken);
        return values;
      });
    },
    get(name, credentials) {
      return cached(`name ${name}`, async () => {
        const client = await clientFor(credentials);
        const { GetParameterCommand } = await ssm!;
        const r = await client.send(new GetParameterCommand({ Name: name }));
        if (r.Parameter?.Value === undefined) throw new Error(`SSM parameter ${name} has no value`);
        return r.Parameter.Value;
      });
    },
  };
}

/** A tenant's published configuration (TENANT_PARAMETERS under its SSM path). */
export type TenantParameters = { readonly [K in keyof typeof TENANT_PARAMETERS]: string };

/** Reads a tenant's parameters from its path, failing by name on one its stack did not publish. */
export async function tenantParameters(store: ParameterStore, ssmPath: string, credentials: CredentialsProvider): Promise<TenantParameters> {
  const values = await store.byPath(ssmPath, credentials);
  const out: Record<string, string> = {};
  for (const [key, leaf] of Object.entries(TENANT_PARAMETERS)) {
    const v = values.get(leaf);
    if (v === undefined) throw new Error(`SSM parameter ${ssmPath}${leaf} is missing: is the tenant's stack deployed?`);
    out[key] = v;
  }
  return out as TenantParameters;
}
