// The direction of imports: compiler/ never imports deploy/ (nor the command line that
// joins them), and deploy/ reads the compiled output's contract (outputFormat.ts,
// stateful.ts) and nothing else of the compiler.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers.ts';

const I = suite('import direction');

function sources(dir: string): string[] {
  return (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** Every relative import of a module, as a path from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => relative(ROOT, resolve(ROOT, dirname(file), (m[1] ?? m[2])!)));
}

I('compiler/ imports nothing of deploy/ or of the command line but its contract', () => {
  for (const f of sources('compiler')) {
    for (const target of importsOf(f)) {
      assert.not.ok(target.startsWith('deploy/'), `${f} imports ${target}`);
      assert.ok(!target.startsWith('cli/') || target === 'cli/command.ts', `${f} imports ${target}`);
    }
  }
});

I('deploy/ imports only the compiled output\'s contract from compiler/', () => {
  const allowed = new Set(['compiler/outputFormat.ts', 'compiler/stateful.ts', 'cli/command.ts']);
  let seen = 0;
  for (const f of sources('deploy')) {
    for (const target of importsOf(f)) {
      if (target.startsWith('deploy/')) continue;
      seen++;
      assert.ok(allowed.has(target), `${f} imports ${target}`);
    }
  }
  assert.ok(seen > 0, 'the check saw deploy\'s imports');
});

I.run();
