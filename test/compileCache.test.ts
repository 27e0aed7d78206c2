// Template reuse (emit/reuse.ts, write/compileCache.ts): a recompile that reuses
// unchanged tenants' templates writes exactly what a fresh compile writes, byte for
// byte; a change to anything global (platform manifest, placement lock, compiler build)
// reuses nothing it touched; and a cache file this machine did not write, or whose
// files changed since, is never trusted.
import fs from 'node:fs';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, type CompileOptions, type WrittenResult } from '../compiler/pipeline.ts';
import { jsonExact, sourceKey } from '../compiler/load/reuse.ts';
import {
  type CachedTenant,
  type CompileCache,
  cachedTenant,
  compileCachePath,
  cacheLine,
  EntryShapes,
  machineCacheKey,
  parseCompileCache,
  serializeCompileCache,
  writeCompileCache,
} from '../compiler/write/compileCache.ts';
import { statOf } from '../compiler/write/fileIdentity.ts';
import { compiledFrom, inTempDir, listTree, SAMPLE_TENANTS, TEST_DAY } from './helpers.ts';
import { digests, type GroupMember } from '../compiler/emit/reuse.ts';
import { finding, type SecurityRule } from '../compiler/review/rule.ts';
import { SECURITY_RULES } from '../compiler/review/index.ts';
import { generatedEstateFiles, tenantId } from '../bench/generateEstate.ts';
import { sha256Hex } from '../compiler/emit/cfn/assets.ts';

const C = suite('compile cache');

const KEY = Buffer.alloc(32, 7);
const BUILD = 'test-build-1';

type Ok = Extract<WrittenResult, { ok: true }>;

/** The cache directory of a test: beside its estate, never the user's. */
const cacheDirOf = (out: string) => join(out, '..', 'cache');
/** The cache file of the output directory `out`. */
const CACHE = (out: string) => compileCachePath(cacheDirOf(out), out);

async function compiled(
  tenants: string,
  out: string,
  options: Pick<CompileOptions, 'build' | 'cacheKey' | 'securityRules' | 'writerThreadFrom' | 'placed'> = {},
): Promise<Ok> {
  const r = await compile(tenants, out, { today: TEST_DAY, build: BUILD, cacheKey: KEY, cacheDir: cacheDirOf(out), ...options });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.file}: ${d.message}`).join('\n'));
  return r;
}

/** Every file of `a` equals the file of `b` at the same path, byte for byte, and neither has a file the other lacks. */
function assertSameOutput(a: string, b: string): number {
  const files = (dir: string) => listTree(dir);
  assert.equal(files(a), files(b), 'the same files');
  for (const p of files(a)) assert.ok(readFileSync(join(a, p)).equals(readFileSync(join(b, p))), `${p} differs from a fresh compile's`);
  return files(a).length;
}

/** A copy of the sample estate in `work`, to edit. */
function estate(work: string): string {
  const dir = join(work, 'tenants');
  cpSync(SAMPLE_TENANTS, dir, { recursive: true });
  return dir;
}

function edit(path: string, from: RegExp, to: string): void {
  const text = readFileSync(path, 'utf8');
  assert.match(text, from, `${path} holds what the test edits`);
  writeFileSync(path, text.replace(from, to));
}

C('a one-tenant edit reuses every other tenant, and the output equals a fresh compile byte for byte', async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const first = await compiled(tenants, join(work, 'out'));
    assert.is(first.reused, 0, 'nothing to reuse the first time');
    const count = first.plan.tenants.length;
    edit(join(tenants, 'globex.yaml'), /^name: .*$/m, 'name: Globex Renamed');
    const again = await compiled(tenants, join(work, 'out'));
    assert.is(again.reused, count - 1, 'every tenant but the edited one reused');
    const fresh = await compiled(tenants, join(work, 'fresh'), { build: null });
    assert.is(fresh.reused, 0);
    assert.ok(assertSameOutput(join(work, 'out'), join(work, 'fresh')) > count, 'every file compared');
    assert.match(readFileSync(join(work, 'out', 'tenants', 'globex.template.json'), 'utf8'), /Globex Renamed/);
    // The cache a recompile leaves is the one a first compile of these inputs writes.
    await compiled(tenants, join(work, 'fresh-cached'));
    // (Each file's identity, its inode and times, is the one thing a recompile may record otherwise.)
    const entries = (dir: string) => {
      const cache = parseCompileCache(readFileSync(CACHE(dir), 'utf8'), KEY)!;
      return [...cache.tenants, ...cache.groups!].map(([id, l]) => [id, l.digest, l.text]);
    };
    assert.equal(entries(join(work, 'out')), entries(join(work, 'fresh-cached')), 'the same cache');
    // Nothing changed: everything reused, still the same bytes.
    const third = await compiled(tenants, join(work, 'out'));
    assert.is(third.reused, count);
    assertSameOutput(join(work, 'out'), join(work, 'fresh'));
  });
});

C('a change to the platform manifest, the lock or the compiler build reuses nothing it touched', async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    const count = (await compiled(tenants, out)).plan.tenants.length;
    // The compiler build is in every digest.
    assert.is((await compiled(tenants, out, { build: 'test-build-2' })).reused, 0, 'another build');
    assert.is((await compiled(tenants, out, { build: 'test-build-2' })).reused, count, 'the same build again');
    // The platform manifest (a tag every tenant's resources carry).
    edit(join(tenants, 'platform.yaml'), /^tags:\n/m, 'tags:\n  cost-centre: platform-42\n');
    const platformEdit = await compiled(tenants, out, { build: 'test-build-2' });
    assert.is(platformEdit.reused, 0, 'a platform change reaches every tenant');
    await compiled(tenants, join(work, 'fresh-platform'), { build: null });
    assertSameOutput(out, join(work, 'fresh-platform'));
    // The lock: a tenant's listener slot is its own.
    edit(join(tenants, 'placement.lock.yaml'), /(cyberdyne: \{ status: active, albShard: 0, ruleSlot: )1,/, '$111,');
    const lockEdit = await compiled(tenants, out, { build: 'test-build-2' });
    assert.is(lockEdit.reused, count - 1, "only cyberdyne's entry changed");
    await compiled(tenants, join(work, 'fresh-lock'), { build: null });
    assertSameOutput(out, join(work, 'fresh-lock'));
  });
});

C(
  "another tenant's change (one added, one removed, a tier, a domain) reuses only what it leaves alone: each recompile equals a fresh compile byte for byte",
  async () => {
    await inTempDir(async (work) => {
      const tenants = estate(work);
      const out = join(work, 'out');
      await compiled(tenants, out);
      // Each step edits the estate, recompiles into `out` with the cache, compiles the same
      // manifests afresh (no build: no cache) and compares every file. A step whose
      // recompile reused nothing would prove nothing about reuse: each must reuse some.
      // (Returns the recompile, with how many tenants it reused.)
      const step = async (name: string, change: () => void) => {
        change();
        const again = await compiled(tenants, out);
        assert.ok(again.reused > 0, `${name}: tenants reused`);
        await compiled(tenants, join(work, `fresh-${name}`), { build: null });
        assertSameOutput(out, join(work, `fresh-${name}`));
        return again;
      };
      // A new tenant takes the next listener slot (a rule priority) and a place in the
      // group and cache shard the others are in.
      const added = await step('added', () =>
        writeFileSync(
          join(tenants, 'newco.yaml'),
          readFileSync(join(tenants, 'cyberdyne.yaml'), 'utf8')
            .replaceAll('cyberdyne', 'newco')
            .replace(/^name: .*$/m, 'name: Newco'),
        ),
      );
      assert.ok(
        added.plan.tenants.some((t) => t.id === 'newco'),
        'newco is in the estate',
      );
      // An offboarded tenant's file deleted: the lock records its removal, its slot is kept.
      const removed = await step('removed', () => rmSync(join(tenants, 'vandelay.yaml')));
      assert.is(removed.reused, removed.plan.tenants.length, "no other tenant's plan changed: every one reused");
      // A tier change: the tenant's own resources, its group's and its shards' share of it.
      const tier = await step('tier', () => edit(join(tenants, 'cyberdyne.yaml'), /^tier: standard$/m, 'tier: premium'));
      // A domain change: the listener rules and certificates of the ALB shard all share.
      const domain = await step('domain', () => edit(join(tenants, 'hooli.yaml'), /^ {2}- hooli\.tessera\.app/m, '  - hooli2.tessera.app'));
      for (const [r, id] of [
        [tier, 'cyberdyne'],
        [domain, 'hooli'],
      ] as const)
        assert.ok(r.reused < r.plan.tenants.length, `${id} emitted afresh`);
    });
  },
);

C('a cache this machine did not write is ignored, and a planted one lets nothing through', async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    const count = (await compiled(tenants, out)).plan.tenants.length;
    await compiled(tenants, join(work, 'fresh'), { build: null });
    const cacheText = readFileSync(CACHE(out), 'utf8');
    const cache = parseCompileCache(cacheText, KEY)!;
    assert.ok(cache, 'the cache reads back under its key');

    // An attacker (a pull request committing out/) plants a template for globex and a
    // cache naming it, authenticated under a key of their own: the digests are right
    // (they are computed from public inputs), only the key is not this machine's.
    const planted = '{"Resources":{"Leak":{"Type":"AWS::IAM::Role"}}}\n';
    writeFileSync(join(out, 'tenants', 'globex.template.json'), planted);
    const sha = (await import('node:crypto')).createHash('sha256').update(planted).digest('hex');
    const line = cache.tenants.get('globex')!;
    const entry = cachedTenant(line)!;
    const forged = {
      tenants: new Map([...cache.tenants, ['globex', cacheLine('globex', line.digest, { ...entry, templates: [{ ...entry.templates[0]!, sha256: sha }] })]]),
    };
    const attackerKey = Buffer.alloc(32, 9);
    writeFileSync(CACHE(out), serializeCompileCache(forged, attackerKey));
    // The forgery is well made: under the attacker's key it reads as a valid cache (so
    // it is only this machine's key that refuses it below).
    assert.ok(parseCompileCache(readFileSync(CACHE(out), 'utf8'), attackerKey));
    const r = await compiled(tenants, out);
    assert.is(r.reused, 0, 'nothing reused from a cache under another key');
    assertSameOutput(out, join(work, 'fresh'));

    // Damaged caches: truncated, not JSON, empty, a directory's worth of nothing.
    const otherLine = cacheText.replace(/\nacme\t/, '\nacme-copy\t');
    for (const text of [cacheText.slice(0, 100), cacheText.slice(0, -40), otherLine, 'not a cache', '', `${'0'.repeat(64)}\n{}\n`]) {
      writeFileSync(CACHE(out), text);
      const d = await compiled(tenants, out);
      assert.is(d.reused, 0, `ignored: ${JSON.stringify(text.slice(0, 20))}`);
      assertSameOutput(out, join(work, 'fresh'));
    }
  });
});

C("an authentic cache moved to another output directory's place, made from other manifests, gives that output a fresh compile's bytes", async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const [a, b] = [join(work, 'a'), join(work, 'b')];
    // a: the estate with two tenants edited (one's value, one's bytes only); b: as it was.
    const [globex, acme] = [readFileSync(join(tenants, 'globex.yaml')), readFileSync(join(tenants, 'acme.yaml'))];
    edit(join(tenants, 'globex.yaml'), /^name: .*$/m, 'name: Globex Elsewhere');
    edit(join(tenants, 'acme.yaml'), /^kind: Tenant$/m, 'kind: Tenant # other bytes');
    await compiled(tenants, a);
    writeFileSync(join(tenants, 'globex.yaml'), globex);
    writeFileSync(join(tenants, 'acme.yaml'), acme);
    await compiled(tenants, b);
    await compiled(tenants, join(work, 'fresh'), { build: null });
    // The MAC covers the file, not where it lies: a's cache, moved to b's place, is read;
    // what it says of a's files and manifests must not reach b's output.
    writeFileSync(CACHE(b), readFileSync(CACHE(a)));
    const r = await compiled(tenants, b);
    assert.ok(r.reused > 0, "a's entries for tenants b has unchanged are used");
    assertSameOutput(b, join(work, 'fresh'));
    assert.not.match(readFileSync(join(b, 'tenants', 'globex.template.json'), 'utf8'), /Globex Elsewhere/);
  });
});

C("an authentic cache whose file changed since is not trusted for that file's tenant", async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    const count = (await compiled(tenants, out)).plan.tenants.length;
    await compiled(tenants, join(work, 'fresh'), { build: null });
    // The cache is this machine's and current; the template was edited after the compile.
    edit(join(out, 'tenants', 'acme.template.json'), /"Resources":\{/, '"Resources":{"Leak":{"Type":"AWS::IAM::Role"},');
    const r = await compiled(tenants, out);
    assert.is(r.reused, count - 1, 'acme emitted afresh');
    assertSameOutput(out, join(work, 'fresh'));
    // A cache entry whose digest is stale (an edit the cache did not see) is not used either.
    const cache = parseCompileCache(readFileSync(CACHE(out), 'utf8'), KEY)!;
    const stale = { tenants: new Map([...cache.tenants, ['acme', { ...cache.tenants.get('acme')!, digest: 'f'.repeat(64) }]]) };
    writeFileSync(CACHE(out), serializeCompileCache(stale, KEY));
    assert.is((await compiled(tenants, out)).reused, count - 1, 'a stale digest is a miss');
    assertSameOutput(out, join(work, 'fresh'));
  });
});

C("a first compile's threaded write records the identity of each file as written: a file changed before the cache is written is not trusted", async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    const acme = join(out, 'tenants', 'acme.template.json');
    // Between the output's rename into place and the cache's write: acme's template
    // changed in place, same inode (a file the writer thread wrote).
    const first = await compiled(tenants, out, {
      writerThreadFrom: 0,
      placed: () => edit(acme, /"Resources":\{/, '"Resources":{"Leak":{"Type":"AWS::IAM::Role"},'),
    });
    assert.ok(first.written.written > first.plan.tenants.length, 'written from the thread, every file');
    // Each identity recorded is the file's now, but acme's: the one of the bytes written.
    const cache = parseCompileCache(readFileSync(CACHE(out), 'utf8'), KEY)!;
    let compared = 0;
    for (const [id, line] of [...cache.tenants, ...cache.groups!]) {
      const paths = cache.tenants.has(id) ? cachedTenant(line)!.templates.map((t) => t.path) : [id];
      const recorded = line.stats!.split(',');
      assert.is(recorded.length, paths.length, `${id}: an identity per template`);
      paths.forEach((path, i) => {
        const now = statOf(join(out, path));
        if (path === 'tenants/acme.template.json') assert.is.not(recorded[i], now, 'acme changed since it was written');
        else assert.is(recorded[i], now, `${path}: the identity of the file as the compile left it`);
        compared++;
      });
    }
    assert.ok(compared > first.plan.tenants.length, 'every template compared');
    // The next compile finds acme's identity changed, hashes it, and emits it afresh.
    const count = first.plan.tenants.length;
    await compiled(tenants, join(work, 'fresh'), { build: null });
    const r = await compiled(tenants, out);
    assert.is(r.reused, count - 1, 'acme emitted afresh');
    assertSameOutput(out, join(work, 'fresh'));
  });
});

C(
  'a recompile records the identity of each file as it wrote or linked it: a file changed before the cache is written is not trusted by the next compile',
  async () => {
    await inTempDir(async (work) => {
      const tenants = estate(work);
      const out = join(work, 'out');
      const acme = join(out, 'tenants', 'acme.template.json');
      const count = (await compiled(tenants, out)).plan.tenants.length;
      // A recompile: the output exists, so writeOutput writes (links) the files. Between
      // the output's rename into place and the cache's write, acme's template is changed
      // in place, same inode, by whoever else can write the output directory.
      const second = await compiled(tenants, out, {
        placed: () => edit(acme, /"Resources":\{/, '"Resources":{"Leak":{"Type":"AWS::IAM::Role"},'),
      });
      assert.is(second.reused, count, 'nothing changed in the manifests');
      // The next compile must find acme's template changed since the compile wrote it,
      // hash it, and emit it afresh: the output equals a fresh compile's, without "Leak".
      await compiled(tenants, join(work, 'fresh'), { build: null });
      await compiled(tenants, out);
      assert.not.match(readFileSync(acme, 'utf8'), '"Leak"', 'the bytes changed after the write are not reused');
      assertSameOutput(out, join(work, 'fresh'));
    });
  },
);

C('the cache is kept outside the output: two compiles of the same manifests write the same bytes', async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    await compiled(tenants, join(work, 'one'));
    await compiled(tenants, join(work, 'two'));
    // The cache records each file's inode and times, which differ between the two; in
    // the output it made two compiles of the same manifests differ.
    assert.ok(existsSync(CACHE(join(work, 'one'))) && existsSync(CACHE(join(work, 'two'))), 'each output has its cache');
    assert.is.not(readFileSync(CACHE(join(work, 'one')), 'utf8'), readFileSync(CACHE(join(work, 'two')), 'utf8'));
    assertSameOutput(join(work, 'one'), join(work, 'two'));
  });
});

C('without a build id (run from the sources) or a key, nothing is cached or reused', async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    await compiled(tenants, out, { build: null });
    assert.not.ok(existsSync(CACHE(out)), 'no cache from the sources');
    await compiled(tenants, out, { cacheKey: null });
    assert.not.ok(existsSync(CACHE(out)), 'no cache without a key');
  });
});

C("sha256Hex is SHA-256 of a text's UTF-8 bytes, and of bytes as they are, whichever call makes it", () => {
  // A recorded hash is checked against the file's bytes (checkedFile), so the text's hash must be its UTF-8 bytes' hash.
  for (const text of ['', 'tessera', 'Zürich \u00ff\u0100 \u{1f600} \u2028', 'x'.repeat(100_000)]) {
    const expected = createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
    assert.is(sha256Hex(text), expected, text.slice(0, 20));
    assert.is(sha256Hex(Buffer.from(text, 'utf8')), expected);
  }
});

/**
 * The file `cache` gives when each entry is encoded from its JSON text (encodeEntry's
 * scan for hashes and ids), as lines read from a file without their encoding are.
 */
function generalEncoding(cache: CompileCache): string {
  const lines = new Map([...cache.tenants].map(([id, line]) => [id, { digest: line.digest, text: line.text, ...(line.paths ? { paths: line.paths } : {}) }]));
  return serializeCompileCache({ ...cache, tenants: lines }, KEY);
}

C("a tenant's entry is read only with parameters its group can pass, as a group's is", () => {
  const entry = (parameters: unknown) =>
    cachedTenant(
      cacheLine('acme', 'd'.repeat(64), {
        templates: [{ path: 'tenants/acme.template.json', sha256: 'a'.repeat(64), review: [] }],
        parameters: parameters as CachedTenant['parameters'],
      }),
    );
  assert.ok(entry({ shared: ['AppInstanceRoleArn'], shard: ['HttpsListenerArn'] }), 'names the group passes');
  assert.is(entry({ shared: ['NoSuchParameter'], shard: [] }), null, 'an unknown shared parameter');
  assert.is(entry({ shared: [], shard: ['NoSuchParameter'] }), null, 'an unknown shard parameter');
  assert.is(entry({ shared: [['AssetsBucketName']], shard: [] }), null, 'a name that is not a string');
  assert.is(entry({ shared: ['HttpsListenerArn'], shard: [] }), null, 'a shard parameter as a shared one');
});

C('an entry encoded from its parts is the one its JSON text gives, also when a part holds a sha256 field or keys in another order', () => {
  const sha = (c: string) => c.repeat(64);
  const shapes = new EntryShapes();
  const plain = (id: string): CachedTenant => ({
    templates: [{ path: `tenants/${id}.template.json`, sha256: sha('a'), review: [{ rule: 'E301', compliant: 1 }] }],
    parameters: { shared: [], shard: [] },
  });
  const entries: [string, CachedTenant][] = [
    ['acme', plain('acme')],
    ['beta', plain('beta')],
    ['delta', { ...plain('delta'), templates: [{ ...plain('delta').templates[0]!, review: [{ rule: 'E302', compliant: 1 }] }] }],
    // An id that is also a key of the entry's JSON.
    ['rule', plain('rule')],
    // A review that holds a field the general encoding takes out as a hash too.
    ['hooli', { ...plain('hooli'), templates: [{ ...plain('hooli').templates[0]!, review: [{ rule: 'E601', facts: { sha256: sha('9') } }] }] }],
    // Parameters holding one.
    ['globex', { ...plain('globex'), parameters: { shared: [], shard: [], sha256: sha('8') } as unknown as CachedTenant['parameters'] }],
    // Keys in another order than the parts are written in.
    ['initech', { parameters: plain('initech').parameters, templates: [{ review: [], sha256: sha('b'), path: 'tenants/initech.template.json' }] }],
    ['stark', { parameters: plain('stark').parameters, templates: plain('stark').templates }],
    ['umbrella', { templates: [{ sha256: sha('c'), path: 'tenants/umbrella.template.json', review: [] }], parameters: plain('umbrella').parameters }],
    // A hash that is not one stays in the text.
    ['wayne', { ...plain('wayne'), templates: [{ ...plain('wayne').templates[0]!, sha256: 'not a hash' }] }],
  ];
  const cache = { tenants: new Map(entries.map(([id, e]) => [id, cacheLine(id, 'd'.repeat(64), e, shapes)])) };
  const text = serializeCompileCache(cache, KEY);
  assert.is(text, generalEncoding(cache));
  const back = parseCompileCache(text, KEY)!;
  for (const [id, e] of entries) assert.is(back.tenants.get(id)!.text, JSON.stringify(e), id);
  // acme's and beta's skeletons are one, delta's as long and not the same.
  assert.match(text, /\n#skeletons 9\n/);
});

C('the file shares what tenants of one shape have in common, and gives every entry back exactly', () => {
  const sha = (c: string) => c.repeat(64);
  // Ids inside other words, inside hashes (hex), beside each other; marks JSON escapes.
  const entry = (id: string, shas: string[], note: string): CachedTenant => ({
    templates: shas.map((h, i) => ({
      path: `tenants/${id}${i ? '.domain' : ''}.template.json`,
      sha256: h,
      review: [{ rule: 'E601', facts: [['AWS::IAM::Role', `tessera-${id}-${id}${id}`, `${note}\u0000\u0001`, id]] }],
    })),
    parameters: { shared: ['AppInstanceRoleArn'], shard: [] },
  });
  const entries: [string, CachedTenant][] = [
    ['beef', entry('beef', [sha('b'), `${'beef'.repeat(15)}beef`], 'beefy')],
    ['acme', entry('acme', [sha('a')], 'x')],
    ['hooli', entry('hooli', [sha('c')], 'x')],
    ['e', entry('e', [sha('e'), sha('f')], '"sha256":"' + sha('0') + '"')],
  ];
  const cache = { tenants: new Map(entries.map(([id, e]) => [id, cacheLine(id, 'd'.repeat(64), e)])), sources: new Map([['1'.repeat(64), '{"a":1}']]) };
  const text = serializeCompileCache(cache, KEY);
  assert.is(text, generalEncoding(cache), 'the entries encoded from their parts as from their JSON text');
  const back = parseCompileCache(text, KEY)!;
  for (const [id, e] of entries) assert.equal(cachedTenant(back.tenants.get(id)!), e, id);
  assert.equal(back.sources, cache.sources);
  // acme and hooli differ only by their ids and hashes: one skeleton.
  assert.match(text, /\n#skeletons 3\n/);
  // Written back as read, without being parsed: the same file.
  assert.is(serializeCompileCache(back, KEY), text);
  // A line that takes more or fewer hashes than its skeleton holds is not this code's.
  const body = text.slice(65).replace(/(\nacme\t[^\n]*\t)([0-9a-f]{64})\n/, '$1$2,$2\n');
  assert.is.not(body, text.slice(65));
  assert.is(parseCompileCache(`${createHmac('sha256', KEY).update(body).digest('hex')}\n${body}`, KEY), null);
});

C('entries whose ids occur inside each other, their hashes, their names and the marks are given back exactly', () => {
  // A fixed-seed generator: the same cases on every run.
  let seed = 0x2026_1204;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed % n;
  };
  const pick = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[next(alphabet.length)]).join('');
  // Ids from a tiny alphabet that is also hex: each is likely inside others, inside hashes, inside names.
  const ids = [...new Set(Array.from({ length: 40 }, () => pick('abe', 1 + next(4)) + (next(3) === 0 ? `-${pick('ab1', 1 + next(2))}` : '')))];
  const entries = ids.map((id): [string, CachedTenant] => {
    const others = () => ids[next(ids.length)]!;
    const hashes = Array.from({ length: 1 + next(3) }, () =>
      next(2)
        ? `${id}${others()}`
            .repeat(64)
            .slice(0, 64)
            .replace(/[^0-9a-f]/g, '0')
        : pick('0123456789abcdef', 64),
    );
    return [
      id,
      {
        templates: hashes.map((h, i) => ({
          path: `tenants/${id}${i ? `.${others()}` : ''}.template.json`,
          sha256: h,
          review: [{ rule: 'E601', facts: [['AWS::S3::Bucket', `${others()}-${id}${id}-${h.slice(0, 8)}`, `"sha256":"${h}"\u0000\u0001$&$1$$`, others()]] }],
        })),
        parameters: { shared: ['AppInstanceRoleArn'], shard: ['HttpsListenerArn'] },
      },
    ];
  });
  const cache = { tenants: new Map(entries.map(([id, e]) => [id, cacheLine(id, 'd'.repeat(64), e, new EntryShapes())])), sources: new Map<string, string>() };
  const text = serializeCompileCache(cache, KEY);
  assert.is(text, generalEncoding(cache), 'the entries encoded from their parts as from their JSON text');
  const back = parseCompileCache(text, KEY)!;
  assert.is(back.tenants.size, entries.length);
  for (const [id, e] of entries) {
    assert.is(back.tenants.get(id)!.text, JSON.stringify(e), id);
    assert.equal(cachedTenant(back.tenants.get(id)!), e, id);
  }
  assert.is(serializeCompileCache(back, KEY), text, 'written back as read');
});

C("a manifest's reading is reused for the same bytes read by the same build, and for nothing else", async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    await compiled(tenants, out);
    const cache = parseCompileCache(readFileSync(CACHE(out), 'utf8'), KEY)!;
    const globex = readFileSync(join(tenants, 'globex.yaml'));
    const lock = readFileSync(join(tenants, 'placement.lock.yaml'));
    const key = sourceKey(BUILD, 'manifest', globex);
    // Every manifest and the lock are kept, each under the key of its own bytes.
    assert.is(cache.sources?.size, listTree(tenants).length, 'every manifest and the lock');
    assert.ok(cache.sources?.has(key), "globex's reading");
    assert.ok(cache.sources?.has(sourceKey(BUILD, 'lock', lock)), "the lock's reading");
    assert.not.ok(cache.sources?.has(sourceKey(BUILD, 'manifest', lock)), 'the lock is not kept as a manifest');
    // An entry this machine wrote (authentic), whose value differs from what the bytes say:
    // where it is used, the output shows it. It is what proves the compiles below did not
    // use it: each changes one input of the key.
    const planted = (bytesKey: string) => {
      const value = JSON.parse(cache.sources!.get(key)!) as { name: string };
      const sources = new Map(cache.sources);
      sources.set(bytesKey, JSON.stringify({ ...value, name: 'Planted Name' }));
      writeFileSync(CACHE(out), serializeCompileCache({ ...cache, sources }, KEY));
    };
    const globexTemplate = () => readFileSync(join(out, 'tenants', 'globex.template.json'), 'utf8');
    planted(key);
    await compiled(tenants, out);
    assert.match(globexTemplate(), /Planted Name/, 'the same bytes and build: the reading is reused');
    // Another build reads the same bytes afresh.
    planted(key);
    await compiled(tenants, out, { build: 'test-build-2' });
    assert.not.match(globexTemplate(), /Planted Name/, 'another build');
    // Other bytes (a comment: the same value) are read afresh.
    planted(key);
    edit(join(tenants, 'globex.yaml'), /^kind: Tenant$/m, 'kind: Tenant # edited');
    await compiled(tenants, out);
    assert.not.match(globexTemplate(), /Planted Name/, 'other bytes');
    // The same bytes checked as the lock are not the manifest's reading.
    writeFileSync(join(tenants, 'globex.yaml'), globex);
    planted(sourceKey(BUILD, 'lock', globex));
    await compiled(tenants, out);
    assert.not.match(globexTemplate(), /Planted Name/, 'a lock key');
    // The same build on another runtime (another Node, or the same Node with other
    // Unicode tables): its schema verdicts on `\p{L}` and `\p{Cf}` may differ, so it reads afresh.
    planted(sourceKey(BUILD, 'manifest', globex, 'node v20.0.0 unicode 15.0 icu 72.1'));
    await compiled(tenants, out);
    assert.not.match(globexTemplate(), /Planted Name/, 'another runtime');
    await compiled(tenants, join(work, 'fresh'), { build: null });
    assertSameOutput(out, join(work, 'fresh'));
  });
});

C('the cache is written through a new file: a link planted at its temporary name is not followed', () => {
  inTempDir((work) => {
    const path = join(work, 'cache', 'compile.cache');
    const victim = join(work, 'victim.txt');
    writeFileSync(victim, 'unchanged\n');
    mkdirSync(join(work, 'cache'));
    symlinkSync(victim, `${path}.${process.pid}.tmp`);
    writeCompileCache(path, 'the cache\n');
    assert.is(readFileSync(victim, 'utf8'), 'unchanged\n', 'the link target is untouched');
    assert.is(readFileSync(path, 'utf8'), 'the cache\n');
    assert.not.ok(existsSync(`${path}.${process.pid}.tmp`), 'no temporary file or link left');
  });
});

C('a cache that cannot be written fails nothing: not a directory at its temporary name, not a file where its directory goes', async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    // Another user's directory at the temporary name: it cannot be removed without recursion.
    mkdirSync(`${CACHE(out)}.${process.pid}.tmp`, { recursive: true });
    const first = await compiled(tenants, out);
    assert.ok(first.written, 'the compile completes (the lock is written after the cache)');
    assert.not.ok(existsSync(CACHE(out)), 'no cache written');
    rmSync(cacheDirOf(out), { recursive: true });
    writeFileSync(cacheDirOf(out), 'not a directory\n');
    const second = await compiled(tenants, out);
    assert.is(second.reused, 0);
    assert.ok(second.written);
  });
});

C("the machine's key is checked on the file read: a file renamed over it right after the check is not the key", () => {
  inTempDir((work) => {
    const env = { XDG_CACHE_HOME: work };
    const genuine = machineCacheKey(env);
    assert.ok(genuine, 'a key is made');
    const file = join(work, 'tenantc', 'compile-cache.key');
    const planted = join(work, 'planted.key');
    const known = Buffer.alloc(32, 9);
    // Whoever else can write the directory swaps in a file of theirs (not 0600) right after
    // the key file's status is taken, by path or by descriptor.
    let armed = true;
    const swap = () => {
      if (!armed) return;
      armed = false;
      writeFileSync(planted, known, { mode: 0o644 });
      renameSync(planted, file);
    };
    const { lstatSync, fstatSync } = fs;
    const patched = fs as { lstatSync: unknown; fstatSync: unknown };
    patched.lstatSync = (...args: Parameters<typeof lstatSync>) => {
      const st = lstatSync(...args);
      if (args[0] === file) swap();
      return st;
    };
    patched.fstatSync = (...args: Parameters<typeof fstatSync>) => {
      const st = fstatSync(...args);
      swap();
      return st;
    };
    syncBuiltinESMExports();
    try {
      const read = machineCacheKey(env);
      assert.not.ok(armed, 'the file was swapped during the read');
      assert.not.ok(read?.equals(known), "the planted file's bytes are not taken for the key");
    } finally {
      patched.lstatSync = lstatSync;
      patched.fstatSync = fstatSync;
      syncBuiltinESMExports();
    }
  });
});

C("a tenant's templates are reused only on the runtime that emitted them: the runtime is in every tenant's digest", () => {
  const { plan } = compiledFrom(SAMPLE_TENANTS);
  const rules = ['E101'];
  const here = digests('test-build', rules, plan);
  const again = digests('test-build', rules, plan);
  const elsewhere = digests('test-build', rules, plan, 'node v20.0.0 unicode 15.0 icu 72.1');
  assert.is(here.estate, again.estate, 'the same build, rules, platform and runtime: the same digest');
  assert.is.not(here.estate, elsewhere.estate, 'another runtime: another estate digest');
  for (const t of plan.tenants) assert.is.not(here.tenant(t), elsewhere.tenant(t), t.id);
});

C("a tenant's digest tells apart plans that differ by one key's name, however many keys the compile has digested (emit/reuse.ts keyText)", () => {
  const { plan } = compiledFrom(SAMPLE_TENANTS);
  const t = plan.tenants[0]!;
  const d = digests('test-build', ['E101'], plan);
  // A plan with one more key; more distinct keys than the key texts kept per process.
  const withKey = (key: string) => d.tenant({ ...t, [key]: 1 } as typeof t);
  const seen = new Map<string, string>();
  for (let i = 0; i < 3000; i++) {
    const key = `k${i}`;
    const digest = withKey(key);
    assert.not.ok(seen.has(digest), `${key} and ${seen.get(digest)}: one digest`);
    seen.set(digest, key);
  }
  for (const key of ['k1', 'k2999', 'k10']) assert.is(withKey(key), [...seen].find(([, k]) => k === key)![0], `${key} again: the same digest`);
  assert.is.not(withKey('ab'), withKey('ba'), 'keys of one length');
  assert.is.not(withKey('ab'), d.tenant(t), 'one key more');
});

C(
  "a group's template is reused when nothing of it changed, and emitted afresh when a member's does (renamed, another tier, added, removed): the same bytes as a fresh compile",
  async () => {
    await inTempDir(async (work) => {
      // 100 tenants: three groups of up to 40 (plan/quotas.ts TENANTS_PER_GROUP).
      const tenants = join(work, 'tenants');
      mkdirSync(tenants);
      for (const [name, text] of generatedEstateFiles(100, join(SAMPLE_TENANTS, 'platform.yaml'))) writeFileSync(join(tenants, name), text);
      const out = join(work, 'out');
      // The pack's rules find nothing in a group's template (no resource of their types):
      // this one counts each nested stack as a compliant finding, so that a group whose
      // records were not replayed shows in the review's counts.
      const stacksCounted: SecurityRule = {
        id: 'T901',
        title: 'nested stacks counted',
        reason: 'a test',
        fix: 'none',
        types: ['AWS::CloudFormation::Stack'],
        check: (template, name) =>
          Object.entries(template.Resources ?? {})
            .filter(([, r]) => r.Type === 'AWS::CloudFormation::Stack')
            .map(([id]) => finding(stacksCounted, name, id, true, 'a nested stack')),
      };
      const counting = (t: string, o: string, options: { build?: null } = {}) =>
        compiled(t, o, { securityRules: [...SECURITY_RULES, stacksCounted], ...options });
      const first = await counting(tenants, out);
      assert.ok((first.review.checked.get('T901') ?? 0) > 100, 'every tenant stack counted');
      const groups = first.plan.groups.length;
      assert.ok(groups >= 3, `${groups} groups`);
      assert.is(first.reusedGroups, 0, 'nothing to reuse the first time');
      const unchanged = await counting(tenants, out);
      assert.is(unchanged.reusedGroups, groups, 'nothing changed: every group reused');
      // The gate's outcome, its findings counted per rule, as a fresh review's: each reused group's records replayed.
      assert.equal(unchanged.review, first.review, 'the same review');
      // Each step edits one tenant, recompiles into `out` with the cache, compiles the same
      // manifests afresh and compares every file; `groups` of the recompile were reused.
      const step = async (name: string, change: () => void, reusedGroups: (r: Ok) => number) => {
        change();
        const again = await counting(tenants, out);
        assert.is(again.reusedGroups, reusedGroups(again), `${name}: groups reused`);
        const fresh = await counting(tenants, join(work, `fresh-${name}`), { build: null });
        assert.equal(again.review, fresh.review, `${name}: the same review`);
        assertSameOutput(out, join(work, `fresh-${name}`));
      };
      const file = (i: number) => join(tenants, `${tenantId(i)}.yaml`);
      const allButOne = (r: Ok) => r.plan.groups.length - 1;
      // A renamed tenant: its template, and so its key in its group's, changes; the other groups are reused.
      await step('renamed', () => edit(file(5), /^name: .*$/m, 'name: Renamed Tenant'), allButOne);
      await step('tier', () => edit(file(8), /^tier: standard$/m, 'tier: premium'), allButOne);
      // An added tenant joins a group (one with room, or a new one: either way one group not
      // reused); a removed one leaves its group.
      await step('added', () => writeFileSync(join(tenants, 'newco.yaml'), readFileSync(file(9), 'utf8').replaceAll(tenantId(9), 'newco')), allButOne);
      // A tenant leaves in two steps: offboarded (its stack keeps its data), then its file deleted.
      await step('offboarded', () => edit(file(12), /^status: active$/m, 'status: offboarded'), allButOne);
      await step('removed', () => rmSync(file(12)), allButOne);
      assert.is((await counting(tenants, out)).reusedGroups, groups, 'nothing changed since: every group reused');
    });
  },
);

C("a group's digest covers each member's plan, template key and parameters, the group's plan and the estate", () => {
  const { plan } = compiledFrom(SAMPLE_TENANTS);
  const d = digests('test-build', ['E101'], plan);
  const group = plan.groups[0]!;
  const [a, b] = plan.tenants;
  const members: GroupMember[] = [
    { tenant: d.tenant(a!), key: 'tenants/a.template.json', parameters: { shared: ['AssetsBucketName'], shard: ['HttpsListenerArn'] } },
    { tenant: d.tenant(b!), key: 'tenants/b.template.json', parameters: { shared: [], shard: [] } },
  ];
  const base = d.group(group, members);
  assert.is(digests('test-build', ['E101'], plan).group(group, members), base, 'the same inputs: the same digest');
  const differs = (what: string, g: typeof group, m: readonly GroupMember[], other = d) => assert.is.not(other.group(g, m), base, what);
  differs("a member's key", group, [{ ...members[0]!, key: 'tenants/a2.template.json' }, members[1]!]);
  differs("a member's plan", group, [{ ...members[0]!, tenant: d.tenant(b!) }, members[1]!]);
  differs("a member's parameters", group, [{ ...members[0]!, parameters: { shared: [], shard: ['HttpsListenerArn'] } }, members[1]!]);
  differs('the members', group, [members[0]!]);
  differs("the group's plan", { ...group, index: group.index + 1 }, members);
  differs('the estate (another build)', group, members, digests('test-build-2', ['E101'], plan));
});

C('a schema error in a file an earlier compile read is found on a recompile, and the recompile after its fix equals a fresh compile', async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    await compiled(tenants, out);
    const compileError = async (what: string) => {
      const r = await compile(tenants, out, { today: TEST_DAY, build: BUILD, cacheKey: KEY, cacheDir: cacheDirOf(out) });
      assert.not.ok(r.ok, `${what}: refused`);
      return r.ok ? '' : r.diagnostics.map((d) => `${d.file}: ${d.message}`).join('\n');
    };
    // A tenant's field, the platform's, the lock's: each an edit of a file read before.
    const acme = readFileSync(join(tenants, 'acme.yaml'), 'utf8');
    edit(join(tenants, 'acme.yaml'), /^users: \d+$/m, 'users: -5');
    assert.match(await compileError('users: -5'), /acme\.yaml/);
    writeFileSync(join(tenants, 'acme.yaml'), acme);
    const platform = readFileSync(join(tenants, 'platform.yaml'), 'utf8');
    edit(join(tenants, 'platform.yaml'), /^kind: Platform$/m, 'kind: Platform\nunknownKey: 1');
    assert.match(await compileError('platform unknown key'), /platform\.yaml.*unknownKey/);
    writeFileSync(join(tenants, 'platform.yaml'), platform);
    const lock = readFileSync(join(tenants, 'placement.lock.yaml'), 'utf8');
    edit(join(tenants, 'placement.lock.yaml'), /(cyberdyne: \{ status: active, albShard: 0, ruleSlot: )1,/, '$1"one",');
    assert.match(await compileError('lock slot'), /placement\.lock\.yaml/);
    writeFileSync(join(tenants, 'placement.lock.yaml'), lock);
    // A copy of a tenant under another name: the same bytes, read from the cache; the
    // rules that compare manifests still run (one id, two files).
    writeFileSync(join(tenants, 'acme-copy.yaml'), acme);
    assert.match(await compileError('a copy'), /acme/);
    rmSync(join(tenants, 'acme-copy.yaml'));
    const again = await compiled(tenants, out);
    assert.is(again.reused, again.plan.tenants.length, 'back to what the cache holds');
    await compiled(tenants, join(work, 'fresh'), { build: null });
    assertSameOutput(out, join(work, 'fresh'));
  });
});

C("a file's bytes reused under another name or role are refused as a fresh compile refuses them, at the same lines", async () => {
  await inTempDir(async (work) => {
    const tenants = estate(work);
    const out = join(work, 'out');
    const first = await compiled(tenants, out);
    const cached = parseCompileCache(readFileSync(CACHE(out), 'utf8'), KEY)!;
    const read = (name: string) => readFileSync(join(tenants, name));
    const [acme, platform, lock] = [read('acme.yaml'), read('platform.yaml'), read('placement.lock.yaml')];
    // Each: bytes the cache holds a reading of, under a name, a kind or a role that reading was not made for.
    const cases: [string, () => void][] = [
      ["a tenant's bytes under a second name (id and file name differ, one id twice)", () => writeFileSync(join(tenants, 'acme-copy.yaml'), acme)],
      ["a tenant's bytes under another name only", () => (rmSync(join(tenants, 'acme.yaml')), writeFileSync(join(tenants, 'zeta.yaml'), acme))],
      ["the platform's bytes under a tenant's name (two platforms)", () => writeFileSync(join(tenants, 'acme.yaml'), platform)],
      ["a tenant's bytes as the platform's file (no platform)", () => writeFileSync(join(tenants, 'platform.yaml'), acme)],
      ["the lock's bytes as a manifest", () => writeFileSync(join(tenants, 'lock.yaml'), lock)],
      ["a tenant's bytes as the lock", () => writeFileSync(join(tenants, 'placement.lock.yaml'), acme)],
      ["the platform's bytes as the lock", () => writeFileSync(join(tenants, 'placement.lock.yaml'), platform)],
    ];
    const diagnostics = async (options: { build?: string | null }) => {
      const r = await compile(tenants, out, { today: TEST_DAY, build: BUILD, cacheKey: KEY, cacheDir: cacheDirOf(out), ...options });
      return r.ok ? [] : r.diagnostics;
    };
    for (const [what, change] of cases) {
      const estateDir = join(work, 'tenants');
      rmSync(estateDir, { recursive: true });
      cpSync(SAMPLE_TENANTS, estateDir, { recursive: true });
      change();
      // The cache still holds every reading of the first compile (a refused compile writes none).
      assert.equal(parseCompileCache(readFileSync(CACHE(out), 'utf8'), KEY)!.sources, cached.sources, `${what}: the cache as the first compile left it`);
      const recompile = await diagnostics({});
      assert.ok(recompile.length > 0, `${what}: refused`);
      // Every diagnostic (code, file, line:col, message) is the one a compile that reads everything afresh gives.
      assert.equal(recompile, await diagnostics({ build: null }), what);
    }
    assert.ok(first.plan.tenants.length > 1);
  });
});

C('a value JSON would not give back exactly is not kept as a reading', () => {
  for (const v of [Number.NaN, Number.POSITIVE_INFINITY, -0, { a: [1, Number.NEGATIVE_INFINITY] }, JSON.parse('{"__proto__": 1}'), new Date(0)])
    assert.not.ok(jsonExact(v), String(v));
  for (const v of [null, 0, 1.5, 'x', true, [], { a: [1, 'b', { c: null }] }]) assert.ok(jsonExact(v), JSON.stringify(v));
});

C.run();
