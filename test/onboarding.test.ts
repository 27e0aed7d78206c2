// The onboarding pull request, end to end on a copy of the repository's estate: one
// new valid tenant file plus the lock line compile writes for it, and every property the
// live estate's suite proves must still hold. A test that counted tenants or compared the
// live estate with a golden would fail here. The properties run in this process
// (test/support/liveEstate.ts), not in a second test process.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { inTempDir, LIVE_TENANTS, ROOT, runMain } from './helpers.ts';
import { LIVE_ESTATE_PROPERTIES } from './support/liveEstate.ts';

const O = suite('onboarding');

/** The suites that read the live estate: those that import LIVE_TENANTS. */
const LIVE_SUITES = readdirSync(join(ROOT, 'test'))
  .filter((f) => f.endsWith('.test.ts') && f !== 'onboarding.test.ts')
  .filter((f) => /\bLIVE_TENANTS\b/.test(readFileSync(join(ROOT, 'test', f), 'utf8')))
  .sort();

O('the suites that read the live estate are known, and every test of theirs is a property onboarding proves again', () => {
  assert.equal(LIVE_SUITES, ['live.test.ts']);
  // live.test.ts registers its tests in one place: the loop over LIVE_ESTATE_PROPERTIES.
  const live = readFileSync(join(ROOT, 'test', 'live.test.ts'), 'utf8');
  assert.equal(live.match(/\bLive(\.\w+)?\(/g), ['Live(', 'Live.run('], 'a test of live.test.ts outside LIVE_ESTATE_PROPERTIES');
  assert.match(live, /^for \(const property of LIVE_ESTATE_PROPERTIES\) Live\(property\.name, \(\) => property\.check\(LIVE_TENANTS\)\);$/m);
  assert.ok(LIVE_ESTATE_PROPERTIES.length > 0);
});

O('adding a valid tenant with its lock line keeps every live-estate property true', async () => {
  await inTempDir(async (work) => {
    const tenants = join(work, 'tenants');
    cpSync(LIVE_TENANTS, tenants, { recursive: true });
    const platform = parse(readFileSync(join(tenants, 'platform.yaml'), 'utf8')) as { apexDomain: string; tiers: Record<string, { federation: boolean }> };
    const id = `onboard-t${process.pid.toString(36)}`;
    writeFileSync(
      join(tenants, `${id}.yaml`),
      [
        'kind: Tenant',
        `id: ${id}`,
        'name: Onboarding Test Ltd',
        `tier: ${Object.keys(platform.tiers).sort()[0]}`,
        'status: active',
        'users: 25',
        'domains:',
        `  - ${id}.${platform.apexDomain}`,
        'dns: { mode: platform }',
        'auth: { mfa: required }',
        `contacts: [{ role: owner, name: New Owner, email: owner@${id}.example.com }]`,
        '',
      ].join('\n'),
    );
    // What the author runs before opening the pull request: compile writes the lock line.
    const compiled = await runMain(['compile', '--tenants', tenants, '--out', join(work, 'out')]);
    assert.is(compiled.status, 0, compiled.stderr);
    assert.match(readFileSync(join(tenants, 'placement.lock.yaml'), 'utf8'), new RegExp(`^  ${id}: \\{`, 'm'));
    for (const property of LIVE_ESTATE_PROPERTIES) await property.check(tenants);
  });
});

O.run();
