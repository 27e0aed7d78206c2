import { spawnSync } from 'node:child_process';
// The load stage: file-level problems, positions and the YAML features we refuse.
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseManifest, firstInvalidUtf8 } from '../compiler/load/parseManifest.ts';
import { readLockFile } from '../compiler/load/lockFile.ts';
import { MANIFEST_SIZE_CAP_BYTES, readManifestFiles } from '../compiler/load/readManifests.ts';
import { decodePointer } from '../compiler/validate/schema.ts';
import { parseDocument } from 'yaml';
import { FIXTURES, rawFile, rawFilesFrom, inTempDir, SAMPLE_TENANTS } from './helpers.ts';

const Load = suite('load');

Load('a file over the size cap is refused unread; a file at the cap is read', () => {
  inTempDir((dir) => {
    writeFileSync(join(dir, 'at-cap.yaml'), 'x'.repeat(MANIFEST_SIZE_CAP_BYTES));
    writeFileSync(join(dir, 'over-cap.yaml'), 'x'.repeat(MANIFEST_SIZE_CAP_BYTES + 1));
    writeFileSync(join(dir, 'notes.md'), 'not a manifest');
    const [atCap, overCap, ...rest] = readManifestFiles(dir);
    assert.is(rest.length, 0, 'only *.yaml / *.yml files are manifests');
    assert.is(atCap!.bytes?.length, MANIFEST_SIZE_CAP_BYTES);
    assert.is(overCap!.bytes, null);
    const r = parseManifest(overCap!);
    assert.is(r.source, null);
    assert.is(r.diagnostics[0]?.code, 'file-too-large');
    assert.is(r.diagnostics[0]?.message.includes(String(MANIFEST_SIZE_CAP_BYTES)), true);
  });
});

Load('a lone carriage return is refused where it is (YAML readers disagree on it); CRLF line ends are read', () => {
  const hidden = parseManifest(rawFile('acme.yaml', 'kind: Tenant\n# note\rtier: premium\nid: acme\n'));
  assert.equal(
    hidden.diagnostics.map((d) => `${d.code} ${d.position.line}:${d.position.col}`),
    ['yaml-syntax 2:7'],
  );
  assert.is(hidden.source, null);
  const crlf = parseManifest(rawFile('acme.yaml', 'kind: Tenant\r\nid: acme\r\n'));
  assert.equal(crlf.diagnostics, []);
});

Load('a manifest or lock that is a symbolic link is refused, never followed (the review reads git objects, where a link is a path)', () => {
  inTempDir((dir) => {
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'zorg.yaml'), 'kind: Tenant\nid: zorg\n');
    writeFileSync(join(dir, 'elsewhere', 'lock.yaml'), 'version: 2\n');
    mkdirSync(join(dir, 'tenants'));
    symlinkSync(join(dir, 'elsewhere', 'zorg.yaml'), join(dir, 'tenants', 'zorg.yaml'));
    symlinkSync(join(dir, 'elsewhere', 'lock.yaml'), join(dir, 'tenants', 'placement.lock.yaml'));
    const [zorg] = readManifestFiles('tenants', dir);
    assert.is(zorg!.bytes, null, 'the target is not read');
    assert.equal(
      parseManifest(zorg!).diagnostics.map((d) => `${d.code} ${d.message}`),
      ['file-unreadable cannot read file (a symbolic link, not a regular file: commit the file itself)'],
    );
    const lock = readLockFile('tenants', dir)!;
    assert.is(lock.bytes, null);
    assert.match(lock.readError!, 'a symbolic link');
  });
});

Load('a manifest name that is not a readable regular file is reported, not thrown', () => {
  inTempDir((dir) => {
    mkdirSync(join(dir, 'folder.yaml'));
    const [folder] = readManifestFiles(dir);
    const r = parseManifest(folder!);
    assert.is(r.source, null);
    assert.equal(
      r.diagnostics.map((d) => d.code),
      ['file-unreadable'],
    );
    assert.is(r.diagnostics[0]!.message, 'cannot read file (not a regular file)');
  });
});

Load('a FIFO named like a manifest is refused unread, without hanging; a file over the cap is measured, not read', () => {
  inTempDir((dir) => {
    const made = spawnSync('mkfifo', [join(dir, 'pipe.yaml')]);
    assert.is(made.status, 0, 'mkfifo');
    writeFileSync(join(dir, 'big.yaml'), `kind: Tenant\n#${'x'.repeat(MANIFEST_SIZE_CAP_BYTES)}\n`);
    writeFileSync(join(dir, 'empty.yaml'), '');
    writeFileSync(join(dir, 'small.yaml'), 'kind: Tenant\n');
    const [big, empty, pipe, small] = readManifestFiles(dir);
    assert.equal(pipe, { path: join(dir, 'pipe.yaml'), name: 'pipe.yaml', size: 0, bytes: null, readError: 'not a regular file' });
    assert.equal(big, { path: join(dir, 'big.yaml'), name: 'big.yaml', size: MANIFEST_SIZE_CAP_BYTES + 15, bytes: null });
    assert.is(empty!.size, 0);
    assert.is(empty!.bytes!.length, 0);
    assert.is(Buffer.from(small!.bytes!).toString('utf8'), 'kind: Tenant\n');
    assert.is(small!.size, 13);
  });
});

Load('invalid UTF-8 is located at the first byte of the bad sequence', () => {
  assert.is(firstInvalidUtf8(Buffer.from('abc')), 3);
  assert.is(firstInvalidUtf8(Uint8Array.from([0x61, 0xe9, 0x0a])), 1);
  assert.is(firstInvalidUtf8(Uint8Array.from([0x61, 0xc3, 0xa9, 0xff])), 3);
  assert.is(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80])), 0, 'a UTF-16 surrogate is not UTF-8');
  assert.is(firstInvalidUtf8(Uint8Array.from([0xc0, 0x80])), 0, 'overlong NUL');
});

Load('a byte-order mark does not shift positions', () => {
  const r = parseManifest({ path: 't/a.yaml', name: 'a.yaml', size: 0, bytes: Buffer.from('\ufeffkind: Tenant\nid: 1\n', 'utf8') });
  assert.ok(r.source);
  assert.equal(r.source!.positionOf(['id']), { line: 2, col: 5 });
});

Load('a missing key points at its parent mapping', () => {
  const r = parseManifest(rawFile('a.yaml', 'kind: Tenant\nauth:\n  mfa: off\n'));
  assert.equal(r.source!.positionOf(['auth', 'passwordPolicy', 'minLength']), { line: 3, col: 3 });
});

Load('JSON Pointers decode ~1 before ~0', () => {
  assert.equal(decodePointer('/tags/a~1b/0/~01'), ['tags', 'a/b', 0, '~1']);
  assert.equal(decodePointer(''), []);
});

Load('the fast path and the positioned parser read every fixture manifest the same', () => {
  let compared = 0;
  for (const dir of [
    SAMPLE_TENANTS,
    join(FIXTURES, 'estates', 'minimal'),
    ...readdirSync(join(FIXTURES, 'invalid')).map((c) => join(FIXTURES, 'invalid', c)),
  ]) {
    for (const raw of rawFilesFrom(dir)) {
      const r = parseManifest(raw);
      if (!r.source) continue;
      const text = Buffer.from(raw.bytes!).toString('utf8');
      assert.equal(r.source.value, parseDocument(text, { merge: false }).toJS(), raw.path);
      compared++;
    }
  }
  assert.ok(compared > 40, `compared ${compared}`);
});

Load('text that could hold anchors, tags or several documents takes the positioned path', () => {
  // A URL with & and ! is legal and must still parse to the same value.
  const r = parseManifest(rawFile('a.yaml', 'kind: Tenant\nurl: "https://x.example/?a=1&b=2!"\n'));
  assert.equal(r.source?.value, { kind: 'Tenant', url: 'https://x.example/?a=1&b=2!' });
});

Load.run();
