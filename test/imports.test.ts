// The direction of imports: compiler/ never imports deploy/ (nor the command line that
// joins them), and deploy/ reads the compiled output's contract (outputFormat.ts,
// stateful.ts) and the allow language the review shares with it (allow.ts), and
// nothing else of the compiler. Each of those three imports nothing itself, so deploy
// cannot reach a compiler stage through them.
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
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)|^import\s+'(\.[^']+)'/gm)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), (m[1] ?? m[2] ?? m[3])!)),
  );
}

I('compiler/ imports nothing of deploy/ or of the command line but its contract', () => {
  for (const f of sources('compiler')) {
    for (const target of importsOf(f)) {
      assert.not.ok(target.startsWith('deploy/'), `${f} imports ${target}`);
      assert.ok(!target.startsWith('cli/') || target === 'cli/command.ts', `${f} imports ${target}`);
    }
  }
});

I("deploy/ imports only the compiled output's contract from compiler/", () => {
  const allowed = new Set(['compiler/outputFormat.ts', 'compiler/stateful.ts', 'compiler/allow.ts', 'cli/command.ts']);
  for (const contract of ['compiler/outputFormat.ts', 'compiler/stateful.ts', 'compiler/allow.ts'])
    assert.equal(importsOf(contract), [], `${contract} is a leaf: deploy reaches nothing else of the compiler through it`);
  let seen = 0;
  for (const f of sources('deploy')) {
    for (const target of importsOf(f)) {
      if (target.startsWith('deploy/')) continue;
      seen++;
      assert.ok(allowed.has(target), `${f} imports ${target}`);
    }
  }
  assert.ok(seen > 0, "the check saw deploy's imports");
});

// The pipeline's stages, in order: a stage imports only itself and earlier stages.
const STAGES = ['load', 'validate', 'plan', 'emit', 'write'];

I('compiler stages import one way: load → validate → plan → emit → write', () => {
  let seen = 0;
  for (const stage of STAGES) {
    for (const f of sources(`compiler/${stage}`)) {
      for (const target of importsOf(f)) {
        const m = /^compiler\/([^/]+)\//.exec(target);
        if (!m || !STAGES.includes(m[1]!)) continue;
        seen++;
        assert.ok(STAGES.indexOf(m[1]!) <= STAGES.indexOf(stage), `${f} (stage ${stage}) imports ${target} of a later stage`);
      }
    }
  }
  assert.ok(seen > 50, `the check saw the stages' imports (${seen})`);
});

/** The first import cycle of `graph` (module → the modules it imports), as a path that ends where it starts; null when there is none. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | null => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') return [...stack.slice(stack.indexOf(t)), t];
      if (!state.has(t)) {
        const cycle = visit(t);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(f, 'done');
    return null;
  };
  for (const f of graph.keys()) {
    if (state.has(f)) continue;
    const cycle = visit(f);
    if (cycle) return cycle;
  }
  return null;
}

I('the cycle finder finds a cycle, however deep, and only a cycle (the check can fail)', () => {
  assert.equal(
    findCycle(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
      ]),
    ),
    ['a', 'b', 'c', 'a'],
  );
  assert.equal(
    findCycle(
      new Map([
        ['x', ['a']],
        ['a', ['b']],
        ['b', ['a']],
      ]),
    ),
    ['a', 'b', 'a'],
  );
  assert.equal(findCycle(new Map([['a', ['a']]])), ['a', 'a']);
  // A diamond shares a module without a cycle.
  assert.is(
    findCycle(
      new Map([
        ['a', ['b', 'c']],
        ['b', ['d']],
        ['c', ['d']],
        ['d', []],
      ]),
    ),
    null,
  );
});

I('no module of compiler/, deploy/ or cli/ takes part in an import cycle', () => {
  const files = [...sources('compiler'), ...sources('deploy'), ...sources('cli')];
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => known.has(t))]));
  // The graph the check walks is the real one: every relative import of these modules
  // resolves to one of them (or to a shared runtime or schema file), and there are many.
  const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
  assert.ok(edges > 300, `the check saw the modules' imports (${edges} edges)`);
  for (const f of files)
    for (const t of importsOf(f))
      assert.ok(
        known.has(t) || !t.endsWith('.ts') || /^(runtime|schema|templates)\//.test(t),
        `${f} imports ${t}, which is not a module of compiler/, deploy/ or cli/`,
      );
  const cycle = findCycle(graph);
  assert.is(cycle, null, `import cycle: ${cycle?.join(' → ')}`);
});

I.run();
