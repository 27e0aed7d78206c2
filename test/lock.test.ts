// The placement lock in pull requests: --locked refuses to change it (naming the lines
// that would change), and two changes that each took the same place cannot both
// stand after they merge: compile names both tenants instead of moving one silently.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateEstate, tenantId } from '../bench/generateEstate.ts';
import { MANIFEST_SIZE_CAP_BYTES } from '../compiler/load/readManifests.ts';
import { lockDrift, writeLockFile } from '../compiler/write/lockFile.ts';
import { checkEstate, loadSources, parseSources } from '../compiler/pipeline.ts';
import { readEstateAtRef } from '../compiler/diff/gitSource.ts';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { FIXTURES, inTempDir, runMain, SAMPLE_TENANTS } from './helpers.ts';

const L = suite('placement lock');
const LOCK = 'placement.lock.yaml';

/** A standard tenant `id` in platform DNS mode, as a new pull request would add it. */
function newTenant(id: string): string {
  return [
    'kind: Tenant',
    `id: ${id}`,
    `name: ${id} Inc.`,
    'tier: standard',
    'status: active',
    'users: 40',
    'domains:',
    `  - ${id}.tessera.app`,
    'dns: { mode: platform }',
    'auth: { mfa: required }',
    `contacts: [{ role: owner, name: Owner, email: owner@${id}.example.com }]`,
    '',
  ].join('\n');
}

L('validate --locked and compile --locked accept an estate whose lock is up to date', async () => {
  await inTempDir(async (work) => {
    cpSync(SAMPLE_TENANTS, work, { recursive: true });
    assert.is((await runMain(['validate', '--locked', '--tenants', work])).status, 0);
    const r = await runMain(['compile', '--locked', '--tenants', work, '--out', join(work, 'out')]);
    assert.is(r.status, 0, r.stderr);
  });
});

L('lockDrift: the lines a lock loses (-), then the lines it gains (+), in file order; nothing when equal', () => {
  const before = ['version: 2', 'tenants:', '  a: { group: 0 }', '  b: { group: 0 }', '  c: { group: 1 }', ''].join('\n');
  const after = ['version: 2', 'tenants:', '  a: { group: 0 }', '  b: { group: 1 }', '  c: { group: 1 }', '  d: { group: 1 }', ''].join('\n');
  assert.equal(lockDrift(before, after), ['-   b: { group: 0 }', '+   b: { group: 1 }', '+   d: { group: 1 }']);
  assert.equal(lockDrift(after, after), []);
  assert.equal(lockDrift(null, 'version: 2\n'), ['+ version: 2'], 'no lock yet: every line is new');
  assert.equal(lockDrift(after, before), ['-   b: { group: 1 }', '-   d: { group: 1 }', '+   b: { group: 0 }']);
});

L('--locked fails on a tenant without its lock line, prints the line, and writes nothing', async () => {
  await inTempDir(async (work) => {
    const tenants = join(work, 'tenants');
    cpSync(SAMPLE_TENANTS, tenants, { recursive: true });
    writeFileSync(join(tenants, 'initrode.yaml'), newTenant('initrode'));
    const lockBefore = readFileSync(join(tenants, LOCK), 'utf8');
    for (const args of [['validate'], ['compile', '--out', join(work, 'out')]]) {
      const r = await runMain([...args, '--locked', '--tenants', tenants]);
      assert.is(r.status, 1, args[0]);
      assert.fixture(
        r.stderr.replaceAll(tenants, 'tenants'),
        [
          'tenants/placement.lock.yaml:1:1: the placement lock is not up to date and --locked forbids changing it; these lines would change:',
          '  +   initrode: { status: active, albShard: 0, ruleSlot: 11, cacheCluster: 0, group: 0, rules: 1, certificates: 0, targetGroups: 0 }',
          '  run `tenantc compile` without --locked and commit the lock with the manifests',
          '1 problem in 1 file; nothing was written',
          '',
        ].join('\n'),
      );
    }
    assert.not.ok(existsSync(join(work, 'out')), 'compile --locked wrote no output');
    assert.is(readFileSync(join(tenants, LOCK), 'utf8'), lockBefore, 'nor the lock');
    // Without --locked, compile places the tenant and writes its line; then --locked passes.
    assert.is((await runMain(['compile', '--tenants', tenants, '--out', join(work, 'out')])).status, 0);
    assert.is((await runMain(['validate', '--locked', '--tenants', tenants])).status, 0);
  });
});

/** Two branches off `base`, each adding one tenant and compiling; returns the merged estate. */
async function mergeTwoBranches(work: string, base: string, a: string, b: string): Promise<string> {
  const branch = async (id: string) => {
    const dir = join(work, id);
    cpSync(base, dir, { recursive: true });
    writeFileSync(join(dir, `${id}.yaml`), newTenant(id));
    const r = await runMain(['compile', '--tenants', dir, '--out', join(work, `out-${id}`)]);
    assert.is(r.status, 0, r.stderr);
    return readFileSync(join(dir, LOCK), 'utf8').split('\n');
  };
  const baseLines = readFileSync(join(base, LOCK), 'utf8').split('\n');
  const added = [...(await branch(a)), ...(await branch(b))].filter((l) => !baseLines.includes(l));
  // What git produces once both pull requests merge: both tenant files, both lock lines.
  const merged = join(work, 'merged');
  cpSync(base, merged, { recursive: true });
  cpSync(join(work, a, `${a}.yaml`), join(merged, `${a}.yaml`));
  cpSync(join(work, b, `${b}.yaml`), join(merged, `${b}.yaml`));
  const header = baseLines.slice(0, baseLines.indexOf('tenants:') + 1);
  const entries = [...baseLines.slice(header.length).filter((l) => l !== ''), ...added].sort();
  writeFileSync(join(merged, LOCK), `${[...header, ...entries].join('\n')}\n`);
  return merged;
}

L('two merged pull requests that took the same listener slot are an error naming both tenants', async () => {
  await inTempDir(async (work) => {
    const merged = await mergeTwoBranches(work, SAMPLE_TENANTS, 'initrode', 'zorg');
    const r = await runMain(['validate', '--tenants', merged]);
    assert.is(r.status, 1);
    assert.fixture(
      r.stderr.replaceAll(merged, 'tenants'),
      'tenants/placement.lock.yaml:21:50: tenants.zorg claims listener slot 11 of ALB shard 0, already claimed by tenants.initrode at tenants/placement.lock.yaml:14:54: tenants/zorg.yaml and tenants/initrode.yaml were placed by two different changes; delete the lock line of the tenant added last and run `tenantc compile` to place it anew\n1 problem in 1 file; nothing was written\n',
    );
    // The way out the message gives works: drop zorg's line, compile places it anew.
    const lock = join(merged, LOCK);
    writeFileSync(lock, readFileSync(lock, 'utf8').replace(/^ {2}zorg: .*\n/m, ''));
    assert.is((await runMain(['compile', '--tenants', merged, '--out', join(work, 'out')])).status, 0);
    assert.match(readFileSync(lock, 'utf8'), /zorg: \{ status: active, albShard: 0, ruleSlot: 12,/);
  });
});

L("two merged pull requests that took a group's last place are an error listing the group's tenants", async () => {
  await inTempDir(async (work) => {
    const base = join(work, 'base');
    generateEstate(base, 39, join(FIXTURES, 'platform.yaml'));
    assert.is((await runMain(['compile', '--tenants', base, '--out', join(work, 'out')])).status, 0);
    const merged = await mergeTwoBranches(work, base, 'aaa-new', 'zzz-new');
    const r = await runMain(['validate', '--tenants', merged]);
    assert.is(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    // Slots do not collide here (each branch took the next free slot of a different shard
    // state), so the group is what overflows; the listener-slot duplicate is reported too.
    assert.ok(
      lines.some((l) => /group 0 holds 41 tenants in the lock, over the 40 it can hold \(aaa-new, .*zzz-new\): two changes each took its last place/.test(l)),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.includes(tenantId(0))),
      "the group's tenants are named",
    );
  });
});

L("a large estate's lock (over the 64 KiB manifest cap) is read from the work tree and from git alike", async () => {
  await inTempDir(async (work) => {
    // 700 tenants: a lock of ~80 KB, past the manifest cap, far under the lock's.
    generateEstate(work, 700, join(SAMPLE_TENANTS, 'platform.yaml'));
    // The lock compile would write (the plan's lockOf, by compile's writer), without the
    // 700 templates compile also emits and writes: the test is about reading the lock.
    const checked = checkEstate('.', loadSources('.', work));
    if (!checked.ok) return assert.unreachable(checked.diagnostics.map(formatDiagnostic).join('\n'));
    assert.ok(writeLockFile(work, checked.lock), 'the generated estate had no lock');
    const lockBytes = readFileSync(join(work, LOCK)).length;
    assert.ok(lockBytes > MANIFEST_SIZE_CAP_BYTES, `the lock is ${lockBytes} bytes`);
    assert.is((await runMain(['validate', '--locked', '--tenants', '.'], work)).status, 0);
    const git = (...args: string[]) =>
      spawnSync('git', args, {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
      });
    git('init', '-q');
    git('add', '-A', '--', '*.yaml');
    git('commit', '-qm', 'estate');
    // The lock as `tenantc diff` reads a side from git (readEstateAtRef), then checked
    // --locked as that side's compile would be. Not the whole diff: that compiles and diffs
    // the 700 tenants on both sides (~3 s of CPU) to prove one file was read.
    const atHead = readEstateAtRef(work, '.', 'HEAD');
    assert.is(atHead.files.length, 701, '700 tenants and the platform');
    assert.ok(atHead.lock?.bytes, `git's lock was not read: ${JSON.stringify({ ...atHead.lock, bytes: undefined })}`);
    assert.ok(Buffer.from(atHead.lock.bytes).equals(readFileSync(join(work, LOCK))), "git's lock is the work tree's");
    const fromGit = checkEstate('.', parseSources(atHead.files, atHead.lock), { locked: true });
    if (!fromGit.ok) return assert.unreachable(fromGit.diagnostics.map(formatDiagnostic).join('\n'));
    assert.is(fromGit.lock, checked.lock);
  });
});

L.run();
