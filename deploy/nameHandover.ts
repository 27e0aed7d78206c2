// The name handover check: a host name that passes from one tenant's stack to another's
// in one deploy. CloudFormation creates and updates every stack before it deletes
// anything, and nested stacks update side by side, so the new holder's record, CloudFront
// domain or Cognito custom domain would be created while the old holder's still exists:
// Route 53 refuses a second record of the same name in a zone, CloudFront a domain on
// two distribution tenants, Cognito a custom domain on two user pools, and the whole
// deploy rolls back. Compile cannot see this: it knows manifests and the lock, not what
// is deployed, and two merged pull requests (one removing a tenant, one giving its
// domain to another) each compile cleanly. Deploy knows both sides: the templates of its
// last rollout (its record) and the output, so it refuses the handover before anything
// runs and says how to split it.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { AssetsManifest } from '../compiler/outputFormat.ts';
import { inParallel } from './concurrent.ts';
import type { Aws } from './aws.ts';
import type { CompiledForDeploy } from './compiledOutput.ts';

export interface NameHandover {
  readonly name: string;
  /** The tenant whose deployed stack holds it. */
  readonly from: string;
  /** The tenant whose new template claims it. */
  readonly to: string;
}

interface TemplateLike {
  readonly Resources?: Readonly<Record<string, { readonly Type?: string; readonly Properties?: Readonly<Record<string, unknown>> }>>;
}

const hostName = (v: unknown): string[] => (typeof v === 'string' ? [v.toLowerCase().replace(/\.$/, '')] : []);

/** The host names a template's resources hold one holder at a time: records, distribution tenant domains, Cognito custom domains. */
export function heldNames(template: TemplateLike): string[] {
  const names = new Set<string>();
  for (const r of Object.values(template.Resources ?? {})) {
    const p = r.Properties ?? {};
    const found =
      r.Type === 'AWS::Route53::RecordSet'
        ? hostName(p.Name)
        : r.Type === 'AWS::CloudFront::DistributionTenant'
          ? (Array.isArray(p.Domains) ? p.Domains : []).flatMap(hostName)
          : r.Type === 'AWS::Cognito::UserPoolDomain'
            ? hostName(p.Domain)
            : [];
    for (const n of found) names.add(n);
  }
  return [...names].sort();
}

/** Names held before by one tenant and claimed after by another (both maps: tenant → its names). */
export function nameHandovers(before: ReadonlyMap<string, readonly string[]>, after: ReadonlyMap<string, readonly string[]>): NameHandover[] {
  const holder = new Map<string, string>();
  const byTenant = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  for (const [tenant, names] of [...before].sort(byTenant)) for (const n of names) holder.set(n, tenant);
  const out: NameHandover[] = [];
  for (const [tenant, names] of [...after].sort(byTenant)) {
    for (const name of names) {
      const from = holder.get(name);
      if (from !== undefined && from !== tenant) out.push({ name, from, to: tenant });
    }
  }
  return out;
}

/**
 * Compares the tenant stacks this deploy changes, adds or removes with what the last
 * rollout deployed. Only those can hand a name on: an unchanged tenant keeps its names,
 * and compile refuses two tenants claiming one name. Reads one template from the
 * bucket per changed tenant; nothing on a first deploy.
 */
export async function findNameHandovers(aws: Aws, bucket: string, record: AssetsManifest | null, compiled: CompiledForDeploy): Promise<NameHandover[]> {
  if (!record) return [];
  const keyOf = (m: AssetsManifest) => new Map(m.nested.flatMap((t) => (t.tenant ? [[t.tenant, t.key] as const] : [])));
  const was = keyOf(record);
  const now = keyOf(compiled.manifest);
  const before = new Map<string, readonly string[]>();
  const after = new Map<string, readonly string[]>();
  // An estate-wide change reads every tenant's last template: in parallel, like the uploads it comes with.
  const changed = [...was].filter(([tenant, key]) => now.get(tenant) !== key);
  await inParallel(changed, async ([tenant, key]) => {
    const r = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    before.set(tenant, heldNames(JSON.parse(await r.Body!.transformToString()) as TemplateLike));
  });
  for (const [tenant, key] of now) {
    if (was.get(tenant) === key) continue;
    after.set(tenant, heldNames(JSON.parse(compiled.bodies.get(key)!.toString('utf8')) as TemplateLike));
  }
  return nameHandovers(before, after);
}
