// Synthetic estates for the benchmark and the scale tests: the sample platform
// manifest plus N generated tenants. Deterministic (seeded), so two runs compare.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'alpha',
  'bravo',
  'cedar',
  'delta',
  'ember',
  'fjord',
  'gamma',
  'harbor',
  'indigo',
  'juniper',
  'kepler',
  'lumen',
  'meadow',
  'nimbus',
  'orbit',
  'prism',
  'quartz',
  'ridge',
  'sierra',
  'tundra',
];

export function tenantId(i: number): string {
  return `${WORDS[i % WORDS.length]}-t${i.toString(36)}`;
}

/** YAML text of synthetic tenant i. ~5% premium; users average about 60 seats. */
export function tenantManifest(i: number, apex: string, rand: () => number): string {
  const id = tenantId(i);
  const premium = i % 20 === 7;
  const users = premium ? 300 + Math.floor(rand() * 900) : 10 + Math.floor(rand() * 80);
  const mode = premium ? (i % 3 === 0 ? 'delegated' : i % 3 === 1 ? 'external' : 'platform') : i % 10 === 3 ? 'external' : 'platform';
  const domains = mode === 'platform' ? [`${id}.${apex}`] : mode === 'delegated' ? [`${id}.example.com`, `app.${id}.example.com`] : [`app.${id}.example.net`];
  const status = i % 97 === 5 ? 'suspended' : 'active';
  return [
    '# yaml-language-server: $schema=../schema/tenant.schema.json',
    'kind: Tenant',
    `id: ${id}`,
    `name: Synthetic Tenant ${i}`,
    `tier: ${premium ? 'premium' : 'standard'}`,
    `status: ${status}`,
    `users: ${users}`,
    'domains:',
    ...domains.map((d) => `  - ${d}`),
    'dns:',
    `  mode: ${mode}`,
    ...(mode === 'delegated' ? [`  zone: ${id}.example.com`] : []),
    // An estate in service: every tenant's own DNS is ready.
    ...(mode === 'platform' ? [] : ['  validated: true']),
    'auth:',
    `  mfa: ${i % 2 ? 'required' : 'optional'}`,
    'contacts:',
    `  - { role: owner, name: Owner ${i}, email: owner@${id}.example.org }`,
    'tags:',
    `  customer-id: "S-${i}"`,
    '',
  ].join('\n');
}

/** Writes platform.yaml (copied from `platformPath`) and `count` tenants into `dir`. */
/**
 * Quotas an estate of `count` tenants needs raised above the AWS defaults (the
 * defaults hold about 1,000 tenants: Cognito user pools, ACM certificates, stacks).
 */
export function raisedQuotas(count: number): string {
  if (count < 900) return '';
  const n = Math.ceil((count * 1.2) / 1000) * 1000;
  return [
    'quotas:                       # raised through Service Quotas for an estate of this size',
    `  cognitoUserPools: ${n}`,
    `  acmCertificates: ${n}`,
    `  cloudFormationStacks: ${n}`,
    '  loadBalancersPerRegion: 100',
    `  cloudFrontDistributionTenants: ${Math.max(10000, n)}`,
  ].join('\n');
}

/** The files of a synthetic estate, file name → text: what generateEstate writes. */
export function generatedEstateFiles(count: number, platformPath: string, apex = 'tessera.app', seed = 42): Map<string, string> {
  const platform = readFileSync(platformPath, 'utf8');
  const raised = raisedQuotas(count);
  const files = new Map([['platform.yaml', raised ? platform.replace(/^quotas:.*$/m, raised) : platform]]);
  const rand = prng(seed);
  for (let i = 0; i < count; i++) files.set(`${tenantId(i)}.yaml`, tenantManifest(i, apex, rand));
  return files;
}

export function generateEstate(dir: string, count: number, platformPath: string, apex = 'tessera.app', seed = 42): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of generatedEstateFiles(count, platformPath, apex, seed)) writeFileSync(join(dir, name), text);
}
