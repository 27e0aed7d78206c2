// The writer: the output is exactly this compile's files, replaced as a whole, and a
// file whose bytes did not change is carried over (same inode, same mtime) rather than
// written again. Carrying over must never let anything but this compile's bytes into
// the output: a hand-edited file, a symlink or a file also linked from elsewhere is
// written afresh.
import { existsSync, linkSync, lstatSync, readFileSync, renameSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutputFile } from '../compiler/emit/output.ts';
import { writeOutput } from '../compiler/write/writeOutput.ts';
import { inTempDir, listTree } from './helpers.ts';

const Write = suite('write');

const files = (entries: Record<string, string>): OutputFile[] => Object.entries(entries).map(([path, content]) => ({ path, content }));
const first = {
  'root.template.json': '{"root":1}',
  'tenants/acme.template.json': '{"acme":1}',
  'tenants/globex.template.json': '{"globex":1}',
  'sql/002-tenants.sql': 'select 1;',
};

Write('a first compile writes every file; a recompile of the same bytes keeps every file', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    assert.equal(await writeOutput(out, files(first)), { written: 4, kept: 0 });
    const before = new Map(listTree(out).map((p) => [p, statSync(join(out, p))]));
    assert.equal(await writeOutput(out, files(first)), { written: 0, kept: 4 });
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
    assert.equal(await writeOutput(out, files(next)), { written: 2, kept: 2 });
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
    assert.equal(await writeOutput(out, files(first)), { written: 1, kept: 3 });
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
    assert.equal(await writeOutput(out, files(first)), { written: 2, kept: 2 });
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
    assert.equal(await writeOutput(out, files(first)), { written: 2, kept: 2 });
    assert.equal(listTree(elsewhere), ['acme.template.json', 'globex.template.json'], 'the old tree is removed without following its symlink');
    writeFileSync(join(elsewhere, 'acme.template.json'), '{"acme":6}');
    assert.is(readFileSync(join(out, 'tenants/acme.template.json'), 'utf8'), '{"acme":1}');

    // The output directory itself is a symlink to a tree tenantc wrote elsewhere.
    const real = join(work, 'real');
    await writeOutput(real, files(first));
    const linked = join(work, 'linked');
    symlinkSync(real, linked);
    assert.equal(await writeOutput(linked, files(first)), { written: 4, kept: 0 });
    writeFileSync(join(real, 'root.template.json'), '{"root":6}');
    assert.is(readFileSync(join(linked, 'root.template.json'), 'utf8'), '{"root":1}');
  });
});

Write.run();
