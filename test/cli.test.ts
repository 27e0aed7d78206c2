// The CLI as users and scripts call it: exit codes, help, and the promise that an
// invalid estate writes nothing and leaves an existing output exactly as it was. The
// commands run in this process (cli/main.ts main(argv, io)); the shipped binary, a
// bundle built into a temporary directory, runs as a child process where the process
// itself is what is tested: its exit code, and that it prints and writes exactly what
// the sources do.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { compileCachePath } from '../compiler/write/compileCache.ts';
import { startThreadedWrite } from '../compiler/write/threadedWrite.ts';
import { writeOutput } from '../compiler/write/writeOutput.ts';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtDir, FIXTURES, inTempDir, listTree, ROOT, runBundledMain, runCli, runMain, SAMPLE_TENANTS } from './helpers.ts';

const Cli = suite('cli');

function snapshot(dir: string): string {
  return listTree(dir)
    .map((p) => `${p} ${statSync(join(dir, p)).mtimeMs} ${readFileSync(join(dir, p), 'utf8')}`)
    .join('\n');
}

Cli('--help on the program and on every command exits 0', async () => {
  const top = await runMain(['--help']);
  assert.is(top.status, 0);
  assert.match(top.stdout, 'validate');
  assert.match(top.stdout, 'compile');
  for (const cmd of ['validate', 'compile']) {
    const r = await runMain([cmd, '--help']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, `Usage: tenantc ${cmd}`);
    assert.match(r.stdout, '--tenants DIR');
  }
});

Cli('usage errors exit 2', async () => {
  assert.is((await runMain([])).status, 2);
  const unknown = await runMain(['frobnicate']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, 'unknown command "frobnicate"');
  const flag = await runMain(['validate', '--tenant', 'x']);
  assert.is(flag.status, 2);
  assert.match(flag.stderr, "Unknown option '--tenant'");
  const missing = await runMain(['validate', '--tenants', 'no/such/dir']);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, 'no/such/dir: no such directory');
});

/** A writable copy of the sample fixture estate: compile writes the lock beside the manifests. */
function sampleCopy(work: string): string {
  const tenants = join(work, 'sample');
  cpSync(SAMPLE_TENANTS, tenants, { recursive: true });
  return tenants;
}

Cli('validate accepts the sample estate', async () => {
  const r = await runMain(['validate', '--tenants', SAMPLE_TENANTS]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, 'platform tessera and 11 tenants are valid');
});

Cli('an invalid estate exits 1, prints every problem sorted, and leaves --out exactly as it was', async () => {
  await inTempDir(async (work) => {
    const tenants = join(work, 'tenants');
    cpSync(join(FIXTURES, 'invalid', 'duplicate-domains'), tenants, { recursive: true });
    cpSync(join(FIXTURES, 'platform.yaml'), join(tenants, 'platform.yaml'));
    rmSync(join(tenants, 'expected.txt'));
    writeFileSync(join(tenants, 'zeta.yaml'), 'kind: Tenant\nid: zeta\n');
    // An earlier good compile left an output tree behind.
    const out = join(work, 'out');
    assert.is((await runMain(['compile', '--tenants', sampleCopy(work), '--out', out])).status, 0);
    const before = snapshot(out);
    const r = await runMain(['compile', '--tenants', 'tenants', '--out', 'out'], work);
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
    assert.equal(
      listTree(work).filter((p) => p.includes('.tenantc-tmp')),
      [],
      'no staging directory left behind',
    );
  });
});

Cli('compile replaces the output directory as a whole', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    const tenants = sampleCopy(work);
    assert.is((await runMain(['compile', '--tenants', tenants, '--out', out])).status, 0);
    writeFileSync(join(out, 'stale.template.json'), '{}');
    const r = await runMain(['compile', '--tenants', tenants, '--out', out]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, 'compiled 11 tenants of tessera');
    assert.match(r.stdout, /\(0 written, [1-9]\d* unchanged\)/, 'an unchanged estate rewrites no file');
    assert.not.ok(existsSync(join(out, 'stale.template.json')), 'a file from an earlier compile must not survive');
    assert.ok(existsSync(join(out, 'root.template.json')));
  });
});

Cli('compile refuses to replace a directory it did not write', async () => {
  await inTempDir(async (work) => {
    mkdirSync(join(work, 'docs'));
    writeFileSync(join(work, 'docs', 'keep.md'), 'precious');
    const r = await runMain(['compile', '--tenants', sampleCopy(work), '--out', join(work, 'docs')]);
    assert.is(r.status, 2);
    assert.match(r.stderr, 'refusing to replace a non-empty directory that tenantc did not write');
    assert.is(readFileSync(join(work, 'docs', 'keep.md'), 'utf8'), 'precious');
  });
});

// A command loads the AWS SDK clients it uses and no others: each client costs a child
// process CPU at start (EC2's ~0.4 s, CloudFormation's and S3's ~0.15 s each).
Cli('the shipped bundle loads no AWS client for compile and validate, and only SSM for ami', () => {
  inTempDir((work) => {
    const loaded = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
const { main } = await import(process.argv[1]);
const sink = { write: () => true };
const clients = () => [...new Set(Object.keys(createRequire(process.argv[1]).cache).map((k) => /node_modules\\/(@aws-sdk\\/client-[^/]+)/.exec(k)?.[1]).filter(Boolean))].sort();
const compile = await main(['compile', '--tenants', process.argv[2], '--out', process.argv[3]], { stdout: sink, stderr: sink, cwd: process.cwd() });
const validate = await main(['validate', '--tenants', process.argv[2]], { stdout: sink, stderr: sink, cwd: process.cwd() });
const afterValidate = clients();
const ami = await main(['ami', '--latest', '--tenants', process.argv[4]], { stdout: sink, stderr: sink, cwd: process.cwd() });
console.log(JSON.stringify({ compile, validate, afterValidate, ami, afterAmi: clients() }));`,
        join(builtDir(), 'dist', 'tenantc.mjs'),
        sampleCopy(work),
        join(work, 'out'),
        join(ROOT, 'no-such-tenants-dir'),
      ],
      { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(work, 'cache') } },
    );
    assert.is(loaded.status, 0, loaded.stderr);
    // ami fails on the missing directory (exit 2) after its module, and the SDK client it makes, are loaded.
    assert.equal(JSON.parse(loaded.stdout), { compile: 0, validate: 0, afterValidate: [], ami: 2, afterAmi: ['@aws-sdk/client-ssm'] });
  });
});

Cli('the shipped binary exits 0, 1 and 2 as a process, and says how to build when it is not built', () => {
  assert.is(runCli(['--help']).status, 0);
  assert.is(runCli(['validate', '--tenant', 'x']).status, 2);
  inTempDir((work) => {
    cpSync(join(FIXTURES, 'invalid', 'missing-required'), join(work, 'tenants'), { recursive: true });
    cpSync(join(FIXTURES, 'platform.yaml'), join(work, 'tenants', 'platform.yaml'));
    const invalid = runCli(['validate', '--tenants', 'tenants'], { cwd: work });
    assert.is(invalid.status, 1);
    assert.fixture(
      invalid.stderr.split('\n').slice(0, -2).join('\n') + '\n',
      readFileSync(join(FIXTURES, 'invalid', 'missing-required', 'expected.txt'), 'utf8'),
    );
    // A checkout where nothing was built: no silent fallback to the sources.
    mkdirSync(join(work, 'bin'));
    cpSync(join(ROOT, 'bin', 'tenantc.mjs'), join(work, 'bin', 'tenantc.mjs'));
    const unbuilt = spawnSync(process.execPath, [join(work, 'bin', 'tenantc.mjs'), '--help'], { encoding: 'utf8' });
    assert.is(unbuilt.status, 2);
    assert.match(unbuilt.stderr, 'tenantc: not built: run `npm ci` (or `npm run build`)');
  });
});

Cli('the bundled CLI (precompiled validators) reports exactly what the sources report', async () => {
  await inTempDir(async (work) => {
    let seen = '';
    for (const c of ['wrong-types-and-values', 'missing-required', 'dns-modes', 'unknown-keys', 'bad-ids', 'federation-protocol-fields']) {
      const tenants = join(work, c);
      cpSync(join(FIXTURES, 'invalid', c), tenants, { recursive: true });
      cpSync(join(FIXTURES, 'platform.yaml'), join(tenants, 'platform.yaml'));
      const bundled = await runBundledMain(['validate', '--tenants', c], work);
      const source = await runMain(['validate', '--tenants', c], work);
      assert.is(bundled.status, 1);
      assert.is(source.status, 1);
      assert.fixture(bundled.stderr, source.stderr);
      seen += bundled.stderr;
    }
    // The placement lock's schema is precompiled too.
    const damaged = join(work, 'damaged-lock');
    cpSync(SAMPLE_TENANTS, damaged, { recursive: true });
    writeFileSync(
      join(damaged, 'placement.lock.yaml'),
      readFileSync(join(damaged, 'placement.lock.yaml'), 'utf8').replace('albShard: 0, ruleSlot: 0,', 'albShard: -1, ruleSlot: 0, extra: 1,'),
    );
    const bundled = await runBundledMain(['validate', '--tenants', 'damaged-lock'], work);
    const source = await runMain(['validate', '--tenants', 'damaged-lock'], work);
    assert.is(bundled.status, 1);
    assert.fixture(bundled.stderr, source.stderr);
    seen += bundled.stderr;
    assert.match(seen, 'must be a fully qualified domain name', 'x-hint texts survive precompilation');
    assert.match(seen, 'auth.federation.issuer is only for protocol "oidc"');
    assert.match(seen, 'placement.lock.yaml:9:37: tenants.acme.albShard must be at least 0 (got -1)');
  });
});

Cli('the bundled CLI (precompiled templates, bundled packages) compiles to the same bytes as the sources', async () => {
  await inTempDir(async (work) => {
    const tenants = join(work, 'tenants');
    cpSync(SAMPLE_TENANTS, tenants, { recursive: true });
    const bundled = runCli(['compile', '--tenants', tenants, '--out', join(work, 'bundled')], { env: { XDG_CACHE_HOME: join(work, 'cache') } });
    const source = await runMain(['compile', '--tenants', tenants, '--out', join(work, 'source')]);
    assert.is(bundled.status, 0, bundled.stderr);
    assert.is(source.status, 0, source.stderr);
    const files = listTree(join(work, 'source'));
    assert.ok(files.includes('sql/001-rls-migration.sql') && files.includes('root.template.json'), 'SQL and user data come from templates');
    // The build keeps a compile cache in the user's cache directory, never in the output
    // (write/compileCache.ts); run from the sources, which have no build id, it keeps none.
    assert.ok(existsSync(compileCachePath(join(work, 'cache', 'tenantc'), join(work, 'bundled'))), 'the bundled compile keeps its cache');
    assert.equal(listTree(join(work, 'bundled')), files);
    for (const f of files) assert.fixture(readFileSync(join(work, 'bundled', f), 'utf8'), readFileSync(join(work, 'source', f), 'utf8'), f);
  });
});

Cli('the bundled diff (its worker reads the registry extract) prints what the sources print', async () => {
  await inTempDir(async (repo) => {
    const git = (...args: string[]) =>
      spawnSync('git', args, {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
      });
    cpSync(join(FIXTURES, 'diff', 'base'), join(repo, 'tenants'), { recursive: true });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    // Replacements, broadening and additions, so the registry's update semantics matter.
    for (const c of ['sign-in-domain-renamed', 'standard-to-premium'])
      cpSync(join(FIXTURES, 'diff', 'cases', c, 'head'), join(repo, 'tenants'), { recursive: true });
    const args = ['diff', '--base', 'main', '--format', 'json', '--fail-on', 'replacement,removal,broadening,stateful'];
    const bundled = runCli(args, { cwd: repo });
    const source = await runMain(args, repo);
    assert.is(bundled.status, 1, bundled.stderr);
    assert.is(source.status, 1, source.stderr);
    assert.match(bundled.stdout, '"impact": "replace"');
    assert.fixture(bundled.stdout, source.stdout);
  });
});

// Here rather than in write.test.ts: this suite builds the bundle anyway (a build is ~5 s of CPU).
Cli('the bundle has the file-writer thread as an entry of its own, and it writes what writeOutput writes', async () => {
  await inTempDir(async (work) => {
    const { writerThreadUrl } = (await import(
      pathToFileURL(join(builtDir(), 'dist', 'writer-thread-url.mjs')).href
    )) as typeof import('../compiler/write/writerThreadUrl.ts');
    const url = writerThreadUrl();
    assert.is(url.href, pathToFileURL(join(builtDir(), 'dist', 'write-worker.mjs')).href);
    const files = Object.entries({
      'root.template.json': '{"root":1}',
      'tenants/ünï.template.json': '{"name":"Zürich — 東京 🚀"}',
      'dns/acme.txt': '',
    }).map(([path, content]) => ({ path, content }));
    const write = startThreadedWrite(join(work, 'threaded'), url);
    assert.ok(write, 'a first write into an existing parent is threaded');
    write.send(files[1]!.path, files[1]!.content);
    await write.finish(files);
    await writeOutput(join(work, 'plain'), files);
    assert.equal(listTree(join(work, 'threaded')), listTree(join(work, 'plain')));
    for (const p of listTree(join(work, 'plain')))
      assert.ok(readFileSync(join(work, 'threaded', p)).equals(readFileSync(join(work, 'plain', p))), `${p} differs`);
  });
});

Cli.run();
