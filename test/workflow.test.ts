// .github/workflows/tenants.yml: valid for GitHub (schema and job graph, by
// @action-validator/core), and doing what the pull-request flow promises: the tests on
// every pull request with every service required, the review where the estate or the
// compiler changes, the deploy on main.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow, type ValidationState } from '@action-validator/core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { REVIEW_KINDS } from '../compiler/allow.ts';
import { inTempDir, ROOT } from './helpers.ts';

const W = suite('workflow');
const PATH = join(ROOT, '.github', 'workflows', 'tenants.yml');
const TEXT = readFileSync(PATH, 'utf8');

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly services?: Record<string, { image: string; ports?: string[] }>;
  readonly outputs?: Record<string, string>;
  readonly steps: readonly Step[];
}
type Trigger = { paths?: string[]; 'paths-ignore'?: string[]; branches?: string[]; types?: string[] };
const workflow = parse(TEXT) as { on: Record<string, Trigger>; jobs: Record<string, Job> };
/** The steps' commands (or actions), in order, one per line. */
const commands = (job: Job) => job.steps.map((s) => s.run ?? s.uses ?? '').join('\n');
function assertInOrder(text: string, order: readonly string[]): void {
  let at = -1;
  for (const step of order) {
    const i = text.indexOf(step, at + 1);
    assert.ok(i > at, `"${step}" runs, after the steps before it`);
    at = i;
  }
}

/** The validator warns on stderr that it does not check path globs; that warning is expected. */
function validate(text: string): ValidationState {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return validateWorkflow(text);
  } finally {
    console.warn = warn;
  }
}

W('the workflow validates', () => {
  assert.equal(validate(TEXT).errors, []);
});

W('the validator rejects a broken workflow (the check can fail)', () => {
  const broken = TEXT.replace(/runs-on: ubuntu-24.04/, 'runs_on: ubuntu-24.04');
  assert.ok(validate(broken).errors.length > 0);
});

W('every pull request runs npm test, whatever it touches, with PostgreSQL, Redis, cfn-lint and moto, each required', () => {
  const pr = workflow.on.pull_request!;
  assert.is(pr.paths, undefined, 'no paths filter on pull requests: it would skip the tests of a change to deploy/, cli/, test/ or package.json');
  assert.is(pr['paths-ignore'], undefined);
  const test = workflow.jobs.test!;
  assert.is(test.needs, undefined, 'the tests wait for nothing');
  assert.match(String(test.if), "github.event_name == 'pull_request'");
  assert.not.match(String(test.if), /changes|paths/, 'and depend on no paths filter');
  assertInOrder(commands(test), ['actions/checkout', 'actions/setup-node', 'actions/setup-python', 'pip install', 'npm ci', 'npm test']);
  const pip = test.steps.find((s) => s.run?.startsWith('pip install'))!.run!;
  assert.match(pip, 'cfn-lint');
  assert.match(pip, "'moto[server]'");
  const run = test.steps.find((s) => s.run === 'npm test')!;
  for (const required of ['TENANTC_REQUIRE_POSTGRES', 'TENANTC_REQUIRE_CFN_LINT', 'TENANTC_REQUIRE_MOTO'])
    assert.is(run.env?.[required], '1', `${required}: a missing service fails the run instead of skipping its tests`);
  assert.equal(
    Object.values(test.services ?? {}).map((s) => [s.image.split(':')[0], s.ports]),
    [
      ['postgres', ['5432:5432']],
      ['redis', ['6379:6379']],
    ],
  );
  assert.not.match(TEXT, 'TENANTC_SKIP_MOTO', 'nothing is skipped on purpose in CI');
});

/** The estate paths the review runs for. */
const ESTATE = ['tenants', 'schema', 'compiler', 'templates'];

W('the review keeps its paths filter: it runs when the pull request touches the estate or the compiler, and gates in order', () => {
  const review = workflow.jobs.review!;
  assert.is(review.needs, 'changes');
  assert.match(String(review.if), "needs.changes.outputs.estate == 'true'");
  assert.match(workflow.jobs.changes!.steps.find((s) => s.id === 'paths')!.run!, `-- ${ESTATE.join(' ')}`);
  assert.ok(workflow.on.pull_request!.types!.includes('edited'), 'a new override in the description re-runs the gate');
  assertInOrder(commands(review), [
    'npm ci',
    'npx tenantc validate --locked',
    'npx tenantc compile --locked',
    'npx tenantc check',
    'npx tenantc diff --base "origin/$BASE_REF" --format markdown',
    'actions/github-script',
  ]);
  const runs = commands(review);
  // Every kind the review reports, restore included: a kind left out passes unreviewed.
  assert.equal(/--fail-on (\S+)/.exec(runs)?.[1]?.split(','), [...REVIEW_KINDS]);
  assert.match(runs, '--fail-on replacement,removal,broadening,stateful,data-loss,weakening,interruption,restore');
  assert.match(runs, 'tenantc-allow:', 'overrides come from the pull request description');
  assert.is(review.permissions?.['pull-requests'], 'write');
  const post = review.steps.find((s) => s.uses?.startsWith('actions/github-script'))!;
  assert.match(String(post.with?.script), "'<!-- tenantc-diff -->'", 'finds its own comment by the marker');
  assert.match(String(post.with?.script), 'updateComment');
  assert.match(String(post.if), 'always()', 'the comment is posted even when the gate fails');
});

W("the paths filter itself: the changes step's script, run on pull requests in a real repository", () => {
  const script = workflow.jobs.changes!.steps.find((s) => s.id === 'paths')!.run!;
  inTempDir((dir) => {
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
      });
      assert.is(r.status, 0, r.stderr);
      return r.stdout;
    };
    const write = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    git('init', '-q', '-b', 'main');
    for (const p of ['tenants/acme.yaml', 'compiler/cli.ts', 'deploy/deploy.ts', 'test/a.test.ts', 'package.json', 'templates/a.hbs', 'schema/a.json'])
      write(p, 'x\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    /** The step's verdict for a pull request that changes `paths`. */
    const estate = (paths: readonly string[]): string => {
      git('checkout', '-q', '-B', 'pr', 'origin/main');
      for (const p of paths) write(p, 'changed\n');
      git('add', '-A');
      git('commit', '-qm', 'pr');
      const output = join(dir, '.git', 'github-output');
      writeFileSync(output, '');
      const r = spawnSync('bash', ['-e', '-c', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, BASE_REF: 'main', GITHUB_OUTPUT: output } });
      assert.is(r.status, 0, r.stderr);
      return readFileSync(output, 'utf8').trim();
    };
    for (const p of ['deploy/deploy.ts', 'test/a.test.ts', 'package.json']) assert.is(estate([p]), 'estate=false', `${p} alone: tests only`);
    for (const p of ['tenants/acme.yaml', 'schema/a.json', 'compiler/cli.ts', 'templates/a.hbs', 'tenants/new.yaml'])
      assert.is(estate([p, 'deploy/deploy.ts']), 'estate=true', `${p}: the review runs`);
  });
});

W('main deploys behind an environment with OIDC credentials and no long-lived keys', () => {
  assert.equal(workflow.on.push!.branches, ['main']);
  const deploy = workflow.jobs.deploy!;
  assert.is(deploy.environment, 'production');
  assert.is(deploy.permissions?.['id-token'], 'write');
  const steps = deploy.steps.map((s) => s.run ?? s.uses ?? '').join('\n');
  assert.match(steps, 'aws-actions/configure-aws-credentials');
  assert.match(steps, 'npx tenantc compile --locked');
  assert.match(steps, 'npx tenantc deploy --out out');
  assert.not.match(TEXT, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|secrets\./, 'no stored AWS keys');
});

W('the deploy allows what the merged pull request allowed: its tenantc-allow: lines reach deploy --allow-file', () => {
  const deploy = workflow.jobs.deploy!;
  assert.is(deploy.permissions?.['pull-requests'], 'read');
  const fetch = deploy.steps.findIndex((s) => (s.run ?? '').includes('commits/$SHA/pulls'));
  const run = deploy.steps.findIndex((s) => (s.run ?? '').includes('npx tenantc deploy'));
  assert.ok(fetch >= 0 && fetch < run, 'the lines are fetched before deploy runs');
  assert.match(deploy.steps[fetch]!.run!, '$RUNNER_TEMP/tenantc-allow.txt');
  assert.match(deploy.steps[fetch]!.run!, 'merged_at != null');
  assert.is(deploy.steps[fetch]!.env?.SHA, '${{ github.sha }}');
  assert.match(deploy.steps[run]!.run!, '--allow-file "$RUNNER_TEMP/tenantc-allow.txt"');
  assert.match(deploy.steps[run]!.run!, '--yes');
});

W.run();
