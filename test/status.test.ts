// tenantc status: goldens of the three formats on the sample and on generated estates
// of 500 and 5,000 tenants; the estimate against a full compile; the sharing rule's
// sums; and the quota arithmetic at each limit's edge: the estate planned with one
// tenant fewer than the headroom, exactly the headroom, and one more.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateEstate, tenantId } from '../bench/generateEstate.ts';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { type LimitKey, tierHeadroom } from '../compiler/plan/headroom.ts';
import type { EstatePlan, TenantPlan } from '../compiler/plan/model.ts';
import { checkEstate, type Loaded, loadSources } from '../compiler/pipeline.ts';
import { renderStatus, statusOf } from '../compiler/status/command.ts';
import { estimateCost, SHAPE_FIELDS } from '../compiler/status/cost.ts';
import { type EmittedResource, PRICERS } from '../compiler/status/pricers.ts';
import { type AssumptionKey, SHIPPED_PRICES } from '../compiler/status/prices.ts';
import type { StatusModel } from '../compiler/status/status.ts';
import { assertGoldenFile, compiledFrom, FIXTURES, GOLDEN, generatedLoaded, inTempDir, loadedFrom, runMain, SAMPLE_TENANTS } from './helpers.ts';

const S = suite('status');
const GOLDEN_STATUS = join(GOLDEN, 'status');
const MINIMAL = join(FIXTURES, 'estates', 'minimal');

function status(dir: string, format: 'text' | 'json' | 'html' = 'json', manifests = 'tenants', load?: () => Loaded): { model: StatusModel; output: string } {
  // Paths in output are as given: name the estate as a user would.
  const req = { cwd: dir, tenants: '.', format, out: null, prices: null };
  const r = statusOf(req, load);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const model = { ...r.model, estate: { ...r.model.estate, manifests } };
  return { model, output: renderStatus(format, model) };
}

/** A large estate's model with its long lists summarised: counts, the fullest or most expensive few. */
function summary(m: StatusModel): string {
  const first = <T>(list: readonly T[], by: (x: T) => number) => [...list].sort((a, b) => by(b) - by(a)).slice(0, 3);
  return `${JSON.stringify(
    {
      ...m,
      albShards: { count: m.albShards.length, fullest: first(m.albShards, (s) => s.rules.percent) },
      cacheClusters: { count: m.cacheClusters.length, fullest: first(m.cacheClusters, (c) => c.users.percent) },
      groups: { count: m.groups.length, stacks: m.groups.reduce((n, g) => n + g.stacks.used, 0) },
      fleets: {
        shared: m.fleets.shared,
        dedicated: {
          count: m.fleets.dedicated.length,
          min: m.fleets.dedicated.reduce((n, d) => n + d.min, 0),
          max: m.fleets.dedicated.reduce((n, d) => n + d.max, 0),
        },
      },
      tenants: { count: m.tenants.length, mostExpensive: first(m.tenants, (t) => t.total) },
      cost: { ...m.cost, layers: { count: m.cost.layers.length, largest: first(m.cost.layers, (l) => l.usd) } },
    },
    null,
    2,
  )}\n`;
}

S('the sample estate: text, JSON and the page match their goldens', () => {
  for (const format of ['text', 'json', 'html'] as const) {
    const { output } = status(SAMPLE_TENANTS, format);
    assertGoldenFile(join(GOLDEN_STATUS, `sample.${format === 'text' ? 'txt' : format}`), output);
  }
});

S('generated estates of 500 and 5,000 tenants: text and a JSON summary match their goldens', () => {
  for (const size of [500, 5000]) {
    const text = status(process.cwd(), 'text', `generated-${size}`, () => generatedLoaded(size));
    assertGoldenFile(join(GOLDEN_STATUS, `generated-${size}.txt`), text.output);
    assertGoldenFile(join(GOLDEN_STATUS, `generated-${size}.summary.json`), summary(text.model));
    assert.is(text.model.tenants.length, size);
  }
});

S('a generated estate from memory (generatedLoaded) is what loadSources reads from the directory generateEstate writes', () => {
  inTempDir((dir) => {
    generateEstate(dir, 40, join(SAMPLE_TENANTS, 'platform.yaml'));
    assert.equal(generatedLoaded(40), loadSources('.', dir));
  });
});

S('the CLI: standard output, --out written whole, usage errors and invalid manifests', async () => {
  const text = await runMain(['status', '--tenants', SAMPLE_TENANTS]);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /^tessera \(us-east-1\): 11 tenants in /);
  await inTempDir(async (dir) => {
    const json = await runMain(['status', '--tenants', SAMPLE_TENANTS, '--format', 'json', '--out', join(dir, 'status.json')]);
    assert.is(json.status, 0, json.stderr);
    assert.match(json.stdout, /^wrote .*status\.json: json status of 11 tenants, estimated USD \d+ a month\n$/);
    const model = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as StatusModel;
    assert.is(model.tenants.length, 11);
    assert.equal(readdirSync(dir), ['status.json'], 'no temporary file left beside it');
  });
  const bad = await runMain(['status', '--tenants', SAMPLE_TENANTS, '--format', 'xml']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, '--format must be text, json or html');
  const missing = await runMain(['status', '--tenants', join(FIXTURES, 'no-such-dir')]);
  assert.is(missing.status, 2);
  await inTempDir(async (dir) => {
    cpSync(MINIMAL, dir, { recursive: true });
    writeFileSync(join(dir, 'initech.yaml'), readFileSync(join(dir, 'initech.yaml'), 'utf8').replace('tier: standard', 'tier: gold'));
    const invalid = await runMain(['status', '--tenants', dir]);
    assert.is(invalid.status, 1);
    assert.match(invalid.stderr, /initech\.yaml:\d+:\d+: .*gold/);
  });
});

/** Prices every resource of a full compile with the same pricers: what the estimate must equal. */
function fullInventory(plan: EstatePlan, files: readonly { path: string; content: string }[]): string[] {
  const byId = new Map(plan.tenants.map((t) => [t.id, t]));
  const assume = (k: AssumptionKey) => SHIPPED_PRICES.assumptions[k]!.value;
  const out: string[] = [];
  for (const f of files) {
    if (!f.path.endsWith('.template.json')) continue;
    const resources = (JSON.parse(f.content) as { Resources: Record<string, EmittedResource> }).Resources;
    if (f.path.startsWith('groups/')) {
      // Groups hold nested stacks only, which cost nothing: the estimate does not emit them.
      assert.equal([...new Set(Object.values(resources).map((r) => r.Type))], ['AWS::CloudFormation::Stack'], f.path);
      continue;
    }
    const id = /^(?:tenants|domains)\/([a-z0-9-]+)\.template\.json$/.exec(f.path)?.[1];
    const tenant: TenantPlan | null = id ? byId.get(id)! : null;
    for (const [logicalId, r] of Object.entries(resources)) {
      const entry = SHIPPED_PRICES.resourceTypes[r.Type];
      if (entry?.charge !== 'priced') continue;
      for (const item of PRICERS[r.Type]!(r, { resources, tenant, plan, hoursPerMonth: SHIPPED_PRICES.hoursPerMonth, assume })) {
        if ('leftOut' in item || SHIPPED_PRICES.prices[item.price]?.usd == null) continue;
        out.push(`${f.path} ${logicalId} ${item.price} ${item.quantity}`);
      }
    }
  }
  return out.sort();
}

S('the estimate prices exactly what a full compile emits (one stack per tenant shape stands for the rest)', () => {
  inTempDir((dir) => {
    const endpoints = join(dir, 'endpoints');
    cpSync(SAMPLE_TENANTS, endpoints, { recursive: true });
    writeFileSync(
      join(endpoints, 'platform.yaml'),
      readFileSync(join(endpoints, 'platform.yaml'), 'utf8').replace('appEgress: internet', 'appEgress: endpoints'),
    );
    const generated = join(dir, 'generated');
    generateEstate(generated, 120, join(SAMPLE_TENANTS, 'platform.yaml'));
    // Premium tenants whose stacks differ by status and DNS alone: an offboarded one (its
    // fleet at zero), a suspended one, and one whose own DNS is not ready yet.
    const edit = (i: number, from: string | RegExp, to: string) => {
      const path = join(generated, `${tenantId(i)}.yaml`);
      const text = readFileSync(path, 'utf8');
      assert.match(text, 'tier: premium');
      writeFileSync(path, text.replace(from, to));
    };
    edit(7, 'status: active', 'status: offboarded');
    edit(47, 'status: active', 'status: suspended');
    edit(27, '  validated: true\n', '');
    for (const estate of [SAMPLE_TENANTS, endpoints, MINIMAL, generated]) {
      const compiled = compiledFrom(estate);
      const estimate = estimateCost(compiled.plan, SHIPPED_PRICES, { lines: true });
      const lines = estimate.lines.map((l) => `${l.template} ${l.logicalId} ${l.price} ${l.quantity}`).sort();
      assert.ok(lines.length > compiled.plan.tenants.length, `${estate}: ${lines.length} lines`);
      assert.equal(lines, fullInventory(compiled.plan, compiled.files), estate);
    }
  });
});

S('the shape of a tenant stack accounts for every field of a tenant plan', () => {
  const plan = compiledFrom(SAMPLE_TENANTS).plan;
  const classified = [...SHAPE_FIELDS.value, ...SHAPE_FIELDS.count, ...SHAPE_FIELDS.ignored].sort();
  for (const t of plan.tenants) assert.equal(Object.keys(t).sort(), classified, `${t.id}: a TenantPlan field tenantShape does not classify`);
});

S('the sharing rule: owned plus shares add up to the estate, shares follow seats', () => {
  const plan = compiledFrom(SAMPLE_TENANTS).plan;
  const e = estimateCost(plan, SHIPPED_PRICES);
  const sum = e.tenants.reduce((n, t) => n + t.total, 0) + e.unallocated;
  assert.ok(Math.abs(sum - e.total) < 1e-6, `${sum} vs ${e.total}`);
  assert.ok(Math.abs(e.byTier.reduce((n, t) => n + t.usd, 0) + e.unallocated - e.total) < 1e-6);
  assert.ok(Math.abs(e.byPrice.reduce((n, p) => n + p.usd, 0) - e.total) < 1e-6);
  // Two standard tenants of one shard and one cache: their shares are in the ratio of their seats.
  const [a, b] = ['initech', 'tyrell'].map((id) => e.tenants.find((t) => t.id === id)!);
  assert.ok(Math.abs(a!.shared / b!.shared - a!.users / b!.users) < 1e-9, `${a!.shared}/${b!.shared} vs ${a!.users}/${b!.users}`);
  // A premium tenant owns a dedicated fleet and cache; a suspended one has no active users and writes no logs.
  const acme = estimateCost(plan, SHIPPED_PRICES, { lines: true }).lines.filter((l) => l.layer.kind === 'tenant' && l.layer.id === 'acme');
  assert.ok(acme.some((l) => l.price.startsWith('ec2.instance.')) && acme.some((l) => l.price.startsWith('elasticache.')));
  const umbrella = estimateCost(plan, SHIPPED_PRICES, { lines: true }).lines.filter((l) => l.layer.kind === 'tenant' && l.layer.id === 'umbrella');
  assert.ok(umbrella.filter((l) => l.price.startsWith('cognito.') || l.price.startsWith('logs.')).every((l) => l.quantity === 0));
});

// The quota arithmetic at each limit's edge.
const newcomer = (i: number, tier: string, seats: number) =>
  [
    'kind: Tenant',
    `id: new-t${i}`,
    `name: Newcomer ${i}`,
    `tier: ${tier}`,
    'status: active',
    `users: ${seats}`,
    'domains:',
    `  - new-t${i}.tessera.app`,
    'dns:',
    '  mode: platform',
    'auth:',
    '  mfa: optional',
    'contacts:',
    '  - { role: owner, name: Owner, email: owner@example.com }',
    '',
  ].join('\n');

interface EdgeCase {
  readonly name: string;
  readonly tier: 'standard' | 'premium';
  readonly quotas?: string;
  readonly maxInstances?: number;
  readonly binding: LimitKey;
  readonly more: number;
}

const EDGES: readonly EdgeCase[] = [
  { name: 'Cognito user pools', tier: 'standard', quotas: '{ cognitoUserPools: 6 }', binding: 'cognitoUserPools', more: 4 },
  { name: 'distribution tenants', tier: 'premium', quotas: '{ cloudFrontDistributionTenants: 5 }', binding: 'cloudFrontDistributionTenants', more: 3 },
  { name: 'ACM certificates', tier: 'standard', quotas: '{ acmCertificates: 9 }', binding: 'acmCertificates', more: 5 },
  { name: 'stacks', tier: 'premium', quotas: '{ cloudFormationStacks: 10 }', binding: 'cloudFormationStacks', more: 4 },
  {
    name: 'stacks, with the shards newcomers open',
    tier: 'standard',
    quotas: '{ albRulesPerLoadBalancer: 3, cloudFormationStacks: 11 }',
    binding: 'cloudFormationStacks',
    more: 4,
  },
  {
    name: 'ALBs, full shards opening new ones',
    tier: 'standard',
    quotas: '{ albRulesPerLoadBalancer: 2, loadBalancersPerRegion: 3 }',
    binding: 'loadBalancersPerRegion',
    more: 4,
  },
  {
    name: 'ALBs, by target groups',
    tier: 'premium',
    quotas: '{ albTargetGroupsPerLoadBalancer: 3, loadBalancersPerRegion: 2 }',
    binding: 'loadBalancersPerRegion',
    more: 3,
  },
  { name: "the shared fleet's maxInstances", tier: 'standard', maxInstances: 9, binding: 'maxInstances', more: 2 },
];

function planOf(dir: string) {
  return checkEstate('tenants', loadedFrom(dir), { today: '2026-11-27' });
}

for (const edge of EDGES) {
  S(`headroom at its edge: ${edge.name} (${edge.tier})`, () => {
    inTempDir((dir) => {
      cpSync(MINIMAL, dir, { recursive: true });
      let platform = readFileSync(join(dir, 'platform.yaml'), 'utf8');
      if (edge.quotas) platform = platform.replace(/^quotas:.*$/m, `quotas: ${edge.quotas}`);
      if (edge.maxInstances) platform = platform.replace(/maxInstances: \d+/, `maxInstances: ${edge.maxInstances}`);
      writeFileSync(join(dir, 'platform.yaml'), platform);
      const base = planOf(dir);
      if (!base.ok) throw new Error(base.diagnostics.map(formatDiagnostic).join('\n'));
      writeFileSync(join(dir, 'placement.lock.yaml'), base.lock);
      const tier = base.plan.platform.tiers.find((t) => t.name === edge.tier)!;
      const h = tierHeadroom(base.plan, tier);
      assert.is(h.binding, edge.binding, JSON.stringify(h.limits));
      assert.is(h.more, edge.more);
      // Called with a rising n: newcomers 0..n-1, as the headroom assumes them.
      const withNewcomers = (n: number) => {
        for (let i = 0; i < n; i++) writeFileSync(join(dir, `new-t${i}.yaml`), newcomer(i, edge.tier, h.newTenant.seats));
        return planOf(dir);
      };
      // One before the edge: it fits, with room for one more.
      const before = withNewcomers(edge.more - 1);
      assert.ok(before.ok, before.ok ? '' : before.diagnostics.map(formatDiagnostic).join('\n'));
      assert.is(before.ok && tierHeadroom(before.plan, tier).more, 1);
      // At the edge: it fits, with no room left, the same limit binding.
      const at = withNewcomers(edge.more);
      assert.ok(at.ok, at.ok ? '' : at.diagnostics.map(formatDiagnostic).join('\n'));
      const atHeadroom = at.ok ? tierHeadroom(at.plan, tier) : null;
      assert.is(atHeadroom?.more, 0);
      assert.is(atHeadroom?.binding, edge.binding);
      // One past it: compile refuses the estate, naming that limit.
      const past = withNewcomers(edge.more + 1);
      assert.not.ok(past.ok, 'one past the headroom must not plan');
      const messages = past.ok ? '' : past.diagnostics.map(formatDiagnostic).join('\n');
      assert.ok(!past.ok && past.diagnostics.every((d) => d.code === 'quota-exceeded'), messages);
      assert.match(messages, edge.binding === 'maxInstances' ? 'app.capacity.maxInstances is' : `quota ${edge.binding} =`);
    });
  });
}

S('a limit a tier never reaches: newcomers on platform DNS take no hosted zone', () => {
  inTempDir((dir) => {
    cpSync(MINIMAL, dir, { recursive: true });
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace(/^quotas:.*$/m, 'quotas: { hostedZones: 2 }'));
    const base = planOf(dir);
    assert.ok(base.ok);
    const tier = base.ok ? base.plan.platform.tiers.find((t) => t.name === 'standard')! : null;
    const h = base.ok ? tierHeadroom(base.plan, tier!) : null;
    assert.is(h?.limits.find((l) => l.key === 'hostedZones')?.more, null);
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, `new-t${i}.yaml`), newcomer(i, 'standard', h!.newTenant.seats));
    const more = planOf(dir);
    assert.ok(more.ok, more.ok ? '' : more.diagnostics.map(formatDiagnostic).join('\n'));
  });
});

S.run();
