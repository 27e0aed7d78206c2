// The writer: the output is exactly this compile's files, replaced as a whole, and a
// file whose bytes did not change is carried over (same inode, same mtime) rather than
// written again. Carrying over must never let anything but this compile's bytes into
// the output: a hand-edited file, a symlink or a file also linked from elsewhere is
// written afresh.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutputFile } from '../compiler/emit/output.ts';
import { compile, type CompileOptions, compileSources } from '../compiler/pipeline.ts';
import { REVIEW_FILE } from '../compiler/review/report.ts';
import { SECURITY_RULES } from '../compiler/review/index.ts';
import { finding, type SecurityRule } from '../compiler/review/rule.ts';
import { fileIdentity, statOf } from '../compiler/write/fileIdentity.ts';
import { startThreadedWrite } from '../compiler/write/threadedWrite.ts';
import { stagingDirectory, writeOutput } from '../compiler/write/writeOutput.ts';
import { inTempDir, listTree, loadedFrom, ROOT, SAMPLE_TENANTS, TEST_DAY } from './helpers.ts';

const Write = suite('write');

const files = (entries: Record<string, string>): OutputFile[] => Object.entries(entries).map(([path, content]) => ({ path, content }));
const first = {
  'root.template.json': '{"root":1}',
  'tenants/acme.template.json': '{"acme":1}',
  'tenants/globex.template.json': '{"globex":1}',
  'sql/002-tenants.sql': 'select 1;',
};

Write(
  'every file but the review record reaches the writer as it is made, during emit: templates once reviewed, the others (DNS and federation instructions, SQL, the host map, the assets manifest) at once',
  () => {
    const seen = new Map<string, string>();
    const r = compileSources('tenants', loadedFrom(SAMPLE_TENANTS), { today: TEST_DAY, emitted: (path, text) => seen.set(path, text) });
    assert.ok(r.ok);
    const rest = r.files.filter((f) => seen.get(f.path) !== f.content).map((f) => f.path);
    assert.equal(rest, [REVIEW_FILE], 'only the review record, made once the review is done, is left for the end');
    assert.ok(
      [...seen.keys()].some((p) => p.startsWith('dns/')) && [...seen.keys()].some((p) => p.startsWith('idp/')),
      'the sample has DNS and federation instructions',
    );
  },
);

Write("a file has an identity to trust only if no other user can write it: group- or world-writable, or another's, it is hashed every time", () => {
  inTempDir((work) => {
    const file = join(work, 'template.json');
    writeFileSync(file, '{}');
    chmodSync(file, 0o644);
    assert.ok(statOf(file), 'owned by this user, writable by it alone');
    // Another user who can open it for writing could change its bytes through a shared
    // mapping without changing its times: no identity.
    for (const mode of [0o664, 0o646, 0o666]) {
      chmodSync(file, mode);
      assert.is(statOf(file), null, mode.toString(8));
    }
    chmodSync(file, 0o644);
    const st = lstatSync(file, { bigint: true });
    assert.is(fileIdentity(st, Number(st.uid)), statOf(file), 'the same user');
    assert.is(fileIdentity(st, Number(st.uid) + 1), null, "another user's file");
  });
});

Write('a previous file changed after the compile checked it is not linked, and the identities recorded are the bytes this write left', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    await writeOutput(out, files(first));
    const acme = join(out, 'tenants/acme.template.json');
    // What the compile's check at its start saw (compileCache.ts previousFiles), then a
    // write by someone else before the writer links it: same size, other bytes.
    const checked = statOf(acme)!;
    writeFileSync(acme, '{"leak":1}');
    const next = files(first).map((f) => (f.path === 'tenants/acme.template.json' ? { ...f, previous: { at: acme, identity: checked } } : f));
    const { summary, identity } = await writeOutput(out, next);
    assert.is(readFileSync(acme, 'utf8'), '{"acme":1}', 'the changed file is not carried over');
    assert.equal(summary, { written: 1, kept: 3 });
    for (const path of Object.keys(first)) assert.is(identity(path), statOf(join(out, path)), `${path}: the identity of the file as left`);
    // A kept file changed once the output is in place (before the cache records it): no identity.
    const globex = join(out, 'tenants/globex.template.json');
    writeFileSync(globex, '{"leak":22}');
    assert.is(identity('tenants/globex.template.json'), null, 'a kept file changed since it was checked has no identity to trust');
    assert.is(identity('tenants/acme.template.json'), statOf(acme), 'a written file keeps the identity taken as it was written');
  });
});

Write('a first compile writes every file; a recompile of the same bytes keeps every file', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    assert.equal((await writeOutput(out, files(first))).summary, { written: 4, kept: 0 });
    const before = new Map(listTree(out).map((p) => [p, statSync(join(out, p))]));
    assert.equal((await writeOutput(out, files(first))).summary, { written: 0, kept: 4 });
    for (const path of Object.keys(first)) {
      const now = statSync(join(out, path));
      assert.is(now.ino, before.get(path)!.ino, `${path} keeps its inode`);
      assert.is(now.mtimeMs, before.get(path)!.mtimeMs, `${path} keeps its mtime`);
      assert.is(now.nlink, 1, `${path} has no second name once the old tree is gone`);
    }
    assert.equal(
      listTree(work),
      listTree(out).map((p) => `out/${p}`),
      'no staging or retired directory left beside the output',
    );
  });
});

Write('only changed files are written; removed files disappear; unchanged ones keep their inode', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    await writeOutput(out, files(first));
    const acme = statSync(join(out, 'tenants/acme.template.json')).ino;
    const globex = statSync(join(out, 'tenants/globex.template.json')).ino;
    const next = { ...first, 'tenants/globex.template.json': '{"globex":2}', 'tenants/initech.template.json': '{"initech":1}' } as Record<string, string>;
    delete next['sql/002-tenants.sql'];
    assert.equal((await writeOutput(out, files(next))).summary, { written: 2, kept: 2 });
    assert.is(statSync(join(out, 'tenants/acme.template.json')).ino, acme);
    assert.is.not(statSync(join(out, 'tenants/globex.template.json')).ino, globex);
    assert.is(readFileSync(join(out, 'tenants/globex.template.json'), 'utf8'), '{"globex":2}');
    assert.not.ok(existsSync(join(out, 'sql/002-tenants.sql')));
    assert.equal(listTree(out), [
      '.tenantc-output',
      'root.template.json',
      'tenants/acme.template.json',
      'tenants/globex.template.json',
      'tenants/initech.template.json',
    ]);
  });
});

Write('a hand-edited file of the same size is rewritten, not kept', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    await writeOutput(out, files(first));
    writeFileSync(join(out, 'tenants/acme.template.json'), '{"acme":9}');
    assert.equal((await writeOutput(out, files(first))).summary, { written: 1, kept: 3 });
    assert.is(readFileSync(join(out, 'tenants/acme.template.json'), 'utf8'), '{"acme":1}');
  });
});

Write('a symlink or a file with another name outside the output is never carried over', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    await writeOutput(out, files(first));
    // Same bytes, but reachable from outside: editing the outside name later would
    // change the compiled output without a compile.
    const outside = join(work, 'outside.json');
    writeFileSync(outside, '{"acme":1}');
    unlinkSync(join(out, 'tenants/acme.template.json'));
    symlinkSync(outside, join(out, 'tenants/acme.template.json'));
    const shared = join(work, 'shared.json');
    linkSync(join(out, 'tenants/globex.template.json'), shared);
    assert.equal((await writeOutput(out, files(first))).summary, { written: 2, kept: 2 });
    assert.ok(lstatSync(join(out, 'tenants/acme.template.json')).isFile(), 'a regular file, not the symlink');
    writeFileSync(outside, '{"acme":6}');
    writeFileSync(shared, '{"globex":6}');
    assert.is(readFileSync(join(out, 'tenants/acme.template.json'), 'utf8'), '{"acme":1}');
    assert.is(readFileSync(join(out, 'tenants/globex.template.json'), 'utf8'), '{"globex":1}');
  });
});

Write('nothing is carried over through a symlinked output or a symlinked subdirectory', async () => {
  await inTempDir(async (work) => {
    // out/tenants is a symlink to a directory elsewhere holding the same bytes.
    const out = join(work, 'out');
    await writeOutput(out, files(first));
    const elsewhere = join(work, 'elsewhere');
    renameSync(join(out, 'tenants'), elsewhere);
    symlinkSync(elsewhere, join(out, 'tenants'));
    assert.equal((await writeOutput(out, files(first))).summary, { written: 2, kept: 2 });
    assert.equal(listTree(elsewhere), ['acme.template.json', 'globex.template.json'], 'the old tree is removed without following its symlink');
    writeFileSync(join(elsewhere, 'acme.template.json'), '{"acme":6}');
    assert.is(readFileSync(join(out, 'tenants/acme.template.json'), 'utf8'), '{"acme":1}');

    // The output directory itself is a symlink to a tree tenantc wrote elsewhere.
    const real = join(work, 'real');
    await writeOutput(real, files(first));
    const linked = join(work, 'linked');
    symlinkSync(real, linked);
    assert.equal((await writeOutput(linked, files(first))).summary, { written: 4, kept: 0 });
    writeFileSync(join(real, 'root.template.json'), '{"root":6}');
    assert.is(readFileSync(join(linked, 'root.template.json'), 'utf8'), '{"root":1}');
  });
});

Write.run();

// The first compile's threaded write (write/threadedWrite.ts): the same tree as
// writeOutput, and nothing left behind when the compile fails or a write does.
const Threaded = suite('threaded write');

/** Every file of `a` equals the file of `b` at the same path, byte for byte, and neither has a file the other lacks. */
function assertSameTree(a: string, b: string): void {
  assert.equal(listTree(a), listTree(b), 'the same files');
  for (const p of listTree(a)) assert.ok(readFileSync(join(a, p)).equals(readFileSync(join(b, p))), `${p} differs`);
}

const unicode = { ...first, 'tenants/ünï.template.json': '{"name":"Zürich — 東京 🚀"}', 'dns/acme.txt': '' };

Threaded('files sent during emit and at the end make the tree writeOutput makes, swapped in whole', async () => {
  await inTempDir(async (work) => {
    await writeOutput(join(work, 'plain'), files(unicode));
    const out = join(work, 'out');
    const write = startThreadedWrite(out);
    assert.ok(write, 'a first write into an existing parent is threaded');
    const all = files(unicode);
    // Templates go as they are emitted; the rest, and any file whose text changed since
    // it was sent, at the end.
    write.send('tenants/acme.template.json', '{"acme":1}');
    write.send('root.template.json', '{"root":"stale"}');
    assert.not.ok(existsSync(out), 'nothing at the output before the end');
    assert.equal((await write.finish(all)).summary, { written: 6, kept: 0 });
    assertSameTree(out, join(work, 'plain'));
    assert.equal(readdirSync(work).sort(), ['out', 'plain'], 'no staging directory left');
  });
});

/** Waits (up to `seconds`) until `path` exists; whether it does. */
async function appears(path: string, seconds = 60): Promise<boolean> {
  const until = Date.now() + seconds * 1000;
  while (!existsSync(path) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return existsSync(path);
}

Threaded('files go to the thread once a batch fills, before the end, and the rest with the end', async () => {
  await inTempDir(async (work) => {
    await writeOutput(join(work, 'plain'), files(unicode));
    const out = join(work, 'out');
    // A batch of 20 characters: acme's 10 wait for globex's 12, then both go.
    const write = startThreadedWrite(out, undefined, 20);
    assert.ok(write);
    write.send('tenants/acme.template.json', '{"acme":1}');
    write.send('tenants/globex.template.json', '{"globex":1}');
    assert.ok(await appears(join(stagingDirectory(out), 'tenants', 'globex.template.json'), 30), 'a full batch is written before the end');
    // 10 characters, in no full batch: written only because finish sends what is left.
    write.send('root.template.json', '{"root":1}');
    await write.finish(files(unicode));
    assertSameTree(out, join(work, 'plain'));
  });
});

Threaded('the identity of each file is the one the thread took right after writing it, even once the file changed', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    const write = startThreadedWrite(out, undefined, 0);
    assert.ok(write);
    const all = files(unicode);
    for (const f of all.slice(0, 3)) write.send(f.path, f.content);
    const { identity } = await write.finish(all);
    for (const f of all) {
      assert.ok(identity(f.path), `${f.path} has an identity`);
      assert.is(identity(f.path), statOf(join(out, f.path)), `${f.path}: the identity of the file as written`);
    }
    assert.is(identity('tenants/none.template.json'), null, 'none for a file not written');
    // Changed in place (same inode): the file's identity changes, the one returned does not.
    const acme = 'tenants/acme.template.json';
    const written = statOf(join(out, acme));
    appendFileSync(join(out, acme), ' ');
    assert.is.not(statOf(join(out, acme)), written);
    assert.is(identity(acme), written, 'the identity of the bytes the thread wrote');
  });
});

Threaded('a failed compile leaves nothing: the thread is stopped and the staging directory removed', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    // Each file posted as it is sent.
    const write = startThreadedWrite(out, undefined, 0);
    assert.ok(write);
    for (const f of files(first)) write.send(f.path, f.content);
    // Until the thread has created the staging directory and written into it.
    assert.ok(await appears(join(stagingDirectory(out), 'root.template.json')), 'the files went to the staging directory');
    await write.abort();
    assert.equal(readdirSync(work), [], 'no output and no staging directory');
  });
});

Threaded('a write that fails is the error of finish, with its code; nothing is left and the process is not held', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    const write = startThreadedWrite(out);
    assert.ok(write);
    // A file where a later file's directory must go: mkdir fails with EEXIST in the thread.
    write.send('tenants', 'not a directory');
    const failed = await write.finish(files({ ...first, tenants: 'not a directory' })).then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
    assert.ok(failed, 'finish rejects');
    assert.is(failed.code, 'EEXIST');
    assert.match(failed.message, /tenants/);
    assert.equal(readdirSync(work), [], 'no output and no staging directory');
  });
});

Threaded('an existing output (its unchanged files are linked) or a missing parent is left to writeOutput', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    await writeOutput(out, files(first));
    assert.is(startThreadedWrite(out), null);
    assert.is(startThreadedWrite(join(work, 'missing', 'out')), null);
    writeFileSync(join(work, 'file'), '');
    assert.is(startThreadedWrite(join(work, 'file', 'out')), null);
  });
});

Threaded('a thread never finished does not keep the process alive', () => {
  // A compile that throws between start and finish, uncaught: the process still exits,
  // once the thread is running and has written (a 'message' listener added after
  // worker.unref() would ref it again).
  inTempDir((work) => {
    const out = join(work, 'out');
    const script = `
      import { existsSync } from 'node:fs';
      import { join } from 'node:path';
      import { startThreadedWrite } from ${JSON.stringify(pathToFileURL(join(ROOT, 'compiler', 'write', 'threadedWrite.ts')).href)};
      import { stagingDirectory } from ${JSON.stringify(pathToFileURL(join(ROOT, 'compiler', 'write', 'writeOutput.ts')).href)};
      const write = startThreadedWrite(${JSON.stringify(out)}, undefined, 0);
      write.send('a.json', '{}');
      // The staging directory is named by the child's pid.
      const staged = join(stagingDirectory(${JSON.stringify(out)}), 'a.json');
      const until = Date.now() + 30_000;
      const poll = setInterval(() => {
        if (!existsSync(staged) && Date.now() < until) return;
        clearInterval(poll);
        process.stdout.write(existsSync(staged) ? 'written\\n' : 'never written\\n');
      }, 20);
    `;
    writeFileSync(join(work, 'child.mts'), script);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(work, 'child.mts')], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    assert.is(r.error, undefined, 'the child ended by itself');
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, 'written\n');
  });
});

Threaded.run();

// compile() with the threaded write: the same output, and a compile that fails (an
// invalid manifest, a finding of the rule pack, a failed write) leaves nothing.
const CompileWrite = suite("compile's threaded write");

/** Compiles a copy of the sample estate in `work` into `out`, the first compile of it. */
function compileSample(work: string, out: string, options: CompileOptions = {}) {
  const tenants = join(work, 'tenants');
  if (!existsSync(tenants)) cpSync(SAMPLE_TENANTS, tenants, { recursive: true });
  return compile(tenants, out, { today: TEST_DAY, build: null, writerThreadFrom: 0, ...options });
}

/** A rule that fails the root template (reviewed last); `whenReviewed` runs as it does. */
const failingRoot = (whenReviewed: () => void): SecurityRule => ({
  id: 'E998',
  title: 'Test rule: no root template',
  reason: 'A rule the compiled templates break, to prove a failed compile writes nothing.',
  fix: 'None.',
  check(template, name) {
    if (name !== 'root.template.json') return [];
    whenReviewed();
    return [finding(this, name, Object.keys(template.Resources)[0]!, false, 'a root template exists')];
  },
});

CompileWrite('a first compile written from the thread equals one written after emit, byte for byte', async () => {
  await inTempDir(async (work) => {
    const threaded = await compileSample(work, join(work, 'threaded'));
    const plain = await compileSample(work, join(work, 'plain'), { writerThreadFrom: Number.POSITIVE_INFINITY });
    assert.ok(threaded.ok && plain.ok);
    assert.equal(threaded.written, plain.written);
    assertSameTree(join(work, 'threaded'), join(work, 'plain'));
    assert.ok(listTree(join(work, 'plain')).length > 20, 'the whole tree compared');
    assert.equal(readdirSync(work).sort(), ['plain', 'tenants', 'threaded']);
  });
});

CompileWrite('a finding of the rule pack after templates were written leaves no output and no staging directory', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    let staged = false;
    // Reviewing the root template (the last), wait until the thread has written tenant
    // templates into the staging directory: the compile then fails with files staged.
    const rule = failingRoot(() => {
      const tenantDir = join(stagingDirectory(out), 'tenants');
      const until = Date.now() + 60_000;
      while (!staged && Date.now() < until) staged = existsSync(tenantDir) && readdirSync(tenantDir).length > 0;
    });
    // Each template posted as it is reviewed.
    const r = await compileSample(work, out, { securityRules: [...SECURITY_RULES, rule], writerBatch: 0 });
    assert.is(r.ok, false);
    assert.ok(staged, 'templates were in the staging directory when the compile failed');
    assert.equal(readdirSync(work), ['tenants'], 'no output and no staging directory');
  });
});

CompileWrite('an invalid manifest leaves no output and no staging directory', async () => {
  await inTempDir(async (work) => {
    const r0 = await compileSample(work, join(work, 'first'));
    assert.ok(r0.ok);
    appendFileSync(join(work, 'tenants', 'acme.yaml'), 'unknownField: 1\n');
    const r = await compileSample(work, join(work, 'out'));
    assert.is(r.ok, false);
    assert.equal(readdirSync(work).sort(), ['first', 'tenants']);
  });
});

CompileWrite("a write that fails in the thread is compile's error, and leaves nothing", async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    let first = true;
    // Reviewing the first template, before anything is sent to the thread: a file
    // where the thread makes the staging directory, so its first write fails.
    const blockStaging: SecurityRule = {
      ...failingRoot(() => {}),
      check() {
        if (first) writeFileSync(stagingDirectory(out), 'in the way');
        first = false;
        return [];
      },
    };
    const failed = await compileSample(work, out, { securityRules: [...SECURITY_RULES, blockStaging] }).then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
    assert.ok(failed, 'compile rejects');
    assert.is(failed.code, 'EEXIST');
    assert.equal(readdirSync(work), ['tenants'], 'no output and no staging directory');
  });
});

CompileWrite.run();
