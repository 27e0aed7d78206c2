// The floor compile is measured against (issue 23): a Node process that holds the same
// output objects a compile writes, serializes them with JSON.stringify in the same
// form (compact or indented) and writes them, with nothing else: no manifest read, no
// validation, no plan, no review. Whatever tenantc does beyond this is its own cost.
//
//   node bench/floor.mjs snapshot SNAPSHOT OUT_DIR   make SNAPSHOT from a compiled OUT_DIR
//   node bench/floor.mjs write SNAPSHOT DIR          the floor: read SNAPSHOT, write DIR
//
// The snapshot is one JSON file of [path, form, value] entries (form "compact",
// "indented" or "text"): JSON.parse of one file is the cheapest way for a process to
// come to hold the objects, so the floor's start-up is as small as a process's can be.
// bench.ts runs `write` interleaved with the compiles it compares, whole process.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

const [mode, snapshot, dir] = process.argv.slice(2);

if (mode === 'snapshot') {
  const entries = [];
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name.startsWith('.')) continue;
    const path = join(e.parentPath, e.name);
    const text = readFileSync(path, 'utf8');
    const rel = relative(dir, path);
    if (!rel.endsWith('.json')) entries.push([rel, 'text', text]);
    else entries.push([rel, text.startsWith('{\n') || text.startsWith('[\n') ? 'indented' : 'compact', JSON.parse(text)]);
  }
  writeFileSync(snapshot, JSON.stringify(entries));
} else if (mode === 'write') {
  const entries = JSON.parse(readFileSync(snapshot, 'utf8'));
  mkdirSync(dir, { recursive: true });
  for (const d of new Set(entries.map(([path]) => dirname(path)))) mkdirSync(join(dir, d), { recursive: true });
  // As compile writes: JSON.stringify on this thread, up to 32 writes in flight in
  // libuv's pool (measured faster here than one synchronous write after another).
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const [path, form, value] = entries[next++];
      const content = form === 'text' ? value : form === 'compact' ? `${JSON.stringify(value)}\n` : `${JSON.stringify(value, null, 2)}\n`;
      await writeFile(join(dir, path), content);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
} else {
  process.stderr.write('usage: node bench/floor.mjs snapshot SNAPSHOT OUT_DIR | write SNAPSHOT DIR\n');
  process.exitCode = 2;
}
