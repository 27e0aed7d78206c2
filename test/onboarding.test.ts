// The onboarding pull request, end to end on a copy of the repository's estate: one
// new valid tenant file plus the lock line compile writes for it, and every suite that
// reads the live estate must still pass. A test that counted tenants or compared the
// live estate with a golden would fail here.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { inTempDir, LIVE_TENANTS, ROOT, runMain } from './helpers.ts';

const O = suite('onboarding');

/** The suites that read the live estate: those that import LIVE_TENANTS. */
const LIVE_SUITES = readdirSync(join(ROOT, 'test'))
  .filter((f) => f.endsWith('.test.ts') && f !== 'onboarding.test.ts')
  .filter((f) => /\bLIVE_TENANTS\b/.test(readFileSync(join(ROOT, 'test', f), 'utf8')))
  .sort();

O('the suites that read the live estate are known', () => {
  assert.equal(LIVE_SUITES, ['live.test.ts']);
});

O('adding a valid tenant with its lock line keeps every live-estate suite green', async () => {
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
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'uvu', 'bin.js'), '-r', 'tsx', 'test', `^(${LIVE_SUITES.map((f) => f.replace('.', '\\.')).join('|')})$`],
      {
        cwd: ROOT,
        env: { ...process.env, TENANTC_LIVE_TENANTS: tenants, FORCE_COLOR: '0' },
        encoding: 'utf8',
      },
    );
    assert.is(run.status, 0, `${run.stdout}${run.stderr}`);
    const total = /Total:\s+(\d+)/.exec(run.stdout)?.[1];
    const passed = /Passed:\s+(\d+)/.exec(run.stdout)?.[1];
    assert.ok(total !== undefined && Number(total) > 0 && passed === total, run.stdout);
  });
});

O.run();
