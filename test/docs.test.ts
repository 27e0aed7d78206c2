// README.md is the user's entry and docs/ the reference: every relative link and #anchor
// between them resolves (a section moved or renamed without its links fails here), README
// stays short enough to read first, names every document of docs/, keeps no dated
// benchmark figures, and its test command is the one CI runs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const D = suite('README and docs/');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
/** README's budget (issue 23): what a user needs first, the rest in docs/. */
const README_MAX_LINES = 400;

const docFiles = () =>
  readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(DOCS, f));

/** The lines of a markdown text outside fenced code blocks, with their numbers. */
function prose(text: string): { line: string; n: number }[] {
  const out: { line: string; n: number }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      const run = m[1] ?? '';
      if (fence === null) fence = run;
      else if (run[0] === fence[0] && run.length >= fence.length && line.trim() === run) fence = null;
      return;
    }
    if (fence === null) out.push({ line, n: i + 1 });
  });
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2... */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { line } of prose(text)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = (h[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count ? `${base}-${count}` : base);
  }
  return anchors;
}

/** Every relative link of `file` (outside code) that does not resolve, as `file:line: target (why)`. */
function brokenLinks(file: string, text: string, read: (path: string) => string | null): string[] {
  const broken: string[] = [];
  for (const { line, n } of prose(text)) {
    const bare = line.replace(/(`+)[^`]*?\1/g, ''); // links inside inline code are text
    for (const m of bare.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const hash = target.indexOf('#');
      const path = hash < 0 ? target : target.slice(0, hash);
      const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
      const at = `${relative(ROOT, file)}:${n}: ${target}`;
      const resolved = path === '' ? file : join(dirname(file), path);
      const content = path === '' ? text : read(resolved);
      if (content === null) {
        broken.push(`${at} (no such file)`);
        continue;
      }
      if (anchor !== null && !(resolved.endsWith('.md') && anchorsOf(content).has(anchor))) broken.push(`${at} (no heading with that anchor)`);
    }
  }
  return broken;
}

const readIfFile = (path: string): string | null => (existsSync(path) ? (statSync(path).isDirectory() ? '' : readFileSync(path, 'utf8')) : null);

D('every relative link and #anchor of README.md and docs/*.md resolves', () => {
  const broken = [README, ...docFiles()].flatMap((f) => brokenLinks(f, readFileSync(f, 'utf8'), readIfFile));
  assert.equal(broken, []);
});

D('the link check can fail: a missing file, a missing anchor, a moved section', () => {
  const files: Record<string, string> = {
    [join(DOCS, 'a.md')]: '# A\n\n## Deploy step by step\n\n## Deploy step by step\n',
  };
  const read = (p: string) => files[p] ?? null;
  const text = [
    '# Doc',
    '## The `diff`: risks',
    '[ok](#the-diff-risks) [ok](docs/a.md#deploy-step-by-step-1) [ok](docs/a.md) [web](https://example.com/#x)',
    '[gone](docs/b.md) [moved](#deploy) [renamed](docs/a.md#deploy)',
    '`[code](docs/none.md)`',
    '```',
    '[fenced](docs/none.md)',
    '```',
  ].join('\n');
  assert.equal(brokenLinks(join(ROOT, 'README.md'), text, read), [
    'README.md:4: docs/b.md (no such file)',
    'README.md:4: #deploy (no heading with that anchor)',
    'README.md:4: docs/a.md#deploy (no heading with that anchor)',
  ]);
});

D(`README.md is the user's entry: at most ${README_MAX_LINES} lines`, () => {
  const lines = readFileSync(README, 'utf8').trimEnd().split('\n').length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines: move reference or design to docs/`);
});

D("README.md names every document of docs/ (other helpers' notes-*.md excepted: they are merged into docs first)", () => {
  const readme = readFileSync(README, 'utf8');
  const unnamed = docFiles()
    .map((f) => relative(ROOT, f))
    .filter((f) => !/^docs\/notes-/.test(f) && !readme.includes(`](${f})`) && !readme.includes(`](${f}#`));
  assert.equal(unnamed, []);
});

D('README.md keeps no dated benchmark figures (their history is docs/benchmark.md)', () => {
  const dated = prose(readFileSync(README, 'utf8')).filter(({ line }) => /^\|\s*20\d\d-\d\d-\d\d\s*\|/.test(line));
  assert.equal(dated, []);
});

D("README's two commands: the first installs and compiles, the second is the test command CI runs", () => {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('\n## Two commands\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const commands = block
    .trim()
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim());
  assert.equal(commands, ['npm ci && npx tenantc compile', 'npm test']);
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
  assert.ok(
    ci.split('\n').some((l) => l.trim().startsWith(`${commands[1]} `) || l.trim() === commands[1]),
    ".ci/run runs README's test command",
  );
});

D.run();
