// .github/workflows/tenants.yml: valid for GitHub (schema and job graph, by
// @action-validator/core), and doing what the pull-request flow promises.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow, type ValidationState } from '@action-validator/core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { ROOT } from './helpers.ts';

const W = suite('workflow');
const PATH = join(ROOT, '.github', 'workflows', 'tenants.yml');
const TEXT = readFileSync(PATH, 'utf8');

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly if?: string;
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly steps: readonly Step[];
}
const workflow = parse(TEXT) as { on: Record<string, { paths?: string[]; branches?: string[]; types?: string[] }>; jobs: Record<string, Job> };

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

W('pull requests touching the estate or the compiler run every gate, then post the diff and apply --fail-on', () => {
  assert.equal(workflow.on.pull_request!.paths, ['tenants/**', 'schema/**', 'compiler/**', 'templates/**']);
  assert.ok(workflow.on.pull_request!.types!.includes('edited'), 'a new override in the description re-runs the gate');
  const review = workflow.jobs.review!;
  const runs = review.steps.map((s) => s.run ?? s.uses ?? '').join('\n');
  const order = [
    'npm ci',
    'npx tenantc validate --locked',
    'npx tenantc compile --locked',
    'npx tenantc check',
    'npm test',
    'npx tenantc diff --base "origin/$BASE_REF" --format markdown',
    'actions/github-script',
  ];
  let at = -1;
  for (const step of order) {
    const i = runs.indexOf(step, at + 1);
    assert.ok(i > at, `"${step}" runs, after the steps before it`);
    at = i;
  }
  assert.match(runs, '--fail-on replacement,removal,broadening,stateful,data-loss,weakening,interruption');
  assert.match(runs, 'tenantc-allow:', 'overrides come from the pull request description');
  assert.is(review.permissions?.['pull-requests'], 'write');
  const post = review.steps.find((s) => s.uses?.startsWith('actions/github-script'))!;
  assert.match(String(post.with?.script), "'<!-- tenantc-diff -->'", 'finds its own comment by the marker');
  assert.match(String(post.with?.script), 'updateComment');
  assert.match(String(post.if), 'always()', 'the comment is posted even when the gate fails');
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
