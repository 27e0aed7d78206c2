// `tenantc diff` over fixture pairs: a base estate (test/fixtures/diff/base) and, per
// case, the files a pull request adds, changes (cases/<case>/head/) or deletes
// (cases/<case>/delete). Each case has golden outputs in text, markdown and JSON, with
// the --fail-on gate on every kind. A last test runs the same diff through real git.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateEstate, tenantId } from '../bench/generateEstate.ts';
import { withEstimate } from '../compiler/diff/costLine.ts';
import { compiledSide, type CompiledSide, diffEstate } from '../compiler/diff/diffEstate.ts';
import { evaluateGate, gateFails, gateFindings } from '../compiler/diff/failOn.ts';
import { restoresOf } from '../compiler/diff/restore.ts';
import { staleAllows } from '../deploy/guard.ts';
import { FAIL_ON_KINDS } from '../compiler/diff/model.ts';
import { inThreadDiffer } from '../compiler/diff/inThreadDiffer.ts';
import { COMMENT_MARKER, MARKDOWN_MAX_CHARS, renderJson, renderMarkdown, renderText } from '../compiler/diff/render.ts';
import { assertGoldenFile, compiledFrom, FIXTURES, inTempDir, listTree, runMain } from './helpers.ts';

const D = suite('diff');
const BASE = join(FIXTURES, 'diff', 'base');
const CASES = join(FIXTURES, 'diff', 'cases');

function side(dir: string, label: string): CompiledSide {
  const r = compiledFrom(dir);
  return compiledSide(label, r.plan, r.files, r.lock);
}

/** The head of a case: the base estate with the case's files laid over it and its deletions made. */
function headOf(caseDir: string, into: string): string {
  cpSync(BASE, into, { recursive: true });
  if (existsSync(join(caseDir, 'head'))) cpSync(join(caseDir, 'head'), into, { recursive: true });
  if (existsSync(join(caseDir, 'delete'))) {
    for (const name of readFileSync(join(caseDir, 'delete'), 'utf8').split('\n').filter(Boolean)) rmSync(join(into, name));
  }
  return into;
}

async function rendered(before: CompiledSide, after: CompiledSide) {
  // As runDiff does: the cost and capacity lines come with the diff (costLine.ts).
  const diff = withEstimate(await diffEstate(before, after, inThreadDiffer), before, after);
  const stacks = new Map([...before.tenants, ...after.tenants].map((t) => [t.names.stack, t.id]));
  const gate = evaluateGate(gateFindings(diff, stacks), FAIL_ON_KINDS, []);
  const capture = (fn: (out: { write(s: string): void }) => void) => {
    let s = '';
    fn({ write: (x) => (s += x) });
    return s;
  };
  return {
    diff,
    gate,
    text: capture((o) => renderText(diff, gate, o)),
    markdown: capture((o) => renderMarkdown(diff, gate, o)),
    json: capture((o) => renderJson(diff, gate, o)),
  };
}

const baseSide = side(BASE, 'main');

/** Freezes `value` and everything it holds, so a test that changed a shared result would throw. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Each case's diff against the base, computed once per process: the golden test of a
 * case and the tests of what it must show read the same result (frozen, so none can
 * change what another reads), instead of compiling and diffing the case again.
 */
const caseOutputs = new Map<string, Promise<Awaited<ReturnType<typeof rendered>>>>();
function caseOutput(name: string): Promise<Awaited<ReturnType<typeof rendered>>> {
  let out = caseOutputs.get(name);
  if (!out)
    caseOutputs.set(name, (out = inTempDir((dir) => rendered(baseSide, side(headOf(join(CASES, name), join(dir, 'tenants')), 'work tree'))).then(deepFreeze)));
  return out;
}
const cases = readdirSync(CASES)
  .filter((c) => statSync(join(CASES, c)).isDirectory() && (existsSync(join(CASES, c, 'head')) || existsSync(join(CASES, c, 'delete'))))
  .sort();

D('the fixture pairs cover what the issue asks', () => {
  assert.equal(cases, [
    'database-class-changed',
    'database-schema-renamed',
    'domain-added',
    'engine-major-upgrade',
    'engine-major-upgrade-not-allowed',
    'fleet-image-changed',
    'fleet-instance-type-changed',
    'iam-broadened',
    'identity-provider-added',
    'identity-provider-metadata-changed',
    'identity-provider-switched-to-oidc',
    'log-retention-shortened',
    'mfa-weakened',
    'new-standard-tenant',
    'offboarded-in-one-pull-request',
    'owner-changed',
    'platform-to-own-dns',
    'platform-to-own-dns-dark',
    'removed-tenant-domain-taken',
    'restored-by-another-identity',
    'restored-by-the-same-identity',
    'restored-past-an-edited-lock',
    'restored-with-another-identity-provider',
    'security-group-opened',
    'sign-in-domain-renamed',
    'standard-to-premium',
    'tenant-moved-between-groups',
    'tenant-removed',
    'tenant-statistics-shared',
    'tenant-suspended',
    'users-raised',
    'vpc-cidr-changed',
    'waf-rate-limit-raised',
  ]);
});

for (const name of cases) {
  D(`${name}: text, markdown and JSON match their goldens`, async () => {
    const out = await caseOutput(name);
    assertGoldenFile(join(CASES, name, 'expected.txt'), out.text);
    assertGoldenFile(join(CASES, name, 'expected.md'), out.markdown);
    assertGoldenFile(join(CASES, name, 'expected.json'), out.json);
  });
}

/** What each case must show, whatever the goldens say: the claims the issue makes. */
D('each case shows what the issue asks of it', async () => {
  const run = caseOutput;
  const added = await run('new-standard-tenant');
  assert.equal(
    added.diff.tenants.map((t) => `${t.id}:${t.change}`),
    ['hooli:add'],
  );
  assert.ok(
    added.diff.lock?.lines.some((l) => l.startsWith('+  hooli: ')),
    'its lock line',
  );
  assert.ok(
    added.diff.sql.some((c) => c.lines.some((l) => l.startsWith('+') && l.includes("'hooli'"))),
    'its tenant row',
  );

  // An AMI bump: each fleet that rolls, and that who published the image is proven by deploy, not here.
  const image = await run('fleet-image-changed');
  for (const shown of [image.text, image.markdown])
    assert.is(shown.split('image provenance: verified at deploy').length - 1 >= 2, true, "said for the shared fleet and for acme's");
  const premium = await run('standard-to-premium');
  // Text and markdown show a Fn::Sub with its string variables written in; JSON keeps the exact value.
  const shortArn = '{"Fn::Sub":"arn:${AWS::Partition}:elasticache:${AWS::Region}:${AWS::AccountId}:user:tessera-t-initech"}';
  const exactArn =
    '{"Fn::Sub":["arn:${AWS::Partition}:${Service}:${AWS::Region}:${AWS::AccountId}:${Resource}",{"Service":"elasticache","Resource":"user:tessera-t-initech"}]}';
  for (const shown of [premium.text, premium.markdown]) {
    assert.match(shown, shortArn);
    assert.not.match(shown, '{"Fn::Sub":["arn:${AWS::Partition}:${Service}');
  }
  assert.match(premium.json, JSON.stringify(exactArn).slice(1, -1));
  assert.not.match(premium.json, JSON.stringify(shortArn).slice(1, -1));
  const initech = premium.diff.tenants.find((t) => t.id === 'initech')!;
  assert.equal([initech.before?.tier, initech.after?.tier], ['standard', 'premium']);
  const created = initech.stack!.resources.filter((r) => r.change === 'add').map((r) => r.type);
  assert.ok(
    created.includes('AWS::AutoScaling::AutoScalingGroup') && created.includes('AWS::ElastiCache::ReplicationGroup'),
    'dedicated fleet and cache appear',
  );
  const cacheShard = premium.diff.estate.find((s) => s.template === 'shards/cache-0.template.json')!;
  assert.ok(
    cacheShard.resources.some((r) => r.paths.some((p) => p.removed?.includes('"tessera-t-initech"'))),
    'its shared-cache user leaves the shared user group',
  );

  const renamed = await run('sign-in-domain-renamed');
  const replaced = renamed.diff.tenants[0]!.stack!.resources.filter((r) => r.impact === 'replace').map((r) => r.logicalId);
  assert.ok(replaced.includes('tenantUserPoolDomain') && replaced.includes('tenantCertificate'), replaced.join(', '));
  assert.ok(renamed.gate.blocking.some((f) => f.kind === 'replacement'));

  const removed = await run('tenant-removed');
  assert.equal(
    removed.diff.tenants.map((t) => `${t.id}:${t.change}`),
    ['globex:remove'],
  );
  const stateful = removed.gate.blocking.filter((f) => f.kind === 'stateful').map((f) => f.logicalId);
  assert.ok(stateful.includes('tenantUserPool') && stateful.includes('tenantLogGroup') && stateful.includes('tenantSecret'), stateful.join(', '));
  assert.ok(
    removed.gate.blocking.some((f) => f.kind === 'removal' && f.tenant === 'globex' && f.logicalId === 'tenantGlobexStack'),
    'its nested stack in the group belongs to it',
  );

  assert.ok((await run('iam-broadened')).gate.blocking.some((f) => f.kind === 'broadening' && f.description.includes('IAM allow added')));
  assert.ok((await run('security-group-opened')).gate.blocking.some((f) => f.kind === 'broadening' && /ingress rule added: .* TCP 8443/.test(f.description)));
});

/** The kinds of the blocking findings of a case, with every kind on. */
const blockingKinds = (out: Awaited<ReturnType<typeof rendered>>) => [...new Set(out.gate.blocking.map((f) => f.kind))].sort();

D('each risk case fails the --fail-on kind it must, and says why', async () => {
  const run = caseOutput;

  const retention = await run('log-retention-shortened');
  assert.equal(blockingKinds(retention), ['data-loss']);
  assert.match(retention.text, 'DATA LOSS: RetentionInDays 731 → 1: CloudWatch Logs deletes the events older than the new retention');

  // F1: who a tenant's user pool trusts to sign its users in, and where its codes may go.
  const metadata = await run('identity-provider-metadata-changed');
  assert.equal(blockingKinds(metadata), ['broadening']);
  assert.match(metadata.text, 'BROADENS: ProviderType, ProviderDetails, AttributeMapping');
  assert.match(metadata.text, 'acme-okta.example.net');
  // Added to a stack that exists: the entry applies to additions (onAdd), and only there.
  const added = await run('identity-provider-added');
  assert.ok(blockingKinds(added).includes('broadening'));
  assert.equal(
    added.gate.blocking.filter((f) => f.kind === 'broadening' && f.logicalId !== null).map((f) => f.logicalId),
    ['tenantIdentityProvider', 'tenantUserPoolClient'],
  );
  assert.match(added.text, 'BROADENS: ProviderType, ProviderDetails, AttributeMapping (set) {"type":"OIDC"');
  const newTenant = await run('new-standard-tenant');
  assert.not.ok(blockingKinds(newTenant).includes('broadening'), "a new tenant's own client and callbacks are its review, not a widening");
  const oidc = await run('identity-provider-switched-to-oidc');
  assert.equal(blockingKinds(oidc), ['broadening', 'replacement']);
  assert.match(oidc.text, 'BROADENS: SupportedIdentityProviders ["COGNITO","AcmeOkta"] → ["COGNITO","AcmeEntra"]');
  const domain = await run('domain-added');
  assert.equal(
    domain.gate.blocking.map((f) => `${f.kind} ${f.description.split(' ').slice(1, 3).join(' ')}`),
    ['broadening tenantUserPoolClient (AWS::Cognito::UserPoolClient)', 'broadening tenantUserPoolClient (AWS::Cognito::UserPoolClient)'],
    'a new callback and logout URL: the domain is where sign-ins go',
  );
  const rate = await run('waf-rate-limit-raised');
  assert.equal(blockingKinds(rate), ['weakening']);
  assert.match(rate.text, 'RateBasedStatement.Limit 2000 → 20000');

  // F4: what no template shows, from the manifest risk table.
  const stats = await run('tenant-statistics-shared');
  assert.equal(blockingKinds(stats), ['weakening']);
  assert.equal(
    stats.gate.blocking.map((f) => [f.template, f.logicalId]),
    [['platform', 'databaseTenantStatistics']],
  );
  // The mutation: without the manifest risk table the change passes every gate (no
  // template changes; the SQL diff is all a reviewer had).
  const stacksOf = new Map(baseSide.tenants.map((t) => [t.names.stack, t.id]));
  assert.equal(evaluateGate(gateFindings({ ...stats.diff, manifestRisks: undefined }, stacksOf), FAIL_ON_KINDS, []).blocking, []);
  const schema = await run('database-schema-renamed');
  assert.equal(blockingKinds(schema), ['data-loss']);
  assert.match(schema.text, 'platform database.schema "app" → "application": DATA LOSS');
  const suspended = await run('tenant-suspended');
  assert.equal(blockingKinds(suspended), ['interruption']);
  assert.equal(
    suspended.gate.blocking.map((f) => f.tenant),
    ['umbrella'],
  );
  const moved = await run('tenant-moved-between-groups');
  assert.equal(blockingKinds(moved), ['removal', 'stateful']);
  assert.equal(
    moved.gate.blocking.filter((f) => f.kind === 'stateful').map((f) => `${f.tenant} ${f.logicalId}`),
    ['umbrella tenantUserPool', 'umbrella tenantLogGroup', 'umbrella tenantSecret'],
  );
  assert.match(moved.text, "tenant umbrella's stack moves from group 0 to group 1");
  // The mutation: without the group check, only the nested stack's removal is seen, which
  // an allow of removal for the shared group template would let through without a word on data.
  const unmoved = evaluateGate(gateFindings({ ...moved.diff, stranded: [] }, stacksOf), FAIL_ON_KINDS, []);
  assert.equal([...new Set(unmoved.blocking.map((f) => f.kind))], ['removal']);
  const owner = await run('owner-changed');
  assert.equal(blockingKinds(owner), [], 'shown, not gated: no kind says who may approve');
  assert.match(owner.text, 'contacts +owner Milton Waddams <milton@initech-billing.example>, -owner Bill Lumbergh <bill@initech.com>: its owners change');
  assert.match(owner.markdown, 'Milton Waddams');

  const mfa = await run('mfa-weakened');
  assert.equal(blockingKinds(mfa), ['weakening']);
  assert.match(mfa.text, 'WEAKENS: MfaConfiguration "ON" → "OPTIONAL"');

  const dbClass = await run('database-class-changed');
  assert.equal(blockingKinds(dbClass), ['interruption']);
  assert.match(
    dbClass.text,
    'readers first (platformDatabaseInstance2), then the writer platformDatabaseInstance1: each waits for the one before it (DependsOn)',
  );

  const upgrade = await run('engine-major-upgrade');
  assert.equal(upgrade.diff.lifecycle, []);
  assert.ok(blockingKinds(upgrade).includes('interruption'));
  const cluster = upgrade.diff.estate.flatMap((s) => s.resources).find((r) => r.logicalId === 'platformDatabaseCluster')!;
  assert.ok(
    cluster.paths.some((p) => p.path === 'Properties.AllowMajorVersionUpgrade' && p.to === 'true'),
    'the cluster allows the major upgrade',
  );
  const families = upgrade.diff.estate.flatMap((s) => s.resources).filter((r) => r.type.endsWith('ParameterGroup'));
  assert.ok(families.length === 2 && families.every((r) => r.impact === 'replace'), 'both parameter groups move to the new family (replaced)');
  const refused = await run('engine-major-upgrade-not-allowed');
  assert.equal(refused.diff.lifecycle.length, 1);
  assert.match(refused.text, 'is a major upgrade');
  assert.match(refused.text, 'database.allowMajorUpgrade: true');

  const fleet = await run('fleet-instance-type-changed');
  assert.equal(blockingKinds(fleet), ['interruption']);
  assert.match(fleet.text, /the shared fleet \(at least \d+ instances\) is replaced in batches of \d+, keeping 3 in service/);
  assert.match(fleet.text, "tenant acme's fleet (2–12 instances) is replaced in batches of 1, keeping 1 in service");

  const users = await run('users-raised');
  assert.equal(blockingKinds(users), []);
  assert.match(users.text, /shared fleet .*MinSize 4 → 12, MaxSize 8 → 24: tenant initech users 2800 → 9999/);
  assert.ok(
    users.diff.tenants.some((t) => t.id === 'initech'),
    'the tenant that caused it has its row',
  );

  const vpc = await run('vpc-cidr-changed');
  const strandedIds = vpc.gate.blocking.filter((f) => f.kind === 'stateful').map((f) => f.logicalId);
  for (const id of ['platformDatabaseCluster', 'platformDatabaseInstance1', 'replicationGroup', 'tenantCacheCluster'])
    assert.ok(strandedIds.includes(id), `${id} must move with its VPC: ${strandedIds.join(', ')}`);
});

D('lifecycle shortcuts against the base block diff whatever --fail-on says, with no override', async () => {
  const run = caseOutput;
  const offboard = await run('offboarded-in-one-pull-request');
  assert.equal(
    offboard.diff.lifecycle.map((l) => l.tenant),
    ['umbrella'],
  );
  assert.match(offboard.diff.lifecycle[0]!.message, 'first set `status: offboarded`');
  assert.match(offboard.diff.lifecycle[0]!.message, 'then delete the file');
  const dark = await run('platform-to-own-dns-dark');
  assert.equal(
    dark.diff.lifecycle.map((l) => l.tenant),
    ['initech'],
  );
  assert.match(dark.diff.lifecycle[0]!.message, 'dns.platformDomain: initech.tessera.app');
  // With its platform host kept, the move serves the tenant as before: nothing removed or replaced.
  const move = await run('platform-to-own-dns');
  assert.equal(move.diff.lifecycle, []);
  assert.equal(move.gate.blocking, []);
  assert.ok(
    move.diff.estate.some((s) => s.template === 'domains/initech.template.json' && s.change === 'add'),
    'its domain stage is added',
  );
  await inTempDir(async (repo) => {
    git(repo, 'init', '-q', '-b', 'main');
    cpSync(BASE, join(repo, 'tenants'), { recursive: true });
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    headOf(join(CASES, 'offboarded-in-one-pull-request'), join(repo, 'tenants'));
    const noGate = await runMain(['diff', '--base', 'main'], repo);
    assert.is(noGate.status, 1, 'blocked without --fail-on');
    assert.match(noGate.stdout, 'Lifecycle errors');
  });
});

D('restore by another identity: a finding of its own kind, flagged, with what it hands over; only restore tenant:<id> lets it through', async () => {
  const run = caseOutput;
  const other = await run('restored-by-another-identity');
  assert.is(other.diff.restores.length, 1);
  const r = other.diff.restores[0]!;
  assert.equal([r.tenant, r.from, r.removedOn, r.removedIncarnation, r.incarnation], ['vandelay', 'removed', '2026-10-01', 1, 2]);
  assert.equal(r.differs, ['name', 'owners']);
  assert.is(r.removed?.name, 'Vandelay Industries', "who had the id: the base's lock");
  assert.equal(r.now.owners, [{ name: 'Kel Varnsen', email: 'kel@varnsen.example' }]);
  assert.equal(r.handover, {
    s3Prefix: 'tenants/vandelay/',
    secretPath: '/tessera/tenants/vandelay/',
    retainedSecret: '/tessera/tenants/vandelay/app-credentials',
    rows: { schema: 'app', tables: ['projects', 'documents', 'comments', 'invoices', 'audit_events'] },
  });
  assert.equal(blockingKinds(other), ['restore'], 'the restore is the finding: adding a tenant is otherwise unremarkable');
  assert.match(other.text, 'by a DIFFERENT identity (name, owners differ)');
  assert.match(other.markdown, 'by a DIFFERENT identity (name, owners differ)');
  const stacks = new Map([...baseSide.tenants].map((t) => [t.names.stack, t.id]));
  const findings = gateFindings(other.diff, stacks);
  const reason = 'Kel Varnsen bought Vandelay Industries: contract CHG-9, signed by Art Vandelay';
  const allow = (kind: 'restore' | 'removal' | 'stateful') => ({ kind, target: { scope: 'tenant' as const, tenant: 'vandelay', logicalId: null }, reason });
  assert.equal(
    evaluateGate(findings, FAIL_ON_KINDS, [allow('removal'), allow('stateful')]).blocking.map((f) => `${f.kind} ${f.tenant}`),
    ['restore vandelay'],
    'no other kind allows a restore',
  );
  const allowed = evaluateGate(findings, FAIL_ON_KINDS, [allow('restore')]);
  assert.equal(allowed.blocking, []);
  assert.is(allowed.allowed[0]!.finding.kind, 'restore');
  assert.equal(
    evaluateGate(findings, ['replacement', 'removal', 'stateful'], []).blocking,
    [],
    'a gate that does not name restore lets it through: the workflow names it',
  );

  const same = await run('restored-by-the-same-identity');
  assert.equal(
    same.diff.restores.map((x) => x.differs),
    [[]],
  );
  assert.equal(blockingKinds(same), ['restore'], 'the same identity is still a restore: restoredFrom proves only that its author read the lock');
  assert.match(same.text, 'by the same identity (name, owners, domains, tier and sign-in as removed)');
  assert.match(same.text, 'signs in through: its user pool only (no federation)');
});

D("a removed tenant's domain given to another tenant (takesDomainsFrom): a finding of kind handover on the taker, read against the base's lock", async () => {
  const taken = await inTempDir((dir) => rendered(baseSide, side(headOf(join(CASES, 'removed-tenant-domain-taken'), join(dir, 'tenants')), 'work tree')));
  assert.equal(taken.diff.domainHandovers, [{ tenant: 'newco', domain: 'vandelay.tessera.app', from: 'vandelay', removedOn: '2026-10-01' }]);
  assert.equal(taken.diff.restores, [], 'not a restore of an id: newco is new');
  assert.equal(
    taken.gate.blocking.map((f) => `${f.kind} ${f.tenant}: ${f.description}`),
    [
      "handover newco: newco takes vandelay.tessera.app, a domain of vandelay (removed on 2026-10-01): whatever still calls it (vandelay's webhooks, API clients, emailed links) reaches newco",
    ],
  );
  for (const shown of [taken.text, taken.markdown]) assert.match(shown, 'newco takes vandelay.tessera.app, a domain of vandelay (removed on 2026-10-01)');
  const stacks = new Map([...baseSide.tenants].map((t) => [t.names.stack, t.id]));
  const allowOf = (kind: 'handover' | 'restore') => ({
    kind,
    target: { scope: 'tenant' as const, tenant: 'newco', logicalId: null },
    reason: 'vandelay.tessera.app transferred to Newco: CHG-12',
  });
  const allow = allowOf('handover');
  const gate = evaluateGate(gateFindings(taken.diff, stacks), FAIL_ON_KINDS, [allow]);
  assert.equal([gate.blocking, gate.unused], [[], []], 'handover tenant:<taker> allows it');
  // And deploy, which has no check of its own for it, never refuses that allow as stale.
  // A `restore` allow (the kind this finding had first) names deploy's restore check,
  // which finds no restore in a new tenant: deploy refused it as stale (exit 3).
  assert.equal(staleAllows([allow], []), [], 'deploy: not stale');
  assert.equal(staleAllows([allowOf('restore')], []).length, 1, 'a restore allow would be');
  // The head's lock edited to forget the domain: the base's lock decides (and the edit is a lifecycle error).
  const forgot = await inTempDir((dir) =>
    rendered(
      baseSide,
      editedHead(
        dir,
        { 'newco.yaml': readFileSync(join(CASES, 'removed-tenant-domain-taken', 'head', 'newco.yaml'), 'utf8').replace(/^takesDomainsFrom.*\n/m, '') },
        (t) => t.replace('domains: ["vandelay.tessera.app"], owners: [{ name: "Art', 'domains: [], owners: [{ name: "Art'),
      ),
    ),
  );
  assert.equal(
    forgot.diff.domainHandovers?.map((h) => h.domain),
    ['vandelay.tessera.app'],
  );
  assert.match(forgot.diff.lifecycle.map((l) => l.message).join('\n'), 'changes removed.vandelay');
});

// Sign-in is part of who the tenant is: whoever its IdP lets in reads what the restore
// hands over. The removed vandelay as the probe found it: premium, no federation.
const premiumRemoval = (t: string) => t.replace('tier: "standard", domains: ["vandelay.tessera.app"]', 'tier: "premium", domains: ["vandelay.tessera.app"]');
const ATTACKER_IDP = 'https://idp.attacker.example/metadata';
const restoredWithIdp = readFileSync(join(CASES, 'restored-with-another-identity-provider', 'head', 'vandelay.yaml'), 'utf8');

D('restore with another identity provider: a DIFFERENT identity (sign-in), the IdP shown in text and markdown; the same IdP is the same identity', async () => {
  const restore = (baseLock: (t: string) => string, head: string) =>
    inTempDir((dir) => rendered(editedHead(join(dir, 'b'), {}, baseLock), editedHead(join(dir, 'h'), { 'vandelay.yaml': head }, baseLock)));

  // The probe: name, owners, domains and tier as removed; only the IdP is new.
  const probe = await restore(premiumRemoval, restoredWithIdp);
  assert.equal(
    probe.diff.restores.map((x) => [x.tenant, x.differs]),
    [['vandelay', ['sign-in']]],
    'mutation: without sign-in in the identity this is "the same identity"',
  );
  assert.equal(probe.diff.restores[0]!.now.federation, { protocol: 'saml', metadataUrl: ATTACKER_IDP });
  for (const shown of [probe.text, probe.markdown]) {
    assert.match(shown, 'comes back (incarnation 1 → 2) by a DIFFERENT identity (sign-in differs)');
    assert.match(shown, 'signs in through: its user pool only (no federation)');
    assert.match(shown, `signs in through: SAML identity provider, metadata ${ATTACKER_IDP}`);
    assert.not.match(shown, 'by the same identity');
  }
  assert.equal(blockingKinds(probe), ['restore']);

  // The same IdP as removed: the same identity (still a restore finding).
  const sameIdp = (t: string) =>
    premiumRemoval(t).replace(
      /(identity: \{ name: "Vandelay[^\n]*), federation: null \} \}/,
      `$1, federation: { protocol: "saml", metadataUrl: "${ATTACKER_IDP}" } } }`,
    );
  const same = await restore(sameIdp, restoredWithIdp);
  assert.equal(
    same.diff.restores.map((x) => x.differs),
    [[]],
  );
  assert.match(same.text, 'by the same identity (name, owners, domains, tier and sign-in as removed)');
  // Another SAML URL, an OIDC client in its place, or none at all: each another sign-in.
  for (const head of [
    restoredWithIdp.replace(ATTACKER_IDP, 'https://idp.attacker.example/metadata2'),
    restoredWithIdp.replace(
      / {4}protocol: saml\n.*\n.*metadataUrl: .*\n/,
      '    protocol: oidc\n    providerName: VandelayIdP\n    issuer: https://idp.attacker.example/metadata\n    clientId: vandelay\n',
    ),
    restoredWithIdp.replace(/ {2}federation:\n(?: {4}.*\n)+/, ''),
  ]) {
    const other = await restore(sameIdp, head);
    assert.equal(
      other.diff.restores.map((x) => x.differs),
      [['sign-in']],
      head,
    );
  }
});

D('restore of a removal whose lock kept no sign-in (written before tenantc kept it): a DIFFERENT identity, said why', async () => {
  const sameIdentity = readFileSync(join(CASES, 'restored-by-the-same-identity', 'head', 'vandelay.yaml'), 'utf8');
  const noSignIn = (t: string) => t.replace(/(identity: \{ name: "Vandelay[^\n]*), federation: null \} \}/, '$1 } }');
  const old = await inTempDir((dir) =>
    rendered(editedHead(join(dir, 'b'), {}, noSignIn), editedHead(join(dir, 'h'), { 'vandelay.yaml': sameIdentity }, noSignIn)),
  );
  assert.equal(
    old.diff.restores.map((x) => [x.removed?.federation, x.differs]),
    [['not recorded', ['sign-in']]],
    'unknown is never the same: the reviewer must not read a stranger IdP as the customer who left',
  );
  assert.equal(old.diff.lifecycle, [], 'an old removed entry is read as it is: no lifecycle error');
  assert.match(old.text, "by a DIFFERENT identity (sign-in differs: the base's lock did not record how vandelay signed in)");
  assert.match(
    old.text,
    'removed: name "Vandelay Industries", tier standard, domains vandelay.tessera.app, owners Art Vandelay <art@vandelay.example>, signs in through: not recorded',
  );
});

/** The base with `files` laid over it (null: deleted) and its lock rewritten by `lock`, compiled as the head. */
function editedHead(dir: string, files: Readonly<Record<string, string | null>>, lock: (text: string) => string = (t) => t): CompiledSide {
  const into = join(dir, 'tenants');
  cpSync(BASE, into, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) rmSync(join(into, name));
    else writeFileSync(join(into, name), text);
  }
  const lockPath = join(into, 'placement.lock.yaml');
  writeFileSync(lockPath, lock(readFileSync(lockPath, 'utf8')));
  return side(into, 'work tree');
}

const newcomer = readFileSync(join(CASES, 'restored-past-an-edited-lock', 'head', 'vandelay.yaml'), 'utf8');
const restoring = readFileSync(join(CASES, 'restored-by-another-identity', 'head', 'vandelay.yaml'), 'utf8');

D("restore: the base's lock decides, whatever the pull request does to the lock it commits", async () => {
  const diffOf = (files: Readonly<Record<string, string | null>>, lock?: (t: string) => string) =>
    inTempDir(async (dir) => {
      const head = editedHead(dir, files, lock);
      return { head, out: await rendered(baseSide, head) };
    });

  // The removed entry dropped, and the id taken without restoredFrom: the head compiles.
  const dropped = await diffOf({ 'vandelay.yaml': newcomer }, (t) => t.replace(/\nremoved:\n(?: {2}.*\n)+/, '\n'));
  assert.is(dropped.head.plan!.tenants.find((t) => t.id === 'vandelay')!.lifecycle.incarnation, 1, 'the head alone sees a new tenant');
  assert.equal(restoresOf(dropped.head.plan, dropped.head.plan), [], "mutation: read from the head's own lock, the restore would not show");
  assert.equal(
    dropped.out.diff.restores.map((x) => [x.tenant, x.differs]),
    [['vandelay', ['name', 'owners']]],
  );
  assert.match(dropped.out.diff.lifecycle.map((l) => l.message).join('\n'), 'the lock at work tree does not record that removal');

  // The removed identity rewritten to the newcomer's: compared with the base's all the same.
  const rewritten = await diffOf({ 'vandelay.yaml': restoring }, (t) =>
    t
      .replace('"Vandelay Industries"', '"Vandelay Imports"')
      .replace('{ name: "Art Vandelay", email: "art@vandelay.example" }', '{ name: "Kel Varnsen", email: "kel@varnsen.example" }'),
  );
  assert.equal(
    rewritten.out.diff.restores.map((x) => [x.removed?.name, x.differs]),
    [['Vandelay Industries', ['name', 'owners']]],
  );

  // The first of two pull requests: the entry dropped, nothing else. Blocked, no override.
  const released = await diffOf({}, (t) => t.replace(/\nremoved:\n(?: {2}.*\n)+/, '\n'));
  assert.equal(released.out.diff.restores, []);
  assert.equal(
    released.out.diff.lifecycle.map((l) => l.tenant),
    ['vandelay'],
  );
  assert.match(released.out.diff.lifecycle[0]!.message, 'drops removed.vandelay (removed on 2026-10-01 at main): a removed id is never released');

  // Its day, or its identity, edited.
  for (const edit of [
    (t: string) => t.replace('removed: "2026-10-01"', 'removed: "2026-10-02"'),
    (t: string) => t.replace(/, identity: \{ name: "Vandelay[^\n]*\} \}/, ' }'),
  ]) {
    const edited = await diffOf({}, edit);
    assert.is(edited.head.lock!.includes('vandelay'), true);
    assert.match(edited.out.diff.lifecycle.map((l) => l.message).join('\n'), 'changes removed.vandelay');
  }

  // A removal whose identity the same pull request rewrites: a later restore would be compared with the lie.
  const lie = await diffOf({ 'globex.yaml': null }, (t) => t.replace('"Globex Corporation"', '"Kel Varnsen Holdings"'));
  assert.match(
    lie.out.diff.lifecycle.map((l) => l.message).join('\n'),
    'records the removal of globex as someone it is not at main (its name, against tenants/globex.yaml)',
  );
  const nobody = await diffOf({ 'globex.yaml': null }, (t) => t.replace(/, identity: \{ name: "Globex Corporation"[^\n]*federation: null \}/, ''));
  assert.match(nobody.out.diff.lifecycle.map((l) => l.message).join('\n'), 'globex is removed at work tree without who it was');
  // Its sign-in rewritten on the way out, or missing (an offboarded line from before sign-in was kept).
  const otherIdp = await diffOf({ 'globex.yaml': null }, (t) =>
    t.replace(/(globex: \{[^\n]*), federation: null \} \}/, `$1, federation: { protocol: "saml", metadataUrl: "${ATTACKER_IDP}" } } }`),
  );
  assert.match(
    otherIdp.out.diff.lifecycle.map((l) => l.message).join('\n'),
    'records the removal of globex as someone it is not at main (its sign-in, against tenants/globex.yaml)',
  );
  const noSignIn = await diffOf({ 'globex.yaml': null }, (t) => t.replace(/(globex: \{[^\n]*), federation: null \} \}/, '$1 } }'));
  assert.match(noSignIn.out.diff.lifecycle.map((l) => l.message).join('\n'), 'globex is removed at work tree without how it signed in');
  const honest = await diffOf({ 'globex.yaml': null });
  assert.equal(honest.out.diff.lifecycle, [], 'the removal compile writes is accepted');

  // A removal recorded before identities were kept: still a restore, said to be uncomparable.
  const stripped = (t: string) => t.replace(/, identity: \{ name: "Vandelay[^\n]*\} \}/, ' }');
  const unknown = await inTempDir((dir) =>
    rendered(editedHead(join(dir, 'b'), {}, stripped), editedHead(join(dir, 'h'), { 'vandelay.yaml': restoring }, stripped)),
  );
  assert.equal(
    unknown.diff.restores.map((x) => [x.tenant, x.removed, x.differs]),
    [['vandelay', null, null]],
  );
  assert.equal(unknown.diff.lifecycle, []);
  assert.match(unknown.text, "by an identity no one can compare: the base's lock recorded none");
  assert.match(unknown.text, 'removed: not recorded');

  // An offboarded tenant's manifest rewritten to someone else: the same hand-over, without a removal.
  const globex = readFileSync(join(BASE, 'globex.yaml'), 'utf8');
  const takenOver = await diffOf({
    'globex.yaml': globex.replace('name: Globex Corporation', 'name: Globex Holdings').replace('status: offboarded', 'status: active'),
  });
  assert.equal(
    takenOver.out.diff.restores.map((x) => [x.tenant, x.from, x.removed?.name, x.differs]),
    [['globex', 'offboarded', 'Globex Corporation', ['name']]],
  );
  assert.ok(blockingKinds(takenOver.out).includes('restore'), blockingKinds(takenOver.out).join(', '));
  assert.match(takenOver.out.text, 'globex, offboarded (its data kept for the customer that left), is taken over by a DIFFERENT identity (name differs)');
  const renamedWhileOffboarded = await diffOf({ 'globex.yaml': globex.replace('hank@globex.io', 'kel@varnsen.example') });
  assert.equal(
    renamedWhileOffboarded.out.diff.restores.map((x) => [x.tenant, x.differs]),
    [['globex', ['owners']]],
    'the first of two pull requests (the owner changed while offboarded, reactivated later) is the finding',
  );
  const resumed = await diffOf({ 'globex.yaml': globex.replace('status: offboarded', 'status: active') });
  assert.equal(resumed.out.diff.restores, [], 'the same customer back from offboarding is a resume');

  // An incarnation changed by hand: the names of what the tenant keeps would change.
  const bumped = await diffOf({}, (t) => t.replace(/(initech: \{[^\n]*targetGroups: 0) \}/, '$1, incarnation: 2 }'));
  assert.match(
    bumped.out.diff.lifecycle.map((l) => l.message).join('\n'),
    'initech is incarnation 1 at main and 2 at work tree: only a restore changes an incarnation',
  );
});

D('an override with a reason lets a finding through, and the output shows the override', async () => {
  const out = await inTempDir(async (dir) => {
    const before = baseSide;
    const after = side(headOf(join(CASES, 'tenant-removed'), join(dir, 'tenants')), 'work tree');
    const diff = await diffEstate(before, after, inThreadDiffer);
    const stacks = new Map([...before.tenants, ...after.tenants].map((t) => [t.names.stack, t.id]));
    const findings = gateFindings(diff, stacks);
    const reason = 'contract ended 2026-10-31, export delivered (OPS-12)';
    const gate = evaluateGate(
      findings,
      ['removal', 'stateful'],
      [
        { kind: 'removal', target: { scope: 'tenant', tenant: 'globex', logicalId: null }, reason },
        { kind: 'stateful', target: { scope: 'tenant', tenant: 'globex', logicalId: null }, reason },
      ],
    );
    let text = '';
    renderText(diff, gate, { write: (s) => (text += s) });
    return { gate, text, reason };
  });
  assert.equal(out.gate.blocking, []);
  assert.ok(out.gate.allowed.length > 0);
  assert.match(out.text, `allowed by override "removal tenant:globex: ${out.reason}"`);
});

D(
  'an allow that matches no finding of the change fails the gate, naming the allow; one of a kind the gate does not refuse but that matches is used',
  async () => {
    const out = await inTempDir(async (dir) => {
      const after = side(headOf(join(CASES, 'tenant-removed'), join(dir, 'tenants')), 'work tree');
      const diff = await diffEstate(baseSide, after, inThreadDiffer);
      const stacks = new Map([...baseSide.tenants, ...after.tenants].map((t) => [t.names.stack, t.id]));
      return { diff, findings: gateFindings(diff, stacks) };
    });
    const reason = 'contract ended 2026-10-31, export delivered (OPS-12)';
    const on = (kind: 'removal' | 'stateful' | 'replacement' | 'lifecycle', tenant: string) => ({
      kind,
      target: { scope: 'tenant' as const, tenant, logicalId: null },
      reason,
    });
    const needed = [on('removal', 'globex'), on('stateful', 'globex')];
    assert.not.ok(gateFails(evaluateGate(out.findings, ['removal', 'stateful'], needed)), 'the allows the change needs pass');
    // A stale allow: written for acme, which this change does not touch. Kept, it would
    // approve a later replacement of acme's without anyone reading it.
    const stale = on('replacement', 'acme');
    const gate = evaluateGate(out.findings, ['removal', 'stateful'], [...needed, stale]);
    assert.equal(gate.blocking, []);
    assert.equal(gate.unused, [stale]);
    assert.ok(gateFails(gate), 'an unused allow fails the gate');
    let text = '';
    renderText(out.diff, gate, { write: (s) => (text += s) });
    assert.match(text, '1 override matches no finding of this change and blocks it');
    assert.match(text, `unused override: "tenantc-allow: replacement tenant:acme: ${reason}" matches no finding of this change`);
    // Matching a finding whose kind --fail-on does not name is matching: deploy reads the
    // same lines, and its guard refuses the removal unless this allow is there.
    assert.equal(evaluateGate(out.findings, ['stateful'], needed).unused, []);
    // A lifecycle allow is deploy's: it means something only for a tenant that leaves the output.
    assert.equal(evaluateGate(out.findings, ['removal', 'stateful'], [...needed, on('lifecycle', 'globex')]).unused, []);
    assert.equal(evaluateGate(out.findings, ['removal', 'stateful'], [...needed, on('lifecycle', 'acme')]).unused.length, 1);
  },
);

D('a change touching 300 tenants: one row per distinct change, the one risky tenant first and whole, under the size limit', async () => {
  const risky = tenantId(150);
  const out = await inTempDir((dir) => {
    generateEstate(join(dir, 'base'), 300, join(FIXTURES, 'platform.yaml'));
    const before = side(join(dir, 'base'), 'main');
    cpSync(join(dir, 'base'), join(dir, 'head'), { recursive: true });
    // The standard tier's log retention doubles: every standard tenant's log group changes
    // (longer retention deletes nothing). One tenant's retention drops to a day: data loss.
    const platform = join(dir, 'head', 'platform.yaml');
    writeFileSync(platform, readFileSync(platform, 'utf8').replace(/(standard:[\s\S]*?logRetentionDays: )90/, '$1180'));
    const file = join(dir, 'head', `${risky}.yaml`);
    writeFileSync(file, `${readFileSync(file, 'utf8')}logs:\n  retentionDays: 1\n`);
    return rendered(before, side(join(dir, 'head'), 'work tree'));
  });
  assert.ok(out.diff.tenants.length >= 280, `${out.diff.tenants.length} tenants changed`);
  assert.ok(out.markdown.length <= MARKDOWN_MAX_CHARS, `${out.markdown.length} characters`);
  assert.ok(out.markdown.startsWith(COMMENT_MARKER));
  const table = out.markdown.split('\n').filter((l) => l.startsWith('| '));
  assert.ok(table[2]!.includes(`\`${risky}\``) && table[2]!.includes('at risk'), `the risky tenant's row comes first: ${table[2]}`);
  assert.ok(table.length < 10, `identical changes share a row: ${table.length} rows`);
  for (const t of out.diff.tenants)
    assert.ok(
      table.some((row) => row.includes(`\`${t.id}\``)),
      `${t.id} is named in the table`,
    );
  // Its risk, in the risk list and in its details, which come before any other tenant's.
  assert.match(out.markdown, `DATA LOSS: RetentionInDays 90 → 1`);
  const firstDetails = out.markdown.indexOf('<summary><code>');
  assert.is(out.markdown.indexOf(`<summary><code>${risky}</code>`), firstDetails, 'its details are the first tenant section');
  assert.not.match(out.markdown.slice(firstDetails, out.markdown.indexOf('</details>', firstDetails)), 'risky resources only');
  assert.match(out.markdown, /sections? not shown whole to stay under GitHub's comment size limit/);
  // JSON is the whole model: no value cut.
  const json = JSON.parse(out.json) as { tenants: { stack: { resources: { paths: { from?: string; to?: string }[] }[] } | null }[] };
  const values = json.tenants.flatMap((t) => t.stack?.resources.flatMap((r) => r.paths.flatMap((p) => [p.from, p.to])) ?? []);
  assert.ok(values.length > 0 && values.every((v) => v === undefined || !v.endsWith('…')), 'no value in JSON ends with an ellipsis');
  assertGoldenFile(join(CASES, '300-tenants', 'expected.md'), out.markdown);
});

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

D('against real git history: base from git objects, head from the work tree or a ref; the work tree and out/ untouched', async () => {
  await inTempDir(async (repo) => {
    git(repo, 'init', '-q', '-b', 'main');
    cpSync(BASE, join(repo, 'tenants'), { recursive: true });
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    git(repo, 'checkout', '-qb', 'feature');
    headOf(join(CASES, 'new-standard-tenant'), join(repo, 'tenants'));
    // An out/ from an earlier compile must not be touched by diff.
    assert.is((await runMain(['compile', '--tenants', join(repo, 'tenants'), '--out', join(repo, 'out')], repo)).status, 0);
    const outBefore = listTree(join(repo, 'out')).map((p) => `${p}:${statSync(join(repo, 'out', p)).mtimeMs}`);
    const statusBefore = git(repo, 'status', '--porcelain');
    const worktree = await runMain(['diff', '--base', 'main', '--tenants', 'tenants', '--fail-on', FAIL_ON_KINDS.join(',')], repo);
    assert.is(worktree.status, 0, worktree.stderr);
    assert.fixture(worktree.stdout, readFileSync(join(CASES, 'new-standard-tenant', 'expected.txt'), 'utf8'));
    assert.is(git(repo, 'status', '--porcelain'), statusBefore, 'the work tree and index are untouched');
    assert.equal(
      listTree(join(repo, 'out')).map((p) => `${p}:${statSync(join(repo, 'out', p)).mtimeMs}`),
      outBefore,
      'out/ is untouched',
    );
    git(repo, 'add', 'tenants');
    git(repo, 'commit', '-qm', 'add hooli');
    rmSync(join(repo, 'tenants'), { recursive: true });
    const refs = await runMain(['diff', '--base', 'main', '--head', 'feature', '--tenants', 'tenants', '--fail-on', FAIL_ON_KINDS.join(',')], repo);
    assert.is(refs.status, 0, refs.stderr);
    assert.fixture(refs.stdout, readFileSync(join(CASES, 'new-standard-tenant', 'expected.txt'), 'utf8').replace('main → work tree', 'main → feature'));
    const bad = await runMain(['diff', '--base', 'no-such-ref', '--head', 'feature'], repo);
    assert.is(bad.status, 2);
    assert.match(bad.stderr, 'no-such-ref');
  });
});

D('--fail-on restore: exit 1 naming the restore; restore tenant:<id> with a reason exits 0; any other target is a usage error', async () => {
  await inTempDir(async (repo) => {
    git(repo, 'init', '-q', '-b', 'main');
    cpSync(BASE, join(repo, 'tenants'), { recursive: true });
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    headOf(join(CASES, 'restored-by-another-identity'), join(repo, 'tenants'));
    const blocked = await runMain(['diff', '--base', 'main', '--fail-on', 'restore'], repo);
    assert.is(blocked.status, 1, blocked.stderr);
    assert.match(blocked.stdout, '--fail-on restore: 1 finding blocks this change');
    assert.match(blocked.stdout, 'restore tenant:vandelay: vandelay, removed on 2026-10-01, comes back (incarnation 1 → 2) by a DIFFERENT identity');
    const reason = 'Kel Varnsen bought Vandelay Industries: contract CHG-9, signed by Art Vandelay';
    const allowed = await runMain(['diff', '--base', 'main', '--fail-on', 'restore', '--allow', `restore tenant:vandelay: ${reason}`], repo);
    assert.is(allowed.status, 0, allowed.stdout);
    assert.match(allowed.stdout, `allowed by override "restore tenant:vandelay: ${reason}"`);
    const resource = await runMain(['diff', '--base', 'main', '--fail-on', 'restore', '--allow', `restore tenant:vandelay/tenantSecret: ${reason}`], repo);
    assert.is(resource.status, 2);
    assert.match(resource.stderr, 'restore is about a whole tenant');
  });
});

D('--fail-on exits 1 with the reasons; --allow with a reason exits 0', async () => {
  await inTempDir(async (repo) => {
    git(repo, 'init', '-q', '-b', 'main');
    cpSync(BASE, join(repo, 'tenants'), { recursive: true });
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    headOf(join(CASES, 'sign-in-domain-renamed'), join(repo, 'tenants'));
    const blocked = await runMain(['diff', '--base', 'main', '--fail-on', 'replacement'], repo);
    assert.is(blocked.status, 1);
    assert.match(blocked.stdout, /--fail-on replacement: \d+ findings block this change/);
    assert.match(blocked.stdout, 'replacement tenant:acme: tenants/acme.template.json tenantUserPoolDomain (AWS::Cognito::UserPoolDomain) is replaced');
    const allowed = await runMain(
      ['diff', '--base', 'main', '--fail-on', 'replacement', '--allow', 'replacement tenant:acme: new sign-in domain agreed with Acme (CHG-7)'],
      repo,
    );
    assert.is(allowed.status, 0, allowed.stdout);
    const stale = await runMain(
      [
        'diff',
        '--base',
        'main',
        '--fail-on',
        'replacement',
        '--allow',
        'replacement tenant:acme: new sign-in domain agreed with Acme (CHG-7)',
        '--allow',
        'replacement tenant:globex: left over from an earlier push (CHG-6)',
      ],
      repo,
    );
    assert.is(stale.status, 1, stale.stdout);
    assert.match(stale.stdout, 'unused override: "tenantc-allow: replacement tenant:globex: left over from an earlier push (CHG-6)" matches no finding');
    const ungated = await runMain(['diff', '--base', 'main', '--allow', 'replacement tenant:acme: new sign-in domain agreed with Acme (CHG-7)'], repo);
    assert.is(ungated.status, 2);
    assert.match(ungated.stderr, '--allow takes effect with --fail-on');
    const noReason = await runMain(['diff', '--base', 'main', '--fail-on', 'replacement', '--allow', 'replacement tenant:acme: ok'], repo);
    assert.is(noReason.status, 2);
    assert.match(noReason.stderr, 'the reason must say why');
    const badKind = await runMain(['diff', '--base', 'main', '--fail-on', 'deletion'], repo);
    assert.is(badKind.status, 2);
  });
});

D(
  '--allow-file reads the lines deploy reads: accepted allows are listed; a stale allow fails the gate; a line that does not parse is an error naming it',
  async () => {
    await inTempDir(async (repo) => {
      git(repo, 'init', '-q', '-b', 'main');
      cpSync(BASE, join(repo, 'tenants'), { recursive: true });
      git(repo, 'add', '.');
      git(repo, 'commit', '-qm', 'base');
      headOf(join(CASES, 'sign-in-domain-renamed'), join(repo, 'tenants'));
      const good = 'tenantc-allow: replacement tenant:acme: new sign-in domain agreed with Acme (CHG-7)';
      writeFileSync(join(repo, 'pr.md'), `Rename Acme's sign-in domain.\n\n${good}\n`);
      const allowed = await runMain(['diff', '--base', 'main', '--fail-on', 'replacement', '--allow-file', 'pr.md'], repo);
      assert.is(allowed.status, 0, allowed.stdout + allowed.stderr);
      assert.match(allowed.stdout, 'accepted allows (1):');
      assert.match(allowed.stdout, `  ${good}`);
      // An allow for a change this pull request does not make: stale, it fails the gate.
      const stale = 'tenantc-allow: removal tenant:globex: contract ended, export delivered (OPS-12)';
      writeFileSync(join(repo, 'pr.md'), `${good}\n${stale}\n`);
      const withStale = await runMain(['diff', '--base', 'main', '--fail-on', 'replacement', '--allow-file', 'pr.md'], repo);
      assert.is(withStale.status, 1, withStale.stdout);
      assert.match(withStale.stdout, 'unused override: "tenantc-allow: removal tenant:globex: contract ended, export delivered (OPS-12)" matches no finding');
      assert.match(withStale.stdout, '1 override matches no finding of this change and blocks it');
      assert.not.match(withStale.stdout, '  tenantc-allow: removal tenant:globex', 'a stale allow is not listed as accepted');
      // A lookalike prefix, a list mark, a no-break space: each an error with its line, never skipped.
      const badLines: [string, string][] = [
        ['- tenantc-allow: replacement tenant:acme: new sign-in domain agreed (CHG-7)', 'looks like a tenantc-allow: line but'],
        ['tenantc\u2010allow: replacement tenant:acme: new sign-in domain agreed (CHG-7)', 'looks like a tenantc-allow: line but'],
        ['tenantc-allow: replacement\u00a0tenant:acme: new sign-in domain agreed (CHG-7)', 'holds U+00A0'],
        ['tenantc-allow: replacement tenant:acme trailing: new sign-in domain agreed (CHG-7)', 'is not an allow'],
      ];
      for (const [line, says] of badLines) {
        writeFileSync(join(repo, 'pr.md'), `${good}\n\n${line}\n`);
        const bad = await runMain(['diff', '--base', 'main', '--fail-on', 'replacement', '--allow-file', 'pr.md'], repo);
        assert.is(bad.status, 2, line);
        assert.match(bad.stderr, 'pr.md:3: ', line);
        assert.match(bad.stderr, says, line);
      }
    });
  },
);

D.run();
