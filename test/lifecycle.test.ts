// A tenant's life as a sequence of pull requests, each compiled on the lock the previous
// one left (README, "Tenant lifecycle"). Each test walks a sequence on a copy of the
// sample fixture estate in memory and checks what the issue asks of every step:
// nothing is destroyed, leaked or stalled by the ordering of a change.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { compiledSide, diffEstate } from '../compiler/diff/diffEstate.ts';
import { diffStack } from '../compiler/diff/diffStack.ts';
import { inThreadDiffer } from '../compiler/diff/inThreadDiffer.ts';
import { SUSPENDED_PAGE } from '../compiler/emit/cfn/tenant/routing.ts';
import { PLACEMENT_LOCK_FILE } from '../compiler/load/readManifests.ts';
import { type CompileResult, compileDay, compileSources, parseSources } from '../compiler/pipeline.ts';
import { FIXTURES, rawFile, rawFilesFrom, SAMPLE_TENANTS, TEST_DAY } from './helpers.ts';
import { readFileSync } from 'node:fs';

type Compiled = Extract<CompileResult, { ok: true }>;
type Template = {
  Resources: Record<string, { Type: string; DependsOn?: string[]; CreationPolicy?: unknown; Properties: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
};

/** The estate a pull request sees: manifests by file name, and the lock the last compile wrote. */
class Estate {
  readonly files = new Map<string, string>();
  lock: string | null;
  last: Compiled | null = null;

  constructor(dir: string) {
    for (const f of rawFilesFrom(dir)) this.files.set(f.name, Buffer.from(f.bytes!).toString('utf8'));
    this.lock = readFileSync(join(dir, PLACEMENT_LOCK_FILE), 'utf8');
  }

  edit(id: string, change: (text: string) => string): this {
    const before = this.files.get(`${id}.yaml`);
    assert.ok(before !== undefined, `${id}.yaml`);
    const after = change(before);
    assert.is.not(after, before, `the edit of ${id}.yaml changed nothing`);
    this.files.set(`${id}.yaml`, after);
    return this;
  }

  /** Compiles as CI would; on success the lock it writes is the next step's lock. */
  compile(today = TEST_DAY): CompileResult {
    const raw = [...this.files].map(([name, text]) => rawFile(name, text));
    const r = compileSources('tenants', parseSources(raw, this.lock === null ? null : rawFile(PLACEMENT_LOCK_FILE, this.lock)), { today });
    if (r.ok) {
      this.lock = r.lock;
      this.last = r;
    }
    return r;
  }

  compiled(today = TEST_DAY): Compiled {
    const r = this.compile(today);
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    return r;
  }

  errors(today = TEST_DAY): string[] {
    const r = this.compile(today);
    assert.not.ok(r.ok, 'the compile must fail');
    return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
  }
}

const fileText = (r: Compiled, path: string): string | null => r.files.find((f) => f.path === path)?.content ?? null;
const tenantTemplate = (r: Compiled, id: string): Template => JSON.parse(fileText(r, `tenants/${id}.template.json`) ?? 'null');
const lockLine = (lock: string, section: 'tenants' | 'removed', id: string): string | undefined => {
  const lines = lock.split('\n');
  const from = lines.indexOf(`${section}:`);
  if (from < 0) return undefined;
  const end = lines.findIndex((l, i) => i > from && /^\S/.test(l));
  return lines.slice(from + 1, end < 0 ? undefined : end).find((l) => l.startsWith(`  ${id}: `));
};

/** `<ALB shard>/<listener rule priority>` → the tenant whose stack holds it (priorities are unique per listener). */
function priorities(r: Compiled): Map<string, string> {
  const out = new Map<string, string>();
  const shardOf = new Map(r.plan.tenants.map((t) => [t.id, t.placement.albShard]));
  for (const f of r.files) {
    const m = /^tenants\/([a-z0-9-]+)\.template\.json$/.exec(f.path);
    if (!m) continue;
    for (const res of Object.values((JSON.parse(f.content) as Template).Resources)) {
      if (res.Type !== 'AWS::ElasticLoadBalancingV2::ListenerRule') continue;
      const key = `${shardOf.get(m[1]!)}/${res.Properties.Priority as number}`;
      assert.not.ok(out.has(key), `priority ${key} is held by ${out.get(key)} and ${m[1]}`);
      out.set(key, m[1]!);
    }
  }
  return out;
}

/**
 * The ordering hazard of a deploy: CloudFormation creates a nested stack's new rules
 * before any stack deletes its old ones, so a priority of one listener held by one
 * tenant before and another after is a duplicate the ALB refuses, and the whole deploy
 * rolls back.
 */
function prioritiesHandedOn(before: Compiled, after: Compiled): string[] {
  const was = priorities(before);
  return [...priorities(after)].flatMap(([key, id]) => {
    const holder = was.get(key);
    return holder === undefined || holder === id ? [] : [`${key}: ${holder} → ${id}`];
  });
}

function assertNoPriorityChangesHands(before: Compiled, after: Compiled): void {
  assert.equal(prioritiesHandedOn(before, after), [], 'listener priorities that pass from one tenant to another in one deploy');
}

const newTenant = (id: string, extra = '') => `kind: Tenant
id: ${id}
name: ${id} Inc.
tier: standard
status: active
users: 120
domains: [${id}.tessera.app]
dns: { mode: platform }
auth: { mfa: required }
contacts:
  - { role: owner, name: Owner, email: owner@example.com }
${extra}`;

const L = suite('tenant lifecycle');

L('compile day: SOURCE_DATE_EPOCH when set (reproducible), else today in UTC', () => {
  assert.is(compileDay({ SOURCE_DATE_EPOCH: String(Date.parse('2026-03-04T23:59:59Z') / 1000) }), '2026-03-04');
  assert.is(compileDay({}, Date.parse('2026-12-31T23:30:00-05:00')), '2027-01-01');
  assert.is(compileDay({ SOURCE_DATE_EPOCH: 'yesterday' }, Date.parse('2026-05-06T12:00:00Z')), '2026-05-06', 'a value that is not seconds is ignored');
});

L('remove then add in one compile: the newcomer gets a slot never used, no priority changes hands, and the lock is a fixed point', () => {
  const estate = new Estate(SAMPLE_TENANTS);
  const base = estate.compiled();
  const vandelaySlot = /ruleSlot: (\d+)/.exec(lockLine(estate.lock!, 'tenants', 'vandelay')!)![1];

  // One pull request: vandelay (offboarded, deployed) leaves, cyberdyne is offboarded, zeta arrives.
  estate.files.delete('vandelay.yaml');
  estate.edit('cyberdyne', (t) => t.replace('status: active', 'status: offboarded'));
  estate.files.set('zeta.yaml', newTenant('zeta'));
  const head = estate.compiled();

  assert.is(fileText(head, 'tenants/vandelay.template.json'), null, 'vandelay has no stack');
  assert.match(
    lockLine(base.lock, 'tenants', 'vandelay')!,
    `, identity: { name: "Vandelay Industries", tier: "standard", domains: ["vandelay.tessera.app"], owners: [{ name: "Art Vandelay", email: "art@vandelay.example" }], federation: null } }`,
    "an offboarded tenant's identity is kept for its removal",
  );
  assert.match(
    lockLine(head.lock, 'removed', 'vandelay') ?? '',
    `{ removed: "${TEST_DAY}", albShard: 0, ruleSlot: ${vandelaySlot}, identity: { name: "Vandelay Industries", tier: "standard", domains: ["vandelay.tessera.app"], owners: [{ name: "Art Vandelay", email: "art@vandelay.example" }], federation: null } }`,
  );
  assert.match(lockLine(head.lock, 'tenants', 'cyberdyne') ?? '', 'status: offboarded, albShard: 0, ruleSlot: 1,', 'an offboarded tenant keeps its slot');
  const zetaSlot = Number(/ruleSlot: (\d+)/.exec(lockLine(head.lock, 'tenants', 'zeta')!)![1]);
  assert.ok(zetaSlot > 10, `zeta takes a slot never used (got ${zetaSlot})`);
  assertNoPriorityChangesHands(base, head);

  // Compiling the merged change again changes nothing: the lock is a fixed point.
  const again = estate.compiled();
  assert.is(again.lock, head.lock);

  // Later pull requests keep the removed slot remembered, whatever else arrives.
  estate.files.set('zeta-two.yaml', newTenant('zeta-two'));
  const later = estate.compiled('2026-12-01');
  assert.match(
    lockLine(later.lock, 'removed', 'vandelay') ?? '',
    `{ removed: "${TEST_DAY}", albShard: 0, ruleSlot: ${vandelaySlot}, identity: { name: "Vandelay Industries", tier: "standard", domains: ["vandelay.tessera.app"], owners: [{ name: "Art Vandelay", email: "art@vandelay.example" }], federation: null } }`,
    'the removal keeps its day and who left',
  );
  assert.ok(Number(/ruleSlot: (\d+)/.exec(lockLine(later.lock, 'tenants', 'zeta-two')!)![1]) > zetaSlot);
  assertNoPriorityChangesHands(head, later);
});

L('a tenant that moves to another ALB shard leaves its slot to nobody, even when the next pull request is deployed with it', () => {
  // Shard 0 holds exactly 5 target groups (the shared one and four premium tenants).
  const estate = new Estate(SAMPLE_TENANTS).edit('platform', (t) => t.replace('quotas: {}', 'quotas: { albTargetGroupsPerLoadBalancer: 5 }'));
  estate.files.set('zeta.yaml', newTenant('zeta'));
  const deployed = estate.compiled();
  assert.match(lockLine(deployed.lock, 'tenants', 'zeta') ?? '', 'albShard: 0, ruleSlot: 11,');

  // Pull request A: zeta goes premium; shard 0 has no target group left, so zeta moves.
  estate.edit('zeta', (t) => t.replace('tier: standard', 'tier: premium'));
  const moved = estate.compiled();
  assert.match(lockLine(moved.lock, 'tenants', 'zeta') ?? '', 'albShard: 1, ruleSlot: 0,');
  assert.match(moved.lock, '\nvacated:\n  - { albShard: 0, ruleSlot: 11 }\n', 'its old slot, the highest of shard 0, is kept');

  // Pull request B, merged before anyone deploys A: a newcomer on shard 0.
  const afterA = estate.lock;
  estate.files.set('omega.yaml', newTenant('omega'));
  const both = estate.compiled();
  assert.match(lockLine(both.lock, 'tenants', 'omega') ?? '', 'albShard: 0, ruleSlot: 12,');
  assertNoPriorityChangesHands(deployed, both);
  assert.not.match(both.lock, 'vacated:', 'slot 12 in use keeps newcomers above 11: the entry is no longer needed');
  assert.is(estate.compiled().lock, both.lock, 'fixed point');

  // Mutation: the same pull request B on a lock without the vacated entry hands slot 11
  // (zeta's old rule, still on shard 0 until A deploys) to omega.
  const forgetful = new Estate(SAMPLE_TENANTS);
  for (const [name, text] of estate.files) forgetful.files.set(name, text);
  forgetful.lock = afterA!.replace(/\nvacated:\n(?: {2}.*\n)+/, '\n');
  const handed = forgetful.compiled();
  assert.match(lockLine(handed.lock, 'tenants', 'omega') ?? '', 'albShard: 0, ruleSlot: 11,');
  assert.equal(prioritiesHandedOn(deployed, handed), ['0/23: zeta → omega']);
});

L('deleting the file of a tenant that is not offboarded is an error on the lock naming the way out; nothing compiles', () => {
  const estate = new Estate(SAMPLE_TENANTS);
  const lockBefore = estate.lock;
  estate.files.delete('cyberdyne.yaml');
  estate.files.delete('umbrella.yaml');
  const errors = estate.errors();
  assert.equal(
    errors.map((e) => e.split(': ')[0]),
    ['tenants/placement.lock.yaml:10:14', 'tenants/placement.lock.yaml:17:13'],
  );
  assert.match(errors[0]!, 'tenants/cyberdyne.yaml is gone but the lock knows cyberdyne as active: deleting its file would delete its whole stack');
  assert.match(errors[0]!, 'restore the file with `status: offboarded` and deploy');
  assert.match(errors[1]!, 'the lock knows umbrella as suspended');
  assert.is(estate.lock, lockBefore, 'the lock is not rewritten');
});

L('offboard → delete the file → a new customer takes the id (refused, with the day) → restore on purpose (new names; its rows back: rls.test.ts)', () => {
  const estate = new Estate(SAMPLE_TENANTS);
  const active = estate.compiled();
  const original = tenantTemplate(active, 'cyberdyne');

  // 1. Offboarded: nothing served, the retained resources stay in its stack.
  estate.edit('cyberdyne', (t) => t.replace('status: active', 'status: offboarded'));
  const offboarded = tenantTemplate(estate.compiled('2026-11-20'), 'cyberdyne');
  assert.not.ok(
    Object.values(offboarded.Resources).some((r) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule'),
    'no listener rule',
  );
  for (const kept of ['tenantLogGroup', 'tenantSecret', 'tenantUserPool']) assert.ok(offboarded.Resources[kept], kept);

  // 2. The file deleted: removed, dated, and the SQL marks rather than deletes.
  const cyberdyne = estate.files.get('cyberdyne.yaml')!;
  estate.files.delete('cyberdyne.yaml');
  const removed = estate.compiled('2026-11-20');
  assert.match(
    lockLine(removed.lock, 'removed', 'cyberdyne') ?? '',
    '{ removed: "2026-11-20", albShard: 0, ruleSlot: 1, identity: { name: "Cyberdyne Systems", tier: "standard", domains: ["cyberdyne.tessera.app"], owners: [{ name: "Miles Dyson", email: "miles@cyberdyne.example" }], federation: null } }',
  );
  assert.is(lockLine(removed.lock, 'tenants', 'cyberdyne'), undefined);
  assert.not.match(fileText(removed, 'sql/002-tenants.sql')!, "'cyberdyne'");
  assert.match(fileText(removed, 'sql/002-tenants.sql')!, 'tenantc_mark_removed');

  // 3. A new customer given the same id, days later: refused, naming the day it was removed.
  estate.files.set('cyberdyne.yaml', newTenant('cyberdyne'));
  const reused = estate.errors('2026-12-15');
  assert.is(reused.length, 1);
  assert.match(reused[0]!, /^tenants\/cyberdyne\.yaml:2:5: tenant id "cyberdyne" was removed on 2026-11-20 \(tenants\/placement\.lock\.yaml:\d+:\d+\)/);
  assert.match(reused[0]!, 'add `restoredFrom: "2026-11-20"`');

  // 3b. restoredFrom must name the removal: a guess is refused.
  estate.files.set('cyberdyne.yaml', `${cyberdyne.replace('status: offboarded', 'status: active')}restoredFrom: "2026-11-21"\n`);
  assert.match(
    estate.errors('2026-12-15')[0]!,
    'restoredFrom "2026-11-21" is not the day cyberdyne was removed (tenants/placement.lock.yaml records 2026-11-20)',
  );

  // 4. Restored on purpose: a second incarnation whose kept resources never meet the old ones.
  estate.files.set('cyberdyne.yaml', `${cyberdyne.replace('status: offboarded', 'status: active')}restoredFrom: "2026-11-20"\n`);
  const restored = estate.compiled('2026-12-15');
  assert.match(lockLine(restored.lock, 'tenants', 'cyberdyne') ?? '', 'incarnation: 2');
  assert.is(lockLine(restored.lock, 'removed', 'cyberdyne'), undefined);
  const t = tenantTemplate(restored, 'cyberdyne');
  assert.is(t.Resources.tenantLogGroup!.Properties.LogGroupName, '/tessera/tenants/cyberdyne/r2');
  assert.is(t.Resources.tenantSecret!.Properties.Name, '/tessera/tenants/cyberdyne/r2/app-credentials');
  assert.is.not(original.Resources.tenantLogGroup!.Properties.LogGroupName, t.Resources.tenantLogGroup!.Properties.LogGroupName);
  assert.is(t.Resources.tenantRegistration!.Properties.RestoredFrom, '2026-11-20', 'the provisioner restores the registry row');
  assert.match(fileText(restored, 'sql/002-tenants.sql')!, "tenantc_restore_tenant('cyberdyne')");
  assert.ok(
    Object.values(t.Resources).some((r) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule'),
    'served again',
  );
  assertNoPriorityChangesHands(removed, restored);
  // Fixed point: the restored tenant stays restored.
  assert.is(estate.compiled('2027-01-10').lock, restored.lock);
});

L('mutation: a lock that forgot the removal would let a new customer inherit the id (the guard is the lock)', () => {
  const estate = new Estate(SAMPLE_TENANTS);
  estate.files.delete('vandelay.yaml');
  const removed = estate.compiled();
  assert.ok(lockLine(removed.lock, 'removed', 'vandelay'));
  estate.lock = removed.lock.replace(/\nremoved:\n(?: {2}.*\n)+/, '\n');
  estate.files.set('vandelay.yaml', newTenant('vandelay'));
  // Compile alone cannot tell: a pull request commits the lock too. The review reads the
  // base's lock and deploy its record (diff.test.ts and deploy.test.ts, "restore: …").
  assert.ok(estate.compile().ok, 'without the removed section the reuse compiles: this is the hole the section closes');
});

L('standard → premium → standard: traffic waits on the new fleet, the cache move is said, and the way back uses the shared fleet', async () => {
  const estate = new Estate(SAMPLE_TENANTS);
  const standard = estate.compiled();
  const before = tenantTemplate(standard, 'initech');
  assert.equal((before.Resources.tenantListenerRule0!.Properties.Actions as unknown[])[0], {
    Type: 'forward',
    TargetGroupArn: { Ref: 'SharedTargetGroupArn' },
  });

  estate.edit('initech', (t) => t.replace(/^tier: standard/m, 'tier: premium'));
  const premium = estate.compiled();
  const p = tenantTemplate(premium, 'initech');
  const fleet = p.Resources.tenantAutoScalingGroup!;
  assert.equal(fleet.CreationPolicy, { ResourceSignal: { Count: 2, Timeout: 'PT20M' } }, 'created only once its minimum reports healthy');
  const rule = p.Resources.tenantListenerRule0!;
  assert.equal(rule.DependsOn, ['tenantAutoScalingGroup'], 'the rule switches after the fleet is complete');
  assert.equal((rule.Properties.Actions as unknown[])[0], { Type: 'forward', TargetGroupArn: { Ref: 'tenantTargetGroup' } });
  assert.is(rule.Properties.Priority, before.Resources.tenantListenerRule0!.Properties.Priority, 'same priority: an in-place update, no duplicate');
  assert.is(
    diffStack('tenants/initech.template.json', JSON.stringify(before), JSON.stringify(p))!.resources.find((r) => r.logicalId === 'tenantListenerRule0')!.impact,
    'update',
  );
  const userData = Buffer.from(JSON.stringify(p.Resources.tenantLaunchTemplate!.Properties), 'utf8').toString();
  assert.match(userData, 'cfn-signal');
  assertNoPriorityChangesHands(standard, premium);

  const diff = await diffEstate(
    compiledSide('base', standard.plan, standard.files, standard.lock),
    compiledSide('head', premium.plan, premium.files, premium.lock),
    inThreadDiffer,
  );
  const notes = diff.tenants.find((t) => t.id === 'initech')!.notes;
  assert.ok(
    notes.some((n) => n.startsWith('traffic moves to its own fleet only once that fleet reports healthy')),
    notes.join('\n'),
  );
  assert.ok(
    notes.some((n) => n.startsWith('cache: its keys in shared cache 0 are not carried over to its dedicated cache')),
    notes.join('\n'),
  );

  estate.edit('initech', (t) => t.replace(/^tier: premium/m, 'tier: standard'));
  const back = estate.compiled();
  const s = tenantTemplate(back, 'initech');
  assert.not.ok(s.Resources.tenantAutoScalingGroup, 'its own fleet is gone');
  assert.is(s.Resources.tenantListenerRule0!.DependsOn, undefined);
  assert.equal((s.Resources.tenantListenerRule0!.Properties.Actions as unknown[])[0], { Type: 'forward', TargetGroupArn: { Ref: 'SharedTargetGroupArn' } });
  assert.is(s.Resources.tenantListenerRule0!.Properties.Priority, before.Resources.tenantListenerRule0!.Properties.Priority);
  assert.match(lockLine(back.lock, 'tenants', 'initech') ?? '', /cacheCluster: \d+/, 'a shared cache seat again');
  assertNoPriorityChangesHands(premium, back);
  const backNotes = (
    await diffEstate(compiledSide('base', premium.plan, premium.files, premium.lock), compiledSide('head', back.plan, back.files, back.lock), inThreadDiffer)
  ).tenants.find((t) => t.id === 'initech')!.notes;
  assert.ok(backNotes.includes('traffic moves back to the shared fleet in this deploy; its own fleet is deleted after'), backNotes.join('\n'));
});

L('suspend → resume: the app client is the same resource throughout (never replaced), sign-in is refused another way, its id is published', () => {
  const estate = new Estate(SAMPLE_TENANTS);
  const active = tenantTemplate(estate.compiled(), 'cyberdyne');
  estate.edit('cyberdyne', (t) => t.replace('status: active', 'status: suspended'));
  const suspended = tenantTemplate(estate.compiled(), 'cyberdyne');
  estate.edit('cyberdyne', (t) => t.replace('status: suspended', 'status: active'));
  const resumed = tenantTemplate(estate.compiled(), 'cyberdyne');

  const client = suspended.Resources.tenantUserPoolClient;
  assert.ok(client, 'the client survives suspension');
  assert.is(client!.Properties.ClientName, active.Resources.tenantUserPoolClient!.Properties.ClientName);
  assert.equal(client!.Properties.ExplicitAuthFlows, ['ALLOW_REFRESH_TOKEN_AUTH'], 'no sign-in flow: only tokens already held are refreshed');
  assert.is(client!.Properties.AllowedOAuthFlowsUserPoolClient, false, 'the hosted UI signs nobody in');
  for (const [from, to] of [
    [active, suspended],
    [suspended, resumed],
  ] as const) {
    const change = diffStack('tenants/cyberdyne.template.json', JSON.stringify(from), JSON.stringify(to))!.resources.find(
      (r) => r.logicalId === 'tenantUserPoolClient',
    );
    assert.ok(change, 'the client changes in place');
    assert.is(change!.impact, 'update', 'never replaced: the client id stays');
  }
  assert.equal(resumed.Resources.tenantUserPoolClient, active.Resources.tenantUserPoolClient, 'resumed: the client is what it was');
  for (const t of [active, suspended, resumed]) {
    assert.equal((t.Outputs?.UserPoolClientId as { Value: unknown }).Value, { Ref: 'tenantUserPoolClient' }, 'published as an output');
    assert.equal(t.Resources.tenantUserPoolClientIdParameter!.Properties.Value, { Ref: 'tenantUserPoolClient' }, 'and as an SSM parameter');
  }
});

L(
  'suspend → resume: while suspended its hosts answer the 403 page and nothing forwards, a premium fleet keeps running; resumed, every rule forwards as before; the diff says so',
  async () => {
    type Rule = { Priority: unknown; Conditions: unknown; Actions: { Type: string; FixedResponseConfig?: { StatusCode: string; MessageBody: string } }[] };
    const rules = (t: Template) =>
      Object.fromEntries(
        Object.entries(t.Resources)
          .filter(([, r]) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule')
          .map(([id, r]) => [id, r.Properties as unknown as Rule]),
      );
    const fleetMin = (t: Template) => t.Resources.tenantAutoScalingGroup?.Properties.MinSize;
    const assetsEnabled = (t: Template) => t.Resources.tenantDistributionTenant!.Properties.Enabled;
    const estate = new Estate(SAMPLE_TENANTS);
    const ids = ['cyberdyne', 'globex']; // shared compute on platform DNS; premium on its own, validated, DNS
    const active = estate.compiled();
    for (const id of ids) estate.edit(id, (t) => t.replace('status: active', 'status: suspended'));
    const suspended = estate.compiled();
    for (const id of ids) estate.edit(id, (t) => t.replace('status: suspended', 'status: active'));
    const resumed = estate.compiled();
    for (const id of ids) {
      const [a, s, r] = [active, suspended, resumed].map((c) => tenantTemplate(c, id));
      const before = rules(a!);
      assert.ok(Object.keys(before).length > 0, `${id} has listener rules while active`);
      for (const rule of Object.values(before))
        assert.equal(
          rule.Actions.map((x) => x.Type),
          ['forward'],
          `${id}: active, its rules forward`,
        );
      const during = rules(s!);
      assert.equal(Object.keys(during), Object.keys(before), `${id}: the same rules, so no priority is given up`);
      for (const [k, rule] of Object.entries(during)) {
        assert.equal([rule.Priority, rule.Conditions], [before[k]!.Priority, before[k]!.Conditions], `${id}: ${k} keeps its priority and hosts`);
        assert.equal(
          rule.Actions.map((x) => [x.Type, x.FixedResponseConfig?.StatusCode, x.FixedResponseConfig?.MessageBody]),
          [['fixed-response', '403', SUSPENDED_PAGE]],
          `${id}: suspended, ${k} answers the suspended page and forwards nothing`,
        );
      }
      assert.is(assetsEnabled(s!), false, `${id}: its assets are not served while suspended`);
      assert.is(fleetMin(s!), fleetMin(a!), `${id}: a premium fleet keeps its size while suspended (it may come back within the hour)`);
      assert.equal(rules(r!), before, `${id}: resumed, its rules are what they were`);
      assert.is(assetsEnabled(r!), true);
    }
    assert.ok(fleetMin(tenantTemplate(suspended, 'globex')), 'globex runs a fleet of its own');
    const notes = async (from: Compiled, to: Compiled, id: string) =>
      (await diffEstate(compiledSide('base', from.plan, from.files, from.lock), compiledSide('head', to.plan, to.files, to.lock), inThreadDiffer)).tenants.find(
        (t) => t.id === id,
      )!.notes;
    assert.equal(await notes(active, suspended, 'cyberdyne'), [
      "suspended: its hosts answer 403 (the suspended page), sign-in refused, its assets not served, its seats leave the shared fleet's floor; its users, app client (same id), identities and rows are kept",
    ]);
    assert.equal(await notes(suspended, resumed, 'globex'), [
      'resumed: its hosts are served, sign-in open, its assets served; its users, app client (same id), identities and rows are kept',
    ]);
  },
);

L('scaling stays with the scaler: no fleet carries a desired count, and seats move the minimum only', () => {
  const estate = new Estate(SAMPLE_TENANTS);
  const base = estate.compiled();
  const fleets = (r: Compiled) =>
    r.files
      .filter((f) => f.path.endsWith('.template.json'))
      .flatMap((f) => Object.values((JSON.parse(f.content) as Template).Resources).filter((x) => x.Type === 'AWS::AutoScaling::AutoScalingGroup'));
  assert.ok(fleets(base).length >= 4, 'the shared fleet and the premium fleets');
  for (const f of fleets(base)) assert.not.ok('DesiredCapacity' in f.Properties, 'a desired count would reset what target tracking chose');
  const root = (r: Compiled) => (JSON.parse(fileText(r, 'root.template.json')!) as Template).Resources.appAutoScalingGroup!.Properties;
  // Adding seats raises the floor; it never names a count the next deploy would force.
  estate.files.set('bigco.yaml', newTenant('bigco').replace('users: 120', 'users: 20000'));
  const grown = estate.compiled();
  assert.ok(Number(root(grown).MinSize) > Number(root(base).MinSize), `MinSize ${root(base).MinSize} → ${root(grown).MinSize}`);
  for (const f of fleets(grown)) assert.not.ok('DesiredCapacity' in f.Properties);
});

L('a domain clash is reported on the file new to the lock, or on the later file when both are new', () => {
  const estate = new Estate(SAMPLE_TENANTS);
  // "aaa" sorts before cyberdyne: the error must still land on the newcomer.
  estate.files.set('aaa.yaml', newTenant('aaa').replace('[aaa.tessera.app]', '[aaa.tessera.app, cyberdyne.tessera.app]'));
  const onNew = estate.errors();
  assert.is(onNew.length, 1, onNew.join('\n'));
  assert.match(onNew[0]!, /^tenants\/aaa\.yaml:\d+:\d+: domains\[1\] "cyberdyne\.tessera\.app" is already claimed by tenants\/cyberdyne\.yaml:\d+:\d+/);

  const both = new Estate(SAMPLE_TENANTS);
  both.files.set(
    'aaa.yaml',
    newTenant('aaa').replace('[aaa.tessera.app]', '[aaa.tessera.app, shared.example.com]').replace('mode: platform', 'mode: external'),
  );
  both.files.set('bbb.yaml', newTenant('bbb').replace('[bbb.tessera.app]', '[shared.example.com]').replace('mode: platform', 'mode: external'));
  const onLater = both.errors().filter((e) => e.includes('already claimed'));
  assert.is(onLater.length, 1, onLater.join('\n'));
  assert.match(onLater[0]!, /^tenants\/bbb\.yaml:\d+:\d+: domains\[0\] "shared\.example\.com" is already claimed by tenants\/aaa\.yaml/);
});

L('federation: the handover file names what the IdP needs and the secret to create first; a protocol missing what it needs is refused', () => {
  const r = new Estate(SAMPLE_TENANTS).compiled();
  const saml = fileText(r, 'idp/acme.txt')!;
  assert.match(saml, 'urn:amazon:cognito:sp:');
  assert.match(saml, 'https://login.acme.com/saml2/idpresponse');
  const oidc = fileText(r, 'idp/globex.txt')!;
  assert.match(oidc, '/oauth2/idpresponse');
  assert.match(oidc, '/tessera/tenants/globex/oidc-client-secret');
  assert.is(fileText(r, 'idp/cyberdyne.txt'), null, 'no federation, no handover');

  const missing = new Estate(SAMPLE_TENANTS).edit('acme', (t) => t.replace(/^ {4}metadataUrl: .*\n/m, ''));
  const errors = missing.errors();
  assert.is(errors.length, 1, errors.join('\n'));
  assert.match(errors[0]!, /^tenants\/acme\.yaml:\d+:\d+: .*metadataUrl/);
});

L('own DNS not ready: the tenant is provisioned but attaches nothing that waits on DNS; its domain stage and records are written', () => {
  const estate = new Estate(SAMPLE_TENANTS).edit('globex', (t) => t.replace(/^ {2}validated: true.*\n/m, ''));
  const r = estate.compiled();
  const t = tenantTemplate(r, 'globex');
  for (const waits of ['tenantCertificate', 'tenantListenerCertificate', 'tenantUserPoolDomain'])
    assert.not.ok(t.Resources[waits], `${waits} would wait on the customer's DNS`);
  // Its assets host is the platform's (<id>.<user-content domain>): nothing of it waits.
  assert.equal(t.Resources.tenantDistributionTenant?.Properties.Domains, ['globex.tessera-usercontent.net']);
  assert.not.ok(
    Object.values(t.Resources).some((x) => x.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule'),
    'no host is routed yet',
  );
  assert.ok(t.Resources.tenantUserPool && t.Resources.tenantAutoScalingGroup, 'the rest is provisioned');
  const stage = JSON.parse(fileText(r, 'domains/globex.template.json')!) as Template;
  const cert = Object.values(stage.Resources).find((x) => x.Type === 'AWS::CertificateManager::Certificate')!;
  assert.is(cert.Properties.ValidationMethod, 'DNS');
  const steps = fileText(r, 'dns/globex.txt')!;
  assert.match(steps, 'not ready');
  assert.match(steps, 'portal.globex.io');
  assert.is(
    JSON.parse(fileText(r, 'assets.json')!).domains.find((d: { tenant: string }) => d.tenant === 'globex').attached,
    false,
    'deploy knows it is not attached',
  );

  // Validated: it attaches, and the stage stays (deploy keeps it issued).
  estate.edit('globex', (x) => x.replace(/^( {2}mode: external.*\n)/m, '$1  validated: true\n'));
  const on = estate.compiled();
  assert.ok(tenantTemplate(on, 'globex').Resources.tenantCertificate);
  assert.ok(fileText(on, 'domains/globex.template.json'));
});

/**
 * What a tenant's stack serves: hosts its listener rules forward (with the record that
 * points each at the ALB, in the zone that answers for it), its sign-in and assets hosts.
 */
function served(r: Compiled, id: string) {
  const t = tenantTemplate(r, id);
  const all = Object.entries(t.Resources);
  const hosts = all
    .filter(([, x]) => x.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule')
    .filter(([, x]) => (x.Properties.Actions as { Type: string }[])[0]!.Type === 'forward')
    .flatMap(([, x]) => (x.Properties.Conditions as { HostHeaderConfig: { Values: string[] } }[])[0]!.HostHeaderConfig.Values);
  const record = (name: string) =>
    all.find(([, x]) => x.Type === 'AWS::Route53::RecordSet' && x.Properties.Name === name)?.[1].Properties.HostedZoneId as { Ref?: string } | undefined;
  const signIn = all.find(([, x]) => x.Type === 'AWS::Cognito::UserPoolDomain')?.[1].Properties.Domain as string | undefined;
  const assets = all.find(([, x]) => x.Type === 'AWS::CloudFront::DistributionTenant')?.[1].Properties.Domains as string[] | undefined;
  const certificate = all.find(([, x]) => x.Type === 'AWS::CertificateManager::Certificate')?.[1].Properties;
  return { hosts, record, signIn, assets, certificate };
}

L('platform DNS → own DNS: the platform host serves at every step until the own domain is validated, then both do; nothing goes dark', async () => {
  const estate = new Estate(SAMPLE_TENANTS);
  const p0 = estate.compiled();
  const before = served(p0, 'initech');
  assert.equal(before.hosts, ['initech.tessera.app']);
  assert.equal(before.record('initech.tessera.app'), { Ref: 'PlatformHostedZoneId' });

  // Pull request 1: its own domain, its platform host kept while ACM waits.
  estate.edit('initech', (t) =>
    t.replace('  - initech.tessera.app', '  - portal.initech.com').replace('  mode: platform', '  mode: external\n  platformDomain: initech.tessera.app'),
  );
  const p1 = estate.compiled();
  const { record: _r1, ...moving } = served(p1, 'initech');
  const { record: _r0, ...was } = before;
  assert.equal(moving, was, 'until validated, its stack serves exactly what it served on platform DNS');
  assert.equal(tenantTemplate(p1, 'initech'), tenantTemplate(p0, 'initech'), 'its template does not change at all');
  const stage = JSON.parse(fileText(p1, 'domains/initech.template.json')!) as Template;
  assert.equal(
    [
      stage.Resources.domainStageCertificate!.Properties.DomainName,
      ...((stage.Resources.domainStageCertificate!.Properties.SubjectAlternativeNames as string[]) ?? []),
    ],
    ['portal.initech.com', 'auth.portal.initech.com'],
    'its domain stage validates its own names meanwhile (its assets host is on the user-content domain, which needs neither)',
  );
  assert.match(fileText(p1, 'dns/initech.txt')!, 'it is served at its platform host initech.tessera.app as before');
  const d1 = await diffEstate(compiledSide('main', p0.plan, p0.files, p0.lock), compiledSide('pr', p1.plan, p1.files, p1.lock), inThreadDiffer);
  assert.equal(d1.lifecycle, []);
  assert.not.ok(d1.tenants.find((t) => t.id === 'initech')?.stack, 'no resource of its stack changes');

  // Pull request 2, once its domain stage is issued: its own names take over, the platform host keeps forwarding.
  estate.edit('initech', (t) => t.replace('  platformDomain: initech.tessera.app', '  platformDomain: initech.tessera.app\n  validated: true'));
  const p2 = estate.compiled();
  const both = served(p2, 'initech');
  assert.equal(both.hosts, ['portal.initech.com', 'initech.tessera.app'], 'both hosts forward to its app');
  const runtimeHosts = (r: Compiled) =>
    Object.entries((JSON.parse(fileText(r, 'runtime/hosts.json')!) as { hosts: Record<string, string> }).hosts)
      .filter(([, id]) => id === 'initech')
      .map(([h]) => h);
  assert.equal(runtimeHosts(p1), ['initech.tessera.app'], 'the runtime serves what the rules route while the move waits');
  assert.equal(runtimeHosts(p2), ['initech.tessera.app', 'portal.initech.com'], 'and both hosts once validated, as the rules do');
  assert.equal(both.record('initech.tessera.app'), { Ref: 'PlatformHostedZoneId' }, 'the platform host keeps its record');
  assert.is(both.signIn, 'auth.portal.initech.com');
  assert.equal(both.assets, ['initech.tessera-usercontent.net'], 'its assets host stays on the user-content domain throughout');
  const client = Object.values(tenantTemplate(p2, 'initech').Resources).find((x) => x.Type === 'AWS::Cognito::UserPoolClient')!;
  assert.ok((client.Properties.CallbackURLs as string[]).includes('https://initech.tessera.app/auth/callback'), 'sign-in still returns to the platform host');

  // Pull request 3, once its users have moved: the platform host goes, on purpose.
  estate.edit('initech', (t) => t.replace('  platformDomain: initech.tessera.app\n', ''));
  const p3 = estate.compiled();
  assert.equal(served(p3, 'initech').hosts, ['portal.initech.com']);
  const d3 = await diffEstate(compiledSide('pr2', p2.plan, p2.files, p2.lock), compiledSide('pr3', p3.plan, p3.files, p3.lock), inThreadDiffer);
  assert.match(d3.tenants.find((t) => t.id === 'initech')!.notes.join('\n'), 'its platform host initech.tessera.app is no longer served');
});

L('mutation: without its platform host kept, the move leaves the tenant dark until validated (what the diff refuses)', async () => {
  const estate = new Estate(SAMPLE_TENANTS);
  const p0 = estate.compiled();
  estate.edit('initech', (t) => t.replace('  - initech.tessera.app', '  - portal.initech.com').replace('  mode: platform', '  mode: external'));
  const p1 = estate.compiled();
  assert.equal(served(p1, 'initech').hosts, []);
  const d = await diffEstate(compiledSide('main', p0.plan, p0.files, p0.lock), compiledSide('pr', p1.plan, p1.files, p1.lock), inThreadDiffer);
  assert.equal(
    d.lifecycle.map((l) => l.tenant),
    ['initech'],
  );
});

L('dns.platformDomain is only for own DNS, one label under the apex, not reserved, and claimed like a domain', () => {
  const estate = new Estate(SAMPLE_TENANTS);
  estate.edit('initech', (t) => t.replace('  mode: platform', '  mode: platform\n  platformDomain: initech.tessera.app'));
  assert.match(estate.errors().join('\n'), 'dns.platformDomain "initech.tessera.app" is only for modes "delegated" and "external"');
  const other = new Estate(SAMPLE_TENANTS);
  other.edit('initech', (t) =>
    t.replace('  - initech.tessera.app', '  - portal.initech.com').replace('  mode: platform', '  mode: external\n  platformDomain: a.b.tessera.app'),
  );
  assert.match(other.errors().join('\n'), 'must be <name>.tessera.app');
  const taken = new Estate(SAMPLE_TENANTS);
  taken.edit('initech', (t) =>
    t.replace('  - initech.tessera.app', '  - portal.initech.com').replace('  mode: platform', '  mode: external\n  platformDomain: cyberdyne.tessera.app'),
  );
  assert.match(taken.errors().join('\n'), 'is already claimed by');
});

L('the minimal fixture estate walks the same removal: a lock written before removals existed still guards the id', () => {
  // A version 1 lock records no status: its tenants count as active, so deleting a file is refused.
  const estate = new Estate(join(FIXTURES, 'estates', 'minimal'));
  estate.lock = estate.lock!.replace('version: 2', 'version: 1').replace(/status: \w+, /g, '');
  estate.files.delete('initech.yaml');
  const errors = estate.errors();
  assert.match(errors[0]!, 'the lock knows initech as a tenant (a version 1 lock records no status)');
});

L.run();
