// The rule pack as compile's gate: a finding fails the compile with the rule, the
// template, the logical id, the reason and the fix, and nothing is written; a
// suppression with a reason accepts exactly what it names; a suppression that accepts
// nothing is an error.
import { appendFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { compileSources } from '../compiler/pipeline.ts';
import { SECURITY_RULES } from '../compiler/review/index.ts';
import { finding, type SecurityRule } from '../compiler/review/rule.ts';
import { FIXTURES, inTempDir, loadedFrom } from './helpers.ts';

const G = suite('rule-pack gate');
const MINIMAL = join(FIXTURES, 'estates', 'minimal');

/** Stands for a rule the compiled templates break: every tenant role is "non-compliant". */
const noTenantRoles: SecurityRule = {
  id: 'E999',
  title: 'Test rule: no tenant roles',
  reason: 'A rule the compiled templates break, to prove the gate stops a compile.',
  fix: 'Remove the role.',
  check(template, name) {
    return Object.entries(template.Resources)
      .filter(([id]) => id === 'tenantRole')
      .map(([id]) => finding(this, name, id, false, 'a tenant role exists'));
  },
};
const RULES = [...SECURITY_RULES, noTenantRoles];

/** Compiles the minimal estate with `platformExtra` appended to its platform manifest. */
function compileMinimal(platformExtra: string) {
  return inTempDir((dir) => {
    cpSync(MINIMAL, dir, { recursive: true });
    appendFileSync(join(dir, 'platform.yaml'), platformExtra);
    return compileSources('tenants', loadedFrom(dir), { securityRules: RULES });
  });
}

G('a finding fails the compile, pointing at the manifest behind the template, with the rule, the template, the resource, why and the fix', () => {
  const r = compileMinimal('');
  assert.is(r.ok, false);
  if (r.ok) return;
  const printed = r.diagnostics.map(formatDiagnostic).join('\n');
  assert.fixture(
    printed,
    [
      'tenants/acme.yaml:3:5: E999 Test rule: no tenant roles: tenants/acme.template.json tenantRole: a tenant role exists',
      '  why: A rule the compiled templates break, to prove the gate stops a compile.',
      '  fix: Remove the role.',
      '  or accept it on purpose in tenants/platform.yaml under review.suppressions: { rule: E999, template: tenants/acme.template.json, resource: tenantRole, reason: "..." }',
      'tenants/initech.yaml:3:5: E999 Test rule: no tenant roles: tenants/initech.template.json tenantRole: a tenant role exists',
      '  why: A rule the compiled templates break, to prove the gate stops a compile.',
      '  fix: Remove the role.',
      '  or accept it on purpose in tenants/platform.yaml under review.suppressions: { rule: E999, template: tenants/initech.template.json, resource: tenantRole, reason: "..." }',
    ].join('\n'),
  );
});

G('a suppression accepts exactly what it names, and out/review.json records it with its reason', () => {
  const reason = 'Accepted for this test: the role is reviewed by hand (SEC-1).';
  const r = compileMinimal(`review:\n  suppressions:\n    - { rule: E999, template: tenants/*.template.json, resource: tenantRole, reason: "${reason}" }\n`);
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map(formatDiagnostic).join('\n'));
  if (!r.ok) return;
  assert.equal(
    r.review.suppressed.map((s) => `${s.finding.template} ${s.finding.resource}`),
    ['tenants/acme.template.json tenantRole', 'tenants/initech.template.json tenantRole'],
  );
  const record = JSON.parse(r.files.find((f) => f.path === 'review.json')!.content);
  assert.equal(
    record.suppressed.map((s: { resource: string; reason: string }) => [s.resource, s.reason]),
    [
      ['tenantRole', reason],
      ['tenantRole', reason],
    ],
  );
  assert.ok(record.rules.includes('E999'));
});

G('a suppression narrower than the findings leaves the others failing', () => {
  const r = compileMinimal(
    'review:\n  suppressions:\n    - { rule: E999, template: tenants/acme.template.json, resource: tenantRole, reason: "Only acme is accepted, for this test." }\n',
  );
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.equal(
    r.diagnostics.map((d) => `${d.file} ${d.code}`),
    ['tenants/initech.yaml security-rule'],
  );
});

G('a suppression that accepts nothing is an error at the suppression', () => {
  const r = compileMinimal(
    'review:\n  suppressions:\n    - { rule: E101, template: shards/*.template.json, resource: albSecurityGroup, reason: "Nothing here is open, so this accepts nothing." }\n',
  );
  assert.is(r.ok, false);
  if (r.ok) return;
  // The appended block's third line, wherever the fixture ends.
  const line = readFileSync(join(MINIMAL, 'platform.yaml'), 'utf8').split('\n').length + 2;
  assert.equal(r.diagnostics.filter((d) => d.code === 'suppression-unused').map(formatDiagnostic), [
    `tenants/platform.yaml:${line}:7: review.suppressions[0] (E101 shards/*.template.json albSecurityGroup) accepts no finding: remove it, so it cannot hide a future one`,
  ]);
});

G('a suppression needs a reason the schema accepts', () => {
  const r = compileMinimal('review:\n  suppressions:\n    - { rule: E999, template: tenants/*.template.json, resource: tenantRole, reason: "ok" }\n');
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.match(r.diagnostics.map(formatDiagnostic).join('\n'), 'review.suppressions[0].reason must be at least 20 characters long');
});

G("with the pack alone, the same estate compiles: the failure above is the test rule's, not the fixture's", () => {
  const r = inTempDir((dir) => {
    cpSync(MINIMAL, dir, { recursive: true });
    return compileSources('tenants', loadedFrom(dir));
  });
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map(formatDiagnostic).join('\n'));
});

G.run();
