// The CLI as users and scripts call it: exit codes, help, and the promise that an
// invalid estate writes nothing and leaves an existing output exactly as it was.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FIXTURES, listTree, ROOT, runCli, runMain, inTempDir, SAMPLE_TENANTS } from './helpers.ts';

const Cli = suite('cli');

function snapshot(dir: string): string {
  return listTree(dir)
    .map((p) => `${p} ${statSync(join(dir, p)).mtimeMs} ${readFileSync(join(dir, p), 'utf8')}`)
    .join('\n');
}

Cli('--help on the program and on every command exits 0', () => {
  const top = runCli(['--help']);
  assert.is(top.status, 0);
  assert.match(top.stdout, 'validate');
  assert.match(top.stdout, 'compile');
  for (const cmd of ['validate', 'compile']) {
    const r = runCli([cmd, '--help']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, `Usage: tenantc ${cmd}`);
    assert.match(r.stdout, '--tenants DIR');
  }
});

Cli('usage errors exit 2', () => {
  assert.is(runCli([]).status, 2);
  const unknown = runCli(['frobnicate']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, 'unknown command "frobnicate"');
  const flag = runCli(['validate', '--tenant', 'x']);
  assert.is(flag.status, 2);
  assert.match(flag.stderr, "Unknown option '--tenant'");
  const missing = runCli(['validate', '--tenants', 'no/such/dir']);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, 'no/such/dir: no such directory');
});

/** A writable copy of the sample fixture estate: compile writes the lock beside the manifests. */
function sampleCopy(work: string): string {
  const tenants = join(work, 'sample');
  cpSync(SAMPLE_TENANTS, tenants, { recursive: true });
  return tenants;
}

Cli('validate accepts the sample estate', () => {
  const r = runCli(['validate', '--tenants', SAMPLE_TENANTS]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, 'platform tessera and 11 tenants are valid');
});

Cli('an invalid estate exits 1, prints every problem sorted, and leaves --out exactly as it was', () => {
  inTempDir((work) => {
    const tenants = join(work, 'tenants');
    cpSync(join(FIXTURES, 'invalid', 'duplicate-domains'), tenants, { recursive: true });
    cpSync(join(FIXTURES, 'platform.yaml'), join(tenants, 'platform.yaml'));
    rmSync(join(tenants, 'expected.txt'));
    writeFileSync(join(tenants, 'zeta.yaml'), 'kind: Tenant\nid: zeta\n');
    // An earlier good compile left an output tree behind.
    const out = join(work, 'out');
    assert.is(runCli(['compile', '--tenants', sampleCopy(work), '--out', out]).status, 0);
    const before = snapshot(out);
    const r = runCli(['compile', '--tenants', 'tenants', '--out', 'out'], { cwd: work });
    assert.is(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines, [
      'tenants/beta.yaml:8:5: domains[0] "App.Alpha.COM." is already claimed by tenants/alpha.yaml:7:11',
      'tenants/beta.yaml:10:5: domains[2] "BETA.com" is listed twice (also domains[1] "beta.com")',
      'tenants/zeta.yaml:1:1: missing required key "auth"',
      'tenants/zeta.yaml:1:1: missing required key "contacts"',
      'tenants/zeta.yaml:1:1: missing required key "dns"',
      'tenants/zeta.yaml:1:1: missing required key "domains"',
      'tenants/zeta.yaml:1:1: missing required key "name"',
      'tenants/zeta.yaml:1:1: missing required key "status"',
      'tenants/zeta.yaml:1:1: missing required key "tier"',
      'tenants/zeta.yaml:1:1: missing required key "users"',
      '10 problems in 2 files; nothing was written',
    ]);
    assert.is(r.stdout, '');
    assert.is(snapshot(out), before, 'the previous output must be untouched');
    assert.equal(listTree(work).filter((p) => p.includes('.tenantc-tmp')), [], 'no staging directory left behind');
  });
});

Cli('compile replaces the output directory as a whole', () => {
  inTempDir((work) => {
    const out = join(work, 'out');
    const tenants = sampleCopy(work);
    assert.is(runCli(['compile', '--tenants', tenants, '--out', out]).status, 0);
    writeFileSync(join(out, 'stale.template.json'), '{}');
    const r = runCli(['compile', '--tenants', tenants, '--out', out]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, 'compiled 11 tenants of tessera');
    assert.match(r.stdout, /\(0 written, [1-9]\d* unchanged\)/, 'an unchanged estate rewrites no file');
    assert.not.ok(existsSync(join(out, 'stale.template.json')), 'a file from an earlier compile must not survive');
    assert.ok(existsSync(join(out, 'root.template.json')));
  });
});

Cli('compile refuses to replace a directory it did not write', () => {
  inTempDir((work) => {
    mkdirSync(join(work, 'docs'));
    writeFileSync(join(work, 'docs', 'keep.md'), 'precious');
    const r = runCli(['compile', '--tenants', sampleCopy(work), '--out', join(work, 'docs')]);
    assert.is(r.status, 2);
    assert.match(r.stderr, 'refusing to replace a non-empty directory that tenantc did not write');
    assert.is(readFileSync(join(work, 'docs', 'keep.md'), 'utf8'), 'precious');
  });
});

let bundleBuilt = false;
/** Builds dist/ from the current sources, once per run of this suite. */
function buildBundle(): void {
  if (bundleBuilt) return;
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, encoding: 'utf8' });
  assert.is(build.status, 0, build.stderr);
  bundleBuilt = true;
}

Cli('the bundled CLI (precompiled validators) reports exactly what the sources report', () => {
  buildBundle();
  inTempDir((work) => {
    let seen = '';
    for (const c of ['wrong-types-and-values', 'missing-required', 'dns-modes', 'unknown-keys', 'bad-ids']) {
      const tenants = join(work, c);
      cpSync(join(FIXTURES, 'invalid', c), tenants, { recursive: true });
      cpSync(join(FIXTURES, 'platform.yaml'), join(tenants, 'platform.yaml'));
      const bundled = runCli(['validate', '--tenants', c], { cwd: work });
      const source = runCli(['validate', '--tenants', c], { cwd: work, env: { TENANTC_FROM_SOURCE: '1' } });
      assert.is(bundled.status, 1);
      assert.is(source.status, 1);
      assert.fixture(bundled.stderr, source.stderr);
      seen += bundled.stderr;
    }
    assert.match(seen, 'must be a fully qualified domain name', 'x-hint texts survive precompilation');
  });
});

Cli('the bundled CLI (precompiled templates, bundled packages) compiles to the same bytes as the sources', () => {
  buildBundle();
  inTempDir((work) => {
    const tenants = join(work, 'tenants');
    cpSync(SAMPLE_TENANTS, tenants, { recursive: true });
    const bundled = runCli(['compile', '--tenants', tenants, '--out', join(work, 'bundled')]);
    const source = runCli(['compile', '--tenants', tenants, '--out', join(work, 'source')], { env: { TENANTC_FROM_SOURCE: '1' } });
    assert.is(bundled.status, 0, bundled.stderr);
    assert.is(source.status, 0, source.stderr);
    const files = listTree(join(work, 'source'));
    assert.ok(files.includes('sql/001-rls-migration.sql') && files.includes('root.template.json'), 'SQL and user data come from templates');
    assert.equal(listTree(join(work, 'bundled')), files);
    for (const f of files) assert.fixture(readFileSync(join(work, 'bundled', f), 'utf8'), readFileSync(join(work, 'source', f), 'utf8'), f);
  });
});

Cli('the bundled diff (its worker reads the registry extract) prints what the sources print', async () => {
  buildBundle();
  await inTempDir(async (repo) => {
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
    cpSync(join(FIXTURES, 'diff', 'base'), join(repo, 'tenants'), { recursive: true });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    // Replacements, broadening and additions, so the registry's update semantics matter.
    for (const c of ['sign-in-domain-renamed', 'standard-to-premium']) cpSync(join(FIXTURES, 'diff', 'cases', c, 'head'), join(repo, 'tenants'), { recursive: true });
    const args = ['diff', '--base', 'main', '--format', 'json', '--fail-on', 'replacement,removal,broadening,stateful'];
    const bundled = runCli(args, { cwd: repo });
    const source = await runMain(args, repo);
    assert.is(bundled.status, 1, bundled.stderr);
    assert.is(source.status, 1, source.stderr);
    assert.match(bundled.stdout, '"impact": "replace"');
    assert.fixture(bundled.stdout, source.stdout);
  });
});

Cli.run();
