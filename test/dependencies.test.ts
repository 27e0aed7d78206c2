// package.json tells the truth. Runtime dependencies are exactly what the shipped code
// imports at run time (the bundle's external imports, which scripts/build.ts records
// from esbuild's metafile); everything else the repository imports is a dev
// dependency; nothing is declared that nothing uses, nothing is used undeclared.
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtDir, ROOT } from './helpers.ts';

const D = suite('dependencies');

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const runtime = Object.keys(pkg.dependencies).sort();
const dev = Object.keys(pkg.devDependencies).sort();
const peer = Object.keys(pkg.peerDependencies ?? {}).sort();

const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2) : spec.split('/').slice(0, 1)).join('/');

/** Packages imported (statically, dynamically, by type or by require) by the files under `dirs`. */
function importedBy(dirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    for (const f of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
      if (!/\.(ts|mts|mjs|cjs|js)$/.test(f) || f.includes('node_modules') || f.startsWith('fixtures')) continue;
      const text = readFileSync(join(ROOT, dir, f), 'utf8');
      for (const m of text.matchAll(
        /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*'([^'.][^']*)'|\bimport\(\s*'([^'.][^']*)'\s*\)|\brequire\(\s*'([^'.][^']*)'\s*\)|(?:^|\n)import\s+'([^'.][^']*)'/g,
      )) {
        const spec = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
        if (isBuiltin(spec)) continue;
        found.set(packageOf(spec), `${dir}/${f}`);
      }
    }
  }
  return found;
}

D("runtime dependencies are exactly what the built CLI and runtime import at run time, but the runtime's optional peers", () => {
  const meta = JSON.parse(readFileSync(join(builtDir(), 'dist', 'build-meta.json'), 'utf8')) as { imports: string[]; runtimeImports: string[] };
  const shipped = [...new Set([...meta.imports, ...meta.runtimeImports.filter((i) => !peer.includes(i))])].sort();
  assert.equal(shipped, runtime, 'package.json dependencies vs the external imports of dist/');
  for (const p of peer) assert.not.ok(meta.imports.includes(p), `the CLI imports ${p}, an optional peer of the runtime`);
  for (const d of dev)
    assert.ok(!meta.imports.includes(d) && (!meta.runtimeImports.includes(d) || peer.includes(d)), `dev dependency ${d} is imported by the shipped code`);
});

D('every import of the repository is declared, and every declared package is used', () => {
  const used = importedBy(['bin', 'cli', 'compiler', 'deploy', 'runtime', 'scripts', 'test', 'bench', 'examples']);
  const declared = new Set([...runtime, ...dev, ...peer]);
  for (const [name, where] of used) assert.ok(declared.has(name), `${where} imports ${name}, which package.json does not declare`);
  // Tools run by npm scripts rather than imported; type packages name the package they type.
  const scripts = Object.values(pkg.scripts).join(' ');
  const usedAsTool = (name: string) => new RegExp(`(^|[\\s&;])(npx\\s+)?${{ typescript: 'tsc', '@biomejs/biome': 'biome' }[name] ?? name}\\b`).test(scripts);
  const typed = (name: string) => name.startsWith('@types/') && (name === '@types/node' || used.has(name.slice('@types/'.length)));
  for (const name of declared) assert.ok(used.has(name) || usedAsTool(name) || typed(name), `${name} is declared but nothing imports or runs it`);
});

D("the optional peer dependencies are the runtime's, and the runtime imports nothing else but its dependencies", () => {
  const helper = [...importedBy(['runtime']).keys()].sort();
  for (const p of peer) assert.ok(helper.includes(p), `peer ${p} is not imported by runtime/`);
  for (const i of helper) assert.ok(peer.includes(i) || runtime.includes(i), `runtime/ imports ${i}, neither a dependency nor a peer`);
  const meta = (pkg as { peerDependenciesMeta?: Record<string, { optional?: boolean }> }).peerDependenciesMeta ?? {};
  for (const p of peer) assert.ok(meta[p]?.optional, `peer ${p} is optional: an application that uses only some pieces installs only theirs`);
});

D('the bundle an application imports (tenantc/runtime → dist/runtime.mjs) exports what runtime/index.ts exports', async () => {
  const sources = Object.keys(await import('../runtime/index.ts')).sort();
  const bundle = Object.keys(await import(join(builtDir(), 'dist', 'runtime.mjs'))).sort();
  assert.equal(bundle, sources);
  for (const name of ['hostResolver', 'tokenVerifier', 'credentialBroker', 'cacheConnector', 'withTenant', 'tenantRuntime'])
    assert.ok(bundle.includes(name), name);
});

D.run();
