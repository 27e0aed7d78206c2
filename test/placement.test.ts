// Placement: packing within quotas, and stickiness (nobody moves but the tenant that changed).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { validateLockFile } from '../compiler/validate/lockFile.ts';
import { SIGN_IN_NOT_RECORDED, type QuotaPlan, type TenantIdentity } from '../compiler/plan/model.ts';
import { identityDifferences, lockedIdentity } from '../compiler/plan/lifecycle.ts';
import { placeTenants, type PlacementNeeds, type TenantPlacement } from '../compiler/plan/placement.ts';
import { DEFAULT_QUOTAS, LISTENER_SLOTS_PER_SHARD } from '../compiler/plan/quotas.ts';
import { checkEstate, compileSources, parseSources } from '../compiler/pipeline.ts';
import { ManifestText } from '../compiler/plan/manifestText.ts';
import { serializeLock } from '../compiler/write/lockFile.ts';
import { loadedFrom, rawFile, rawFilesFrom, SAMPLE_TENANTS } from './helpers.ts';

const P = suite('placement');
const std = (id: string, domains = 1): PlacementNeeds => ({ id, rules: Math.ceil(domains / 5), certificates: 0, targetGroups: 0, sharedCache: true });
const premium = (id: string): PlacementNeeds => ({ id, rules: 1, certificates: 1, targetGroups: 1, sharedCache: false });
const quotas = (q: Partial<QuotaPlan>): QuotaPlan => ({ ...DEFAULT_QUOTAS, ...q });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i).padStart(3, '0')}`);

P('tenants fill a shard up to its rule quota, then open the next', () => {
  const r = placeTenants(
    ids(7).map((id) => std(id)),
    quotas({ albRulesPerLoadBalancer: 3 }),
    new Map(),
  );
  assert.equal(
    ids(7).map((id) => r.byTenant.get(id)!.albShard),
    [0, 0, 0, 1, 1, 1, 2],
  );
  assert.equal(
    ids(7).map((id) => r.byTenant.get(id)!.ruleSlot),
    [0, 1, 2, 0, 1, 2, 0],
  );
  assert.equal(r.albShards, [0, 1, 2]);
});

P('certificates and target groups are quotas too; the shared target group takes one seat', () => {
  const byCert = placeTenants(['a', 'b', 'c'].map(premium), quotas({ albCertificatesPerLoadBalancer: 2 }), new Map());
  assert.equal(
    ['a', 'b', 'c'].map((id) => byCert.byTenant.get(id)!.albShard),
    [0, 0, 1],
  );
  const byTg = placeTenants(['a', 'b', 'c'].map(premium), quotas({ albTargetGroupsPerLoadBalancer: 3 }), new Map());
  assert.equal(
    ['a', 'b', 'c'].map((id) => byTg.byTenant.get(id)!.albShard),
    [0, 0, 1],
  );
});

P('shared caches hold users-per-group minus default; premium tenants have none', () => {
  const r = placeTenants([std('a'), premium('b'), std('c'), std('d')], quotas({ cacheUsersPerUserGroup: 3 }), new Map());
  assert.equal(
    ['a', 'b', 'c', 'd'].map((id) => r.byTenant.get(id)!.cacheCluster),
    [0, null, 0, 1],
  );
});

P('a shard too full for one tenant still takes a smaller one after it (first fit is asked again for each tenant)', () => {
  // Four rules a shard: a (3) opens shard 0, b (3) opens shard 1, c (2) fits neither and
  // opens shard 2, d (2) fills shard 2 after shards 0 and 1 refused it; e (1) still fits
  // shard 0, which refused c and d.
  const r = placeTenants([std('a', 15), std('b', 15), std('c', 10), std('d', 10), std('e')], quotas({ albRulesPerLoadBalancer: 4 }), new Map());
  assert.equal(
    ['a', 'b', 'c', 'd', 'e'].map((id) => r.byTenant.get(id)!.albShard),
    [0, 1, 2, 2, 0],
  );
});

P('groups hold 40 tenant stacks', () => {
  const r = placeTenants(
    ids(81).map((id) => std(id)),
    quotas({ albRulesPerLoadBalancer: 1000 }),
    new Map(),
  );
  assert.equal(r.groups, [0, 1, 2]);
  assert.is([...r.byTenant.values()].filter((p) => p.group === 2).length, 1);
});

P('removing and adding tenants moves nobody else; a new tenant takes the freed room on a slot never used', () => {
  const q = quotas({ albRulesPerLoadBalancer: 3, cacheUsersPerUserGroup: 3 });
  const first = placeTenants(
    ids(6).map((id) => std(id)),
    q,
    new Map(),
  );
  const without = ids(6).filter((id) => id !== 't001');
  const second = placeTenants(
    [...without, 'zz-new'].map((id) => std(id)),
    q,
    first.byTenant,
  );
  for (const id of without) assert.equal(second.byTenant.get(id), first.byTenant.get(id), id);
  // The freed shard room, cache seat and group place; but not the freed listener slot
  // (1): its rule may still exist while the newcomer's is created.
  assert.equal(second.byTenant.get('zz-new'), { ...first.byTenant.get('t001')!, ruleSlot: 3 }, 'takes the freed places');
  // An earlier id arriving later does not push later ids out of their places.
  const third = placeTenants(
    [...without, 'zz-new', 'a-early'].map((id) => std(id)),
    q,
    second.byTenant,
  );
  for (const id of [...without, 'zz-new']) assert.equal(third.byTenant.get(id), second.byTenant.get(id), id);
});

P('a removed slot is given again only when the shard has no unused slot left, and only once an earlier compile recorded the removal', () => {
  const q = quotas({ albRulesPerLoadBalancer: 3 });
  // Shard 0's highest slot is the last one: no unused slot is left above it.
  const previous = new Map([['top', { ...placeTenants([std('top')], q, new Map()).byTenant.get('top')!, ruleSlot: LISTENER_SLOTS_PER_SHARD - 1 }]]);
  const removedHere = placeTenants([std('top'), std('new')], q, previous, [{ albShard: 0, ruleSlot: 7, released: false }]);
  assert.is(removedHere.byTenant.get('new')!.albShard, 1, 'a slot removed in this compile is never given: the newcomer goes to another shard');
  const removedBefore = placeTenants([std('top'), std('new')], q, previous, [{ albShard: 0, ruleSlot: 7, released: true }]);
  assert.equal(
    [removedBefore.byTenant.get('new')!.albShard, removedBefore.byTenant.get('new')!.ruleSlot],
    [0, 7],
    'a slot an earlier compile released is the last resort',
  );
});

P('a tenant that no longer fits moves alone', () => {
  const q = quotas({ albRulesPerLoadBalancer: 3 });
  const first = placeTenants([std('a'), std('b'), std('c')], q, new Map());
  // b grows to 6 domains (2 rules): shard 0 would hold 4 rules.
  const second = placeTenants([std('a'), std('b', 6), std('c')], q, first.byTenant);
  assert.equal(second.byTenant.get('a'), first.byTenant.get('a'));
  assert.equal(second.byTenant.get('c'), first.byTenant.get('c'));
  assert.is(second.byTenant.get('b')!.albShard, 1);
});

P('the lock round-trips: placements, statuses, incarnations, identities, removed tenants, held and vacated slots', () => {
  const placements = new Map<string, TenantPlacement>([
    ['beta', { albShard: 1, ruleSlot: 4, cacheCluster: null, group: 2, rules: 2, certificates: 1, targetGroups: 1 }],
    ['alpha', { albShard: 0, ruleSlot: 0, cacheCluster: 3, group: 0, rules: 1, certificates: 0, targetGroups: 0 }],
    ['eps', { albShard: 0, ruleSlot: 1, cacheCluster: 3, group: 0, rules: 1, certificates: 0, targetGroups: 0 }],
  ]);
  // Words YAML would read otherwise if they were written plain: a flow mapping's
  // punctuation, a comment, quotes, a backslash, a tier named like null, a number.
  // Sign-in as each kind the lock keeps: a SAML IdP, an OIDC client, none, and not
  // recorded (an old lock's entry, written back as it was read).
  type Fed = 'saml' | 'oidc' | null | typeof SIGN_IN_NOT_RECORDED;
  const SAML_URL = 'https://idp.eps.example.com/saml/metadata?tenant=eps&x=1';
  const ISSUER = 'https://eps.okta.example/oauth2/default';
  // Names outside its domains: a tenant with federation here holds two (a sign-in domain
  // of its own, a kept platform host); the others none, and their lines carry no names.
  const NAMES = ['login.eps-auth.example', 'eps.tessera.app'];
  const namesOf = (fed: Fed) => (fed === 'saml' || fed === 'oidc' ? NAMES : []);
  const identity = (name: string, tier: string, fed: Fed): TenantIdentity => ({
    name: new ManifestText(name),
    tier,
    domains: ['eps.example.com', '1.example.com'],
    names: namesOf(fed),
    owners: [
      { name: new ManifestText('O\'Brien, "Ann" #1'), email: new ManifestText('ann@eps.example.com') },
      { name: new ManifestText('李 {x}: [y]'), email: new ManifestText('li@eps.example.com') },
    ],
    federation:
      fed === 'saml'
        ? { protocol: 'saml', metadataUrl: new ManifestText(SAML_URL) }
        : fed === 'oidc'
          ? { protocol: 'oidc', issuer: new ManifestText(ISSUER), clientId: new ManifestText('0oa1:eps@x') }
          : fed,
  });
  const text = serializeLock(
    new Map([
      ['beta', { placement: placements.get('beta')!, status: 'suspended' as const, incarnation: 2 }],
      ['alpha', { placement: placements.get('alpha')!, status: 'active' as const, incarnation: 1 }],
      [
        'eps',
        { placement: placements.get('eps')!, status: 'offboarded' as const, incarnation: 1, identity: identity('Eps: {a, b} # c \\ "d"', 'null', 'saml') },
      ],
    ]),
    new Map([
      ['gamma', { removed: '2026-11-02', slot: { albShard: 0, ruleSlot: 5 }, identity: identity('Gamma & Co. — 1.0', 'true', 'oidc') }],
      ['delta', { removed: '2026-10-01', incarnation: 2, identity: null }],
      ['zeta', { removed: '2026-09-01', identity: identity('Zeta', 'standard', null) }],
      ['theta', { removed: '2026-08-01', identity: identity('Theta', 'standard', SIGN_IN_NOT_RECORDED) }],
    ]),
    [{ albShard: 1, ruleSlot: 7 }],
  );
  const locked = (name: string, tier: string, fed: Fed) => ({
    name,
    tier,
    domains: ['eps.example.com', '1.example.com'],
    ...(namesOf(fed).length ? { names: NAMES } : {}),
    owners: [
      { name: 'O\'Brien, "Ann" #1', email: 'ann@eps.example.com' },
      { name: '李 {x}: [y]', email: 'li@eps.example.com' },
    ],
    ...(fed === SIGN_IN_NOT_RECORDED
      ? {}
      : {
          federation:
            fed === 'saml' ? { protocol: 'saml', metadataUrl: SAML_URL } : fed === 'oidc' ? { protocol: 'oidc', issuer: ISSUER, clientId: '0oa1:eps@x' } : null,
        }),
  });
  const parsed = validateLockFile(rawFile('placement.lock.yaml', text));
  assert.equal(parsed.diagnostics, []);
  assert.equal(
    new Map([...parsed.placements].sort()),
    new Map([
      ['alpha', { ...placements.get('alpha')!, status: 'active' }],
      ['beta', { ...placements.get('beta')!, status: 'suspended', incarnation: 2 }],
      ['eps', { ...placements.get('eps')!, status: 'offboarded', identity: locked('Eps: {a, b} # c \\ "d"', 'null', 'saml') }],
    ]),
  );
  assert.equal(
    new Map([...parsed.removed].sort()),
    new Map([
      ['delta', { removed: '2026-10-01', incarnation: 2 }],
      ['gamma', { removed: '2026-11-02', slot: { albShard: 0, ruleSlot: 5 }, identity: locked('Gamma & Co. — 1.0', 'true', 'oidc') }],
      ['theta', { removed: '2026-08-01', identity: locked('Theta', 'standard', SIGN_IN_NOT_RECORDED) }],
      ['zeta', { removed: '2026-09-01', identity: locked('Zeta', 'standard', null) }],
    ]),
  );
  assert.equal(parsed.vacated, [{ albShard: 1, ruleSlot: 7 }]);
  assert.ok(text.indexOf('  alpha:') < text.indexOf('  beta:'), 'sorted by id');
  assert.match(text.split('\n').find((l) => l.startsWith('  zeta:'))!, 'federation: null }', 'no federation is written as null, not left out');
  assert.not.match(text.split('\n').find((l) => l.startsWith('  theta:'))!, 'federation', 'an unrecorded sign-in stays unrecorded');
  // Read back as the plan reads it: what the lock keeps is compared as it was written.
  for (const [id, e] of parsed.removed) if (e.identity) assert.equal(identityDifferences(lockedIdentity(e.identity), lockedIdentity(e.identity)), [], id);
});

P('a name past a bypassed validation never reaches the lock: a line break would start a line of its own there', () => {
  const placement: TenantPlacement = { albShard: 0, ruleSlot: 1, cacheCluster: 3, group: 0, rules: 1, certificates: 0, targetGroups: 0 };
  const hostile = {
    name: new ManifestText('Eps\nremoved: {}'),
    tier: 'standard',
    domains: ['eps.example.com'],
    names: [],
    owners: [],
    federation: null,
  };
  assert.throws(
    () => serializeLock(new Map([['eps', { placement, status: 'offboarded' as const, incarnation: 1, identity: hostile }]])),
    /internal: a manifest value that must be one line .* reached the placement lock: validation was bypassed/,
  );
});

P('a damaged lock is checked by its schema: every problem at its position, all at once', () => {
  const bad = [
    'version: 3',
    'tenants:',
    '  acme: { albShard: -1, ruleSlot: 0, cacheCluster: null, group: 0, rules: 1, certificates: 1, targetGroups: 1 }',
    '  Bad_Id: { albShard: 0, ruleSlot: 9, cacheCluster: null, group: 0, rules: 1, certificates: 1, targetGroups: 1 }',
    '  globex: { albShard: 0, ruleSlot: 1, cacheCluster: x, group: 0, rules: 1, certificates: 1, extra: 1 }',
    '  x: { albShard: 0, ruleSlot: 2, cacheCluster: null, group: 0, rules: 1, certificates: 1, targetGroups: 1 }',
    '',
  ].join('\n');
  const r = checkEstate('tenants', parseSources(rawFilesFrom(SAMPLE_TENANTS), rawFile('placement.lock.yaml', bad)));
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.ok(r.diagnostics.every((d) => d.code === 'lock-file'));
  assert.equal(r.diagnostics.map(formatDiagnostic), [
    'tenants/placement.lock.yaml:1:10: version must be one of 1, 2 (got 3)\n  the lock is written by tenantc compile: restore it from version control, or delete it to place every tenant anew',
    'tenants/placement.lock.yaml:3:21: tenants.acme.albShard must be at least 0 (got -1)',
    'tenants/placement.lock.yaml:4:3: tenants: key "Bad_Id" is not allowed: must be lower-case letters and digits in segments joined by single hyphens, each segment starting with a letter (e.g. "acme", "globex-eu")',
    'tenants/placement.lock.yaml:5:11: tenants.globex: missing required key "targetGroups"',
    'tenants/placement.lock.yaml:5:53: tenants.globex.cacheCluster must be an integer or null (got "x")',
    'tenants/placement.lock.yaml:5:93: tenants.globex: unknown key "extra" (expected one of: albShard, ruleSlot, cacheCluster, group, rules, certificates, targetGroups, status, incarnation, identity)',
    'tenants/placement.lock.yaml:6:3: tenants: key "x" is not allowed: keys must be at least 2 characters long',
  ]);
});

P('past a quota, compile names the quota, the count, the limit and the fix', () => {
  const raw = rawFilesFrom(SAMPLE_TENANTS).map((f) =>
    f.name === 'platform.yaml'
      ? { ...f, bytes: Buffer.from(Buffer.from(f.bytes!).toString('utf8').replace('quotas: {}', 'quotas: { cognitoUserPools: 10 }')) }
      : f,
  );
  // The line of `quotas:` in the fixture, so that a comment added above it does not move the expectation.
  const platform = Buffer.from(raw.find((f) => f.name === 'platform.yaml')!.bytes!).toString('utf8');
  const line = platform.split('\n').findIndex((l) => l.startsWith('quotas: {')) + 1;
  assert.ok(line > 0, 'the sample declares quotas: {}');
  const r = checkEstate('tenants', parseSources(raw));
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.equal(r.diagnostics.map(formatDiagnostic), [
    `tenants/platform.yaml:${line}:29: placing 11 tenants needs 11 Cognito user pools (one per tenant), over the quota cognitoUserPools = 10 (declared; "Cognito user pools per account and Region", Amazon Cognito Developer Guide, Quotas): request an increase in Service Quotas, then declare it as quotas.cognitoUserPools in this file`,
  ]);
});

P("adding one tenant changes only its stack, its group, its shards, the root's references to them, the tenant rows, the host map and the lock", () => {
  const raw = rawFilesFrom(SAMPLE_TENANTS);
  const before = compileSources('tenants', parseSources(raw));
  assert.ok(before.ok);
  if (!before.ok) return;
  const lock = rawFile('placement.lock.yaml', before.lock);
  const newcomer = Buffer.from(raw.find((f) => f.name === 'initech.yaml')!.bytes!)
    .toString('utf8')
    .replace(/initech/g, 'newco')
    .replace('name: Initech', 'name: NewCo');
  const after = compileSources('tenants', parseSources([...raw, rawFile('newco.yaml', newcomer)], lock));
  assert.ok(after.ok);
  if (!after.ok) return;
  const a = new Map(before.files.map((f) => [f.path, f.content]));
  const b = new Map(after.files.map((f) => [f.path, f.content]));
  const changed = [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
  assert.equal(changed, [
    'assets.json',
    'groups/group-0.template.json',
    'root.template.json',
    'runtime/hosts.json',
    'shards/cache-0.template.json',
    'sql/002-tenants.sql',
    'tenants/newco.template.json',
  ]);
  // Inside the root, only the nested stacks whose templates changed.
  const ra = JSON.parse(a.get('root.template.json')!).Resources;
  const rb = JSON.parse(b.get('root.template.json')!).Resources;
  const changedResources = Object.keys(rb)
    .filter((k) => JSON.stringify(ra[k]) !== JSON.stringify(rb[k]))
    .sort();
  // The shared fleet's floor (MinSize) follows the seats on it (capacity model): NewCo
  // brings 2,800. No desired count: the live size stays the scaler's.
  assert.equal(changedResources, ['appAutoScalingGroup', 'cacheShard0Stack', 'tenantGroup0Stack']);
  // The lock gains one line and loses none.
  const lockDiff = after.lock.split('\n').filter((l) => !before.lock.split('\n').includes(l));
  assert.equal(lockDiff, ['  newco: { status: active, albShard: 0, ruleSlot: 11, cacheCluster: 0, group: 0, rules: 1, certificates: 0, targetGroups: 0 }']);
  for (const [path, content] of a) if (path.startsWith('tenants/')) assert.is(b.get(path), content, `${path} unchanged`);
});

P.run();
