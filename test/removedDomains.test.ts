// A removed tenant's domain is not free for the next customer (plan/removedDomains.ts):
// validate refuses a claim on a domain the placement lock records in a removed identity,
// unless the claiming tenant is that tenant brought back (restoredFrom), or names the
// removal on purpose (takesDomainsFrom); the diff then shows each hand-over as a finding
// of kind restore (diff.test.ts, case removed-tenant-domain-taken).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { PLACEMENT_LOCK_FILE } from '../compiler/load/readManifests.ts';
import { domainHandoversOf, lockHistoryErrors } from '../compiler/diff/restore.ts';
import { checkEstate, compileSources, parseSources } from '../compiler/pipeline.ts';
import { compiledFrom, FIXTURES, rawFile, rawFilesFrom, TEST_DAY } from './helpers.ts';

const R = suite('domains of removed tenants');
const BASE = join(FIXTURES, 'diff', 'base');
const LOCK = readFileSync(join(BASE, PLACEMENT_LOCK_FILE), 'utf8');

/** The diff fixture's base (vandelay removed on 2026-10-01 with vandelay.tessera.app) plus `files`, checked as `tenantc validate` does. */
function validate(files: Readonly<Record<string, string>>): string[] {
  const raws = [...rawFilesFrom(BASE).filter((f) => !(f.name in files)), ...Object.entries(files).map(([name, text]) => rawFile(name, text))];
  const r = checkEstate('tenants', parseSources(raws, rawFile(PLACEMENT_LOCK_FILE, LOCK)), { today: TEST_DAY });
  if (r.ok) return [];
  for (const d of r.diagnostics) assert.is(d.code, 'domain-of-removed-tenant', formatDiagnostic(d));
  return r.diagnostics.map(formatDiagnostic);
}

const newco = (domains: string, extra = '') => `kind: Tenant
id: newco
name: Newco
tier: standard
status: active
${extra}users: 100
domains: ${domains}
dns: { mode: platform }
auth: { mfa: required }
contacts:
  - { role: owner, name: N, email: n@newco.example }
`;

/** Where the lock records removed.vandelay.identity.domains[0] (line and column, 1-based). */
const lockLine = LOCK.split('\n').findIndex((l) => l.startsWith('  vandelay: { removed:')) + 1;
const lockCol = LOCK.split('\n')[lockLine - 1]!.indexOf('"vandelay.tessera.app"') + 1;

R("a new tenant claiming a removed tenant's domain is refused, naming the lock entry and the way out", () => {
  const errors = validate({ 'newco.yaml': newco('[vandelay.tessera.app]') });
  assert.equal(errors, [
    `tenants/newco.yaml:7:11: domains[0] "vandelay.tessera.app" belonged to removed tenant vandelay (tenants/placement.lock.yaml:${lockLine}:${lockCol}): whatever still calls it (vandelay's webhooks, API clients, emailed links) would reach newco; choose another domain, or, to give it to newco on purpose (the name was transferred, its former customer told), add \`takesDomainsFrom: { vandelay: "2026-10-01" }\` to tenants/newco.yaml (docs/lifecycle.md)`,
  ]);
});

R('names compare as DNS does: another case or a trailing dot is the same name', () => {
  for (const d of ['[VanDelay.Tessera.App]', '["vandelay.tessera.app."]', '[newco.tessera.app, vandelay.tessera.app]']) {
    const errors = validate({ 'newco.yaml': newco(d) });
    assert.is(errors.length, 1, d);
    assert.match(errors[0]!, 'belonged to removed tenant vandelay');
  }
});

R("a name under a removed tenant's domain is refused too: its sign-in host, any host under it", () => {
  // An own-DNS newcomer on a removed tenant's names: acme (acme.com, app.acme.com) removed.
  const lock = LOCK.replace(
    /^removed:\n/m,
    'removed:\n  acme: { removed: "2026-10-01", identity: { name: "Acme", tier: "premium", domains: ["acme.com", "app.acme.com"], owners: [{ name: "W", email: "w@acme.com" }], federation: null } }\n',
  ).replace(/^  acme: \{ (?!removed).*\n/m, '');
  const own = (domains: string, auth = '{ mfa: required }') =>
    newco(domains).replace('dns: { mode: platform }', 'dns: { mode: external }').replace('auth: { mfa: required }', `auth: ${auth}`);
  const check = (files: Record<string, string>) => {
    const raws = [
      ...rawFilesFrom(BASE).filter((f) => f.name !== 'acme.yaml' && !(f.name in files)),
      ...Object.entries(files).map(([name, text]) => rawFile(name, text)),
    ];
    const r = checkEstate('tenants', parseSources(raws, rawFile(PLACEMENT_LOCK_FILE, lock)), { today: TEST_DAY });
    return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
  };
  for (const [domains, auth, what] of [
    ['[auth.acme.com]', undefined, 'its default sign-in host'],
    ['[www.acme.com]', undefined, 'a host under its domain'],
  ] as const) {
    const errors = check({ 'newco.yaml': own(domains, auth) });
    assert.is(errors.length, 1, `${what}: ${errors.join('\n')}`);
    assert.match(errors[0]!, 'is under acme.com, which belonged to removed tenant acme', errors[0]);
  }
  assert.equal(check({ 'newco.yaml': own('[notacme.com]') }), [], 'a name that merely ends alike is free');
  assert.equal(
    check({ 'newco.yaml': own('[www.acme.com]').replace('users: 100', 'takesDomainsFrom: { acme: "2026-10-01" }\nusers: 100') }),
    [],
    'takesDomainsFrom gives it',
  );
});

R('a domain no removed tenant had is free; the removed tenant itself brought back keeps its own', () => {
  assert.equal(validate({ 'newco.yaml': newco('[newco.tessera.app]') }), []);
  const restored = readFileSync(join(FIXTURES, 'diff', 'cases', 'restored-by-the-same-identity', 'head', 'vandelay.yaml'), 'utf8');
  assert.match(restored, 'vandelay.tessera.app');
  assert.equal(validate({ 'vandelay.yaml': restored }), []);
});

R('takesDomainsFrom with the removal day gives the domain on purpose; a wrong day, an id never removed, or an unused entry is refused', () => {
  assert.equal(validate({ 'newco.yaml': newco('[vandelay.tessera.app]', 'takesDomainsFrom: { vandelay: "2026-10-01" }\n') }), []);
  const wrongDay = validate({ 'newco.yaml': newco('[vandelay.tessera.app]', 'takesDomainsFrom: { vandelay: "2026-10-02" }\n') });
  assert.equal(wrongDay.length, 2, wrongDay.join('\n'));
  assert.match(wrongDay.join('\n'), 'belonged to removed tenant vandelay');
  assert.match(
    wrongDay.join('\n'),
    'takesDomainsFrom.vandelay "2026-10-02" is not the day vandelay was removed (tenants/placement.lock.yaml records 2026-10-01)',
  );
  assert.equal(validate({ 'newco.yaml': newco('[newco.tessera.app]', 'takesDomainsFrom: { hooli: "2026-10-01" }\n') }), [
    'tenants/newco.yaml:6:28: takesDomainsFrom.hooli: tenants/placement.lock.yaml records no removal of hooli; remove the entry',
  ]);
  assert.equal(validate({ 'newco.yaml': newco('[newco.tessera.app]', 'takesDomainsFrom: { vandelay: "2026-10-01" }\n') }), [
    'tenants/newco.yaml:6:31: takesDomainsFrom.vandelay: newco claims none of the domains vandelay had (vandelay.tessera.app); remove the entry',
  ]);
});

/** Compiles manifests (file name → text) on a lock as CI does; throws on diagnostics. */
function compiled(files: ReadonlyMap<string, string>, lock: string, today: string) {
  const r = compileSources(
    'tenants',
    parseSources(
      [...files].map(([name, text]) => rawFile(name, text)),
      rawFile(PLACEMENT_LOCK_FILE, lock),
    ),
    { today },
  );
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r;
}

R('the names a removed tenant held outside its domains are recorded when it leaves, and are not free after: its zone, its own names during a move', () => {
  const files = new Map(rawFilesFrom(BASE).map((f) => [f.name, Buffer.from(f.bytes!).toString('utf8')] as const));
  // acme keeps only app.acme.com of its domains, in its zone acme.com; initech is moving
  // to its own DNS (portal.initech.com, not yet validated), served on initech.tessera.app.
  // Both are offboarded, then their files deleted.
  files.set(
    'acme.yaml',
    files
      .get('acme.yaml')!
      .replace('  - acme.com\n', '')
      .replace('domain: login.acme.com', 'domain: login.app.acme.com')
      .replace('status: active', 'status: offboarded'),
  );
  files.set(
    'initech.yaml',
    readFileSync(join(FIXTURES, 'diff', 'cases', 'platform-to-own-dns', 'head', 'initech.yaml'), 'utf8').replace('status: active', 'status: offboarded'),
  );
  const offboarded = compiled(files, LOCK, '2026-11-20');
  files.delete('acme.yaml');
  files.delete('initech.yaml');
  const removed = compiled(files, offboarded.lock, TEST_DAY);
  const line = (id: string) => removed.lock.split('\n').find((l) => l.startsWith(`  ${id}: { removed:`)) ?? '';
  assert.match(line('acme'), 'domains: ["app.acme.com"], names: ["acme.com"], owners:');
  assert.match(line('initech'), 'domains: ["initech.tessera.app"], names: ["portal.initech.com"], owners:');
  assert.not.match(line('vandelay'), 'names:', 'a tenant that held no other name: its line is as it was');

  const claim = (lock: string, text: string) => {
    const raws = [...rawFilesFrom(BASE).filter((f) => f.name !== 'acme.yaml' && f.name !== 'initech.yaml'), rawFile('newco.yaml', text)];
    const r = checkEstate('tenants', parseSources(raws, rawFile(PLACEMENT_LOCK_FILE, lock)), { today: TEST_DAY });
    return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
  };
  const own = (domains: string, dns = '{ mode: external }', auth = '{ mfa: required }') =>
    newco(domains).replace('dns: { mode: platform }', `dns: ${dns}`).replace('auth: { mfa: required }', `auth: ${auth}`);
  const at = (id: string, name: string) => {
    const lines = removed.lock.split('\n');
    const i = lines.findIndex((l) => l.startsWith(`  ${id}: { removed:`));
    return `tenants/placement.lock.yaml:${i + 1}:${lines[i]!.indexOf(`"${name}"`) + 1}`;
  };
  for (const [text, expected] of [
    [own('[www.acme.com]'), `"www.acme.com" is under acme.com, which belonged to removed tenant acme (${at('acme', 'acme.com')})`],
    [own('[acme.com]', '{ mode: delegated, zone: acme.com }'), 'dns.zone "acme.com" belonged to removed tenant acme'],
    [own('[portal.initech.com]'), `"portal.initech.com" belonged to removed tenant initech (${at('initech', 'portal.initech.com')})`],
    [own('[shop.portal.initech.com]'), 'is under portal.initech.com, which belonged to removed tenant initech'],
    [newco('[initech.tessera.app]'), 'belonged to removed tenant initech'],
  ] as const) {
    const errors = claim(removed.lock, text);
    assert.ok(errors.length >= 1 && errors.every((e) => e.includes('removed tenant')), errors.join('\n'));
    assert.match(errors.join('\n'), expected);
  }
  // The mutation: the same lock without the names. acme.com was never one of acme's
  // domains here, nor portal.initech.com one of initech's, so only the recorded names
  // kept them from the next customer.
  const withoutNames = removed.lock.replace(/, names: \[[^\]]*\]/g, '');
  assert.equal(claim(withoutNames, own('[www.acme.com]')), [], 'without names the name is free: the names are what refuse it');
  assert.equal(claim(withoutNames, own('[portal.initech.com]')), []);

  // Given on purpose, the review shows it as a hand-over, a name under one acme held.
  const given = own('[www.acme.com]').replace('users: 100', `takesDomainsFrom: { acme: "${TEST_DAY}" }\nusers: 100`);
  assert.equal(claim(removed.lock, given), []);
  const head = compiled(new Map([...files, ['newco.yaml', given]]), removed.lock, TEST_DAY);
  assert.equal(domainHandoversOf(removed.plan, head.plan), [{ tenant: 'newco', domain: 'www.acme.com', under: 'acme.com', from: 'acme', removedOn: TEST_DAY }]);

  // A pull request that drops the names from the lock (to free them later), or adds one
  // (to block whoever claims it), edits the lock's history: the review says so (an
  // outside probe freed acme.com in two pull requests while names were compared by nobody).
  const edited = (lock: string) => compiled(files, lock, TEST_DAY).plan;
  const history = (lock: string) => lockHistoryErrors(removed.plan, edited(lock), 'main', 'work tree').map((e) => e.message);
  assert.equal(history(removed.lock), [], 'the lock as compile wrote it');
  assert.match(history(withoutNames).join('\n'), 'changes removed.acme');
  assert.match(history(removed.lock.replace('names: ["acme.com"]', 'names: ["acme.com", "acme-rival.example"]')).join('\n'), 'changes removed.acme');
  // Removing a tenant whose lock line's names were dropped on the way: recorded as someone it was not.
  const offboardedWithout = offboarded.lock.replace(/, names: \[[^\]]*\]/g, '');
  const removedFromEdited = compiled(files, offboardedWithout, TEST_DAY);
  assert.match(
    lockHistoryErrors(offboarded.plan, removedFromEdited.plan, 'main', 'work tree')
      .map((e) => e.message)
      .join('\n'),
    'the names it held',
  );
});

R('a name two removed tenants held is held by the later one: takesDomainsFrom must name it', () => {
  // vandelay (removed 2026-10-01) had vandelay.tessera.app; zeta took it and was removed later.
  // zeta's line after vandelay's: the later removal wins whatever the lock's order.
  const lock = LOCK.replace(
    /^( {2}vandelay: \{ removed:.*\n)/m,
    '$1  zeta: { removed: "2026-11-20", identity: { name: "Zeta", tier: "standard", domains: ["vandelay.tessera.app"], owners: [{ name: "Z", email: "z@zeta.example" }], federation: null } }\n',
  );
  const check = (text: string) => {
    const r = checkEstate('tenants', parseSources([...rawFilesFrom(BASE), rawFile('newco.yaml', text)], rawFile(PLACEMENT_LOCK_FILE, lock)), {
      today: TEST_DAY,
    });
    return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
  };
  assert.match(check(newco('[vandelay.tessera.app]')).join('\n'), 'belonged to removed tenant zeta');
  assert.ok(check(newco('[vandelay.tessera.app]', 'takesDomainsFrom: { vandelay: "2026-10-01" }\n')).length > 0, 'naming the earlier holder gives nothing');
  assert.equal(check(newco('[vandelay.tessera.app]', 'takesDomainsFrom: { zeta: "2026-11-20" }\n')), []);
});

R.run();
