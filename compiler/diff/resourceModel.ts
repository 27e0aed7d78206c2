// The part of the CloudFormation registry (@aws-cdk/aws-service-spec) that
// @aws-cdk/cloudformation-diff reads: for every resource type, whether it is
// scrutinized as an IAM or network resource, and for every property whether changing
// it replaces the resource and whether it holds an IAM policy or security-group rules.
// The full registry takes ~0.3 s to load; this extract, made at build time from it
// for every resource type, a few milliseconds. test/resourceModel.test.ts proves the
// two agree on every type and property.

/** A resource type: its scrutiny type, and per property [causesReplacement, scrutinizable]. */
export interface SlimResource {
  readonly s?: string;
  readonly p: Readonly<Record<string, readonly [string | null, string | null]>>;
}
export type SlimSpec = Readonly<Record<string, SlimResource>>;

interface RegistryResource {
  readonly cloudFormationType: string;
  readonly scrutinizable?: string;
  readonly properties: Readonly<Record<string, { readonly causesReplacement?: string; readonly scrutinizable?: string }>>;
}

export function extractResourceModels(resources: Iterable<RegistryResource>): SlimSpec {
  const out: Record<string, SlimResource> = {};
  for (const r of resources) {
    const p: Record<string, readonly [string | null, string | null]> = {};
    for (const [name, prop] of Object.entries(r.properties)) p[name] = [prop.causesReplacement ?? null, prop.scrutinizable ?? null];
    out[r.cloudFormationType] = r.scrutinizable === undefined ? { p } : { s: r.scrutinizable, p };
  }
  return out;
}

/** A resource model shaped as the registry's, for the fields cloudformation-diff reads. */
export function resourceFromSlim(type: string, slim: SlimResource): RegistryResource {
  const properties: Record<string, { causesReplacement?: string; scrutinizable?: string }> = {};
  for (const [name, [replacement, scrutiny]] of Object.entries(slim.p)) {
    properties[name] = { ...(replacement === null ? {} : { causesReplacement: replacement }), ...(scrutiny === null ? {} : { scrutinizable: scrutiny }) };
  }
  return { cloudFormationType: type, ...(slim.s === undefined ? {} : { scrutinizable: slim.s }), properties };
}

/** The one query cloudformation-diff makes of the registry, answered from the extract. */
export function slimDatabase(spec: SlimSpec) {
  const cache = new Map<string, RegistryResource>();
  return {
    lookup(entity: string, index: string, op: string, type: string): RegistryResource[] {
      if (entity !== 'resource' || index !== 'cloudFormationType' || op !== 'equals')
        throw new Error(`resource model extract: unsupported lookup ${entity}.${index} ${op}`);
      const slim = Object.hasOwn(spec, type) ? spec[type] : undefined;
      if (!slim) return [];
      let r = cache.get(type);
      if (!r) cache.set(type, (r = resourceFromSlim(type, slim)));
      return [r];
    },
  };
}
