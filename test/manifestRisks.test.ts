// The manifest risk table (compiler/diff/manifestRisks.ts), entry by entry: for each, a
// change it must flag and one it must not, on the smallest plan that shows it; then
// what the function returns for a whole change. The fixture pairs of diff.test.ts show
// each in the rendered diff and the gate.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MANIFEST_RISK_TABLE, type ManifestRiskEntry, manifestRisks } from '../compiler/diff/manifestRisks.ts';
import type { EstatePlan, TenantPlan } from '../compiler/plan/model.ts';

const M = suite('manifest risk table');

/** Just what the entries read: the platform's database and the tenants' ids and statuses. */
const plan = (database: Record<string, unknown>, tenants: Record<string, string> = {}, platform: Record<string, unknown> = {}) =>
  ({
    platform: {
      database: { schema: 'app', tenantStatistics: 'private', tenantTables: [{ name: 'projects' }, { name: 'invoices' }], ...database },
      appEgress: 'endpoints',
      edge: { waf: true, rateLimitPerFiveMinutes: 2000, accessLogs: true },
      identity: { minimumMfa: 'optional', minimumPasswordLength: 12, threatProtection: 'enforced' },
      ...platform,
    },
    tenants: Object.entries(tenants).map(([id, status]) => ({ id, status }) as unknown as TenantPlan),
  }) as unknown as EstatePlan;

interface EntryCase {
  readonly before: EstatePlan;
  readonly risky: EstatePlan;
  readonly safe: EstatePlan;
}

const CASES: Record<string, EntryCase> = {
  'tenant-statistics-shared': {
    before: plan({ tenantStatistics: 'private' }),
    risky: plan({ tenantStatistics: 'shared' }),
    safe: plan({ tenantStatistics: 'private', databaseName: 'other' }),
  },
  'database-schema-renamed': { before: plan({ schema: 'app' }), risky: plan({ schema: 'application' }), safe: plan({ schema: 'app' }) },
  'tenant-table-dropped': {
    before: plan({}),
    risky: plan({ tenantTables: [{ name: 'projects' }, { name: 'billing_invoices' }] }),
    safe: plan({ tenantTables: [{ name: 'projects' }, { name: 'invoices' }, { name: 'comments' }] }),
  },
  'app-egress-opened': {
    before: plan({}),
    risky: plan({}, {}, { appEgress: 'internet' }),
    safe: plan({}, {}, { edge: { waf: true, rateLimitPerFiveMinutes: 500, accessLogs: true } }),
  },
  'edge-waf-off': {
    before: plan({}),
    risky: plan({}, {}, { edge: { waf: false, rateLimitPerFiveMinutes: 2000, accessLogs: true } }),
    safe: plan({}, {}, { edge: { waf: true, rateLimitPerFiveMinutes: 1000, accessLogs: true } }),
  },
  'edge-access-logs-off': {
    before: plan({}),
    risky: plan({}, {}, { edge: { waf: true, rateLimitPerFiveMinutes: 2000, accessLogs: false } }),
    safe: plan({}, {}, { appEgress: 'endpoints' }),
  },
  'identity-threat-protection-lowered': {
    before: plan({}),
    risky: plan({}, {}, { identity: { minimumMfa: 'optional', minimumPasswordLength: 12, threatProtection: 'audit' } }),
    safe: plan({}, {}, { identity: { minimumMfa: 'required', minimumPasswordLength: 14, threatProtection: 'enforced' } }),
  },
  'tenant-suspended-or-offboarded': {
    before: plan({}, { acme: 'active' }),
    risky: plan({}, { acme: 'suspended' }),
    safe: plan({}, { acme: 'active' }),
  },
  'tenant-offboarded': {
    before: plan({}, { acme: 'suspended' }),
    risky: plan({}, { acme: 'offboarded' }),
    safe: plan({}, { acme: 'active' }),
  },
};

const rules = (a: EstatePlan, b: EstatePlan) => manifestRisks(a, b).map((m) => m.rule);

M('every entry has a case, and every entry says what it does and where that is documented', () => {
  assert.equal(Object.keys(CASES).sort(), MANIFEST_RISK_TABLE.map((e) => e.id).sort());
  for (const e of MANIFEST_RISK_TABLE) {
    assert.match(e.reference, /^(https:\/\/(docs\.aws\.amazon\.com|www\.postgresql\.org)\/|README\.md#)/, e.id);
    assert.ok(e.says.length > 20, e.id);
    if (e.scope === 'platform') assert.match(e.target, /^[A-Za-z0-9]+$/, `${e.id}: an allow target's logical-id part is alphanumeric (allow.ts)`);
  }
});

for (const entry of MANIFEST_RISK_TABLE as readonly ManifestRiskEntry[]) {
  M(`${entry.id} (${entry.kind}): flags the risky change, not the safe one`, () => {
    const c = CASES[entry.id]!;
    assert.ok(rules(c.before, c.risky).includes(entry.id), entry.id);
    assert.not.ok(rules(c.before, c.safe).includes(entry.id), `${entry.id} leaves the safe change alone`);
    assert.not.ok(rules(c.before, c.before).includes(entry.id), 'no change, no risk');
  });
}

M('a status going back up is no interruption; a tenant added or removed is not read here', () => {
  assert.equal(rules(plan({}, { acme: 'suspended' }), plan({}, { acme: 'active' })), []);
  assert.equal(rules(plan({}, {}), plan({}, { acme: 'offboarded' })), [], 'an added tenant is the diff’s, not a status change');
  assert.equal(rules(plan({}, { acme: 'active' }), plan({}, {})), [], 'a removed tenant is a lifecycle error of the diff');
  assert.equal(manifestRisks(null, plan({})), []);
});

M('a risk names its tenant, or for the platform the target that allows it', () => {
  const [platform] = manifestRisks(plan({}), plan({ tenantStatistics: 'shared' }));
  assert.equal([platform!.tenant, platform!.target, platform!.from, platform!.to], [null, 'databaseTenantStatistics', '"private"', '"shared"']);
  const [tenant] = manifestRisks(plan({}, { acme: 'active' }), plan({}, { acme: 'suspended' }));
  assert.equal([tenant!.tenant, tenant!.target, tenant!.kind], ['acme', null, 'interruption']);
});

M.run();
