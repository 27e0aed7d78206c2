// A rule-pack finding the head accepts by suppression and the base did not is a
// `weakening` the pull request allows by name (compiler/diff/newlySuppressed.ts). An
// outside probe merged a wildcard suppression (E405 on tenants/*.template.json, every
// resource) kept alive by one tenant's finding; a later pull request added a tenant
// with no password classes at all, and its review passed with no finding and no
// suppression change. Both pull requests are replayed here.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compiledSide, type CompiledSide, diffEstate } from '../compiler/diff/diffEstate.ts';
import { evaluateGate, gateFindings } from '../compiler/diff/failOn.ts';
import { inThreadDiffer } from '../compiler/diff/inThreadDiffer.ts';
import { renderMarkdown } from '../compiler/diff/render.ts';
import { parseAllow, type Allow } from '../compiler/allow.ts';
import { compiledFrom, FIXTURES, inTempDir } from './helpers.ts';

const S = suite('findings newly accepted by suppressions');
const BASE = join(FIXTURES, 'diff', 'base');

const WILDCARD =
  '\nreview:\n  suppressions:\n    - { rule: E405, template: "tenants/*.template.json", resource: "*", reason: "initech legacy policy until OPS-77" }\n';
const INITECH_NO_SYMBOLS = (text: string) => text.replace('  mfa: optional\n', '  mfa: optional\n  passwordPolicy:\n    requireSymbols: false\n');
const NEWCO = `kind: Tenant
id: newco
name: Newco
tier: standard
status: active
users: 100
domains: [newco.tessera.app]
dns: { mode: platform }
auth:
  mfa: optional
  passwordPolicy: { requireLowercase: false, requireUppercase: false, requireNumbers: false, requireSymbols: false }
contacts:
  - { role: owner, name: N, email: n@newco.example }
`;

/** The base estate with `edit` applied to its files, compiled. */
function sideOf(dir: string, label: string, edit: (into: string) => void): CompiledSide {
  const into = join(dir, label.replace(/\W+/g, '-'));
  cpSync(BASE, into, { recursive: true });
  edit(into);
  const r = compiledFrom(into);
  return compiledSide(label, r.plan, r.files, r.lock);
}

const pr1 = (into: string) => {
  writeFileSync(join(into, 'platform.yaml'), readFileSync(join(into, 'platform.yaml'), 'utf8') + WILDCARD);
  writeFileSync(join(into, 'initech.yaml'), INITECH_NO_SYMBOLS(readFileSync(join(into, 'initech.yaml'), 'utf8')));
};
const pr2 = (into: string) => {
  pr1(into);
  writeFileSync(join(into, 'newco.yaml'), NEWCO);
};

async function review(base: CompiledSide, head: CompiledSide, allows: readonly string[] = []) {
  const diff = await diffEstate(base, head, inThreadDiffer);
  const overrides = allows.map((a) => parseAllow(a) as Allow);
  const gate = evaluateGate(gateFindings(diff, new Map()), ['weakening'], overrides);
  let markdown = '';
  renderMarkdown(diff, gate, { write: (x: string) => (markdown += x) });
  return { diff, gate, markdown };
}

S('the pull request adding the wildcard: the finding it accepts is a weakening, allowed by its resource', () =>
  inTempDir(async (dir): Promise<void> => {
    const base = sideOf(dir, 'main', () => {});
    const head = sideOf(dir, 'pull request 1', pr1);
    const { diff, gate, markdown } = await review(base, head);
    assert.equal(
      (diff.newlySuppressed ?? []).map((f) => [f.rule, f.template, f.tenant]),
      [['E405', 'tenants/initech.template.json', 'initech']],
    );
    const resource = diff.newlySuppressed![0]!.resource;
    // The pool's policy weakening is the risk table's too (an existing stack's change);
    // the accepted finding is a finding of its own, named by the same resource.
    assert.equal(
      gate.blocking.filter((f) => f.description.includes('now accepted by review.suppressions')).map((f) => [f.kind, f.tenant, f.logicalId]),
      [['weakening', 'initech', resource]],
    );
    assert.match(markdown, 'now accepted by review.suppressions');
    assert.match(markdown, 'initech legacy policy until OPS-77');
    const allowed = await review(base, head, [`weakening tenant:initech/${resource}: legacy policy until OPS-77`]);
    assert.equal([allowed.gate.blocking, allowed.gate.unused], [[], []]);
  }),
);

S('the later pull request adding a tenant the wildcard covers: its accepted finding blocks until allowed by name', () =>
  inTempDir(async (dir): Promise<void> => {
    const base = sideOf(dir, 'main after pull request 1', pr1);
    const head = sideOf(dir, 'pull request 2', pr2);
    assert.equal(head.suppressions, base.suppressions, 'no suppression changes in this pull request');
    const { diff, gate, markdown } = await review(base, head);
    assert.equal(
      (diff.newlySuppressed ?? []).map((f) => [f.rule, f.template]),
      [['E405', 'tenants/newco.template.json']],
      "initech's finding, accepted in the base already, is not repeated",
    );
    assert.equal(
      gate.blocking.map((f) => [f.kind, f.tenant]),
      [['weakening', 'newco']],
    );
    assert.match(markdown, 'WEAKENS: tenants/newco.template.json');
  }),
);

S('nothing newly accepted: an unchanged estate, and a suppression removed', () =>
  inTempDir(async (dir): Promise<void> => {
    const withWildcard = sideOf(dir, 'with', pr1);
    const without = sideOf(dir, 'without', (into) => writeFileSync(join(into, 'initech.yaml'), readFileSync(join(into, 'initech.yaml'), 'utf8')));
    assert.is((await review(withWildcard, withWildcard)).diff.newlySuppressed, undefined);
    assert.is((await review(withWildcard, without)).diff.newlySuppressed, undefined);
  }),
);

S.run();
