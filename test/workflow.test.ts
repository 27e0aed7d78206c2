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

/** git in `dir`, as a test author; fails the test on an error, returns stdout. */
const gitIn =
  (dir: string) =>
  (...args: string[]): string => {
    const r = spawnSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
    });
    assert.is(r.status, 0, r.stderr);
    return r.stdout;
  };

/** The estate paths the review runs for. */
const ESTATE = ['tenants', 'schema', 'compiler', 'templates', 'deploy', 'cli', 'bin', 'scripts', 'package.json', 'package-lock.json'];

W('every path whose push to main deploys is a path the review runs for: no merge deploys without its own review', () => {
  // Without it, a pull request touching only deploy/ merged unreviewed and its deploy took
  // whatever allow record its earlier commits had posted for its head.
  const pushes = workflow.on.push!.paths!.map((p) => p.replace(/\/\*\*$/, ''));
  assert.equal([...pushes].sort(), [...ESTATE].sort());
});

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
  assert.match(runs, '--fail-on replacement,removal,broadening,stateful,data-loss,weakening,interruption,restore,handover');
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
    const git = gitIn(dir);
    const write = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    git('init', '-q', '-b', 'main');
    for (const p of [
      'tenants/acme.yaml',
      'compiler/cli.ts',
      'deploy/deploy.ts',
      'test/a.test.ts',
      'package.json',
      'templates/a.hbs',
      'schema/a.json',
      'cli/main.ts',
      'docs/a.md',
    ])
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
    for (const p of ['test/a.test.ts', 'docs/a.md']) assert.is(estate([p]), 'estate=false', `${p} alone: tests only`);
    for (const p of [
      'tenants/acme.yaml',
      'schema/a.json',
      'compiler/cli.ts',
      'templates/a.hbs',
      'tenants/new.yaml',
      'deploy/deploy.ts',
      'cli/main.ts',
      'package.json',
    ])
      assert.is(estate([p, 'test/a.test.ts']), 'estate=true', `${p}: the review runs`);
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
  // The deploy command as bash runs it, with npx replaced by a recorder of its arguments:
  // CloudFormation's service role is passed when the repository names one.
  const step = deploy.steps.find((s) => (s.run ?? '').includes('npx tenantc deploy'))!;
  assert.is(step.env?.CLOUDFORMATION_ROLE, '${{ vars.TENANTC_CLOUDFORMATION_ROLE_ARN }}');
  inTempDir((dir) => {
    writeFileSync(join(dir, 'npx'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
    const argv = (role: string) => {
      const env = {
        ...process.env,
        PATH: `${dir}:${process.env.PATH}`,
        STACK: 'tessera',
        ASSETS_BUCKET: 'b',
        RUNNER_TEMP: '/tmp/r',
        CLOUDFORMATION_ROLE: role,
      };
      const r = spawnSync('bash', ['-e', '-c', step.run!], { encoding: 'utf8', env });
      assert.is(r.status, 0, r.stderr);
      return r.stdout.trim().split('\n');
    };
    const role = 'arn:aws:iam::111122223333:role/tenantc-cloudformation';
    assert.equal(argv(role).slice(-2), ['--role-arn', role]);
    assert.not.ok(argv('').includes('--role-arn'), 'none named: no --role-arn');
    assert.equal(argv('').slice(0, 4), ['tenantc', 'deploy', '--out', 'out']);
  });
});

/** A github-script step's script, run as actions/github-script runs it, against fakes of its `github`, `context` and `core`. */
async function runScript(step: Step, env: Record<string, string>, fakes: { github: unknown; context: unknown }) {
  const core = {
    failed: [] as string[],
    warnings: [] as string[],
    setFailed: (m: string) => core.failed.push(m),
    warning: (m: string) => core.warnings.push(m),
    info: () => {},
  };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
  const fn = new AsyncFunction('github', 'context', 'core', 'require', 'process', String(step.with?.script));
  const { createRequire } = await import('node:module');
  await fn(fakes.github, fakes.context, core, createRequire(import.meta.url), { env: { ...process.env, ...env } });
  return core;
}

const BOT = { login: 'github-actions[bot]', type: 'Bot' };
/** The record's format, one module the review and deploy scripts both require. */
const ALLOW_RECORD = join(ROOT, '.github', 'scripts', 'allowRecord.cjs');
const HEAD = 'a'.repeat(40);
const MERGE = 'b'.repeat(40);

W("deploy's allows are the review bot's comment for the merged head commit: never the description now, another head's, or anyone else's", async () => {
  const deploy = workflow.jobs.deploy!;
  const fetch = deploy.steps.findIndex((s) => String(s.with?.script ?? '').includes('listPullRequestsAssociatedWithCommit'));
  const run = deploy.steps.findIndex((s) => (s.run ?? '').includes('npx tenantc deploy'));
  assert.ok(fetch >= 0 && fetch < run, 'the lines are fetched before deploy runs');
  assert.is(deploy.steps[fetch]!.env?.SHA, '${{ github.sha }}');
  assert.match(deploy.steps[run]!.run!, '--allow-file "$RUNNER_TEMP/tenantc-allow.txt"');
  assert.match(deploy.steps[run]!.run!, '--yes');
  const marker = (sha: string) => `<!-- tenantc-allows head=${sha} -->`;
  const good = 'tenantc-allow: removal tenant:globex: contract ended, export delivered (OPS-12)';
  const evil = 'tenantc-allow: removal tenant:acme: added to the description after the approval';
  const allowsFor = async (pulls: unknown[], comments: unknown[]) =>
    inTempDir(async (dir) => {
      const file = join(dir, 'allow.txt');
      const core = await runScript(
        deploy.steps[fetch]!,
        { SHA: MERGE, ALLOW_FILE: file, GITHUB_WORKSPACE: dir, ALLOW_RECORD },
        {
          context: { repo: { owner: 'o', repo: 'r' } },
          github: {
            rest: {
              actions: { listWorkflowRuns: async () => ({ data: { workflow_runs: [] } }) },
              repos: { listPullRequestsAssociatedWithCommit: async () => ({ data: pulls }) },
              issues: { listComments: 'listComments' },
            },
            paginate: async () => comments,
          },
        },
      );
      return { text: readFileSync(file, 'utf8'), core };
    });
  const pr = { number: 7, merged_at: '2026-12-01T00:00:00Z', merge_commit_sha: MERGE, head: { sha: HEAD }, body: evil };
  const record = { user: BOT, body: `${marker(HEAD)}\nAllows accepted by the review\n\n\`\`\`\n${good}\n\`\`\`` };
  assert.is((await allowsFor([pr], [record])).text, `${good}\n`, "the bot's record for the merged head, not the description");
  const impostor = { user: { login: 'mallory', type: 'User' }, body: `${marker(HEAD)}\n${evil}` };
  assert.is((await allowsFor([pr], [impostor, record])).text, `${good}\n`, "a human's comment with the marker is not the record");
  const otherApp = { user: { login: 'some-app[bot]', type: 'Bot' }, body: `${marker(HEAD)}\n${evil}` };
  assert.is((await allowsFor([pr], [otherApp, record])).text, `${good}\n`, "another app's bot is not the workflow's");
  const earlierHead = { user: BOT, body: `${marker('c'.repeat(40))}\n${evil}` };
  assert.is((await allowsFor([pr], [earlierHead])).text, '', "another head commit's allows are not this one's");
  assert.is((await allowsFor([{ ...pr, merge_commit_sha: 'd'.repeat(40) }], [record])).text, '', 'a pull request not merged as this commit');
  assert.is((await allowsFor([{ ...pr, merged_at: null }], [record])).text, '', 'an open pull request containing the commit');
  const none = await allowsFor([pr], []);
  assert.is(none.text, '');
  assert.match(none.core.warnings.join(), 'deploying without allows');
  // A record planted beside the review's (by a run of an earlier commit of the pull
  // request) is not chosen between: the deploy fails with no allows.
  const planted = { user: BOT, body: `${marker(HEAD)}\nAllows accepted by the review\n\n\`\`\`\n${evil}\n\`\`\`` };
  for (const order of [
    [planted, record],
    [record, planted],
  ]) {
    const two = await allowsFor([pr], order);
    assert.is(two.text, '');
    assert.match(two.core.failed.join(), '2 allow records for its head');
  }
});

W("a deploy run deploys every merge since the last push a deploy run finished, each with its own review's allows", async () => {
  const deploy = workflow.jobs.deploy!;
  const step = deploy.steps.find((s) => String(s.with?.script ?? '').includes('listPullRequestsAssociatedWithCommit'))!;
  assert.is(deploy.permissions?.actions, 'read', 'it reads the workflow runs');
  assert.is(deploy.steps.find((s) => s.uses?.startsWith('actions/checkout'))!.with?.['fetch-depth'], 0, 'and the history since');
  await inTempDir(async (dir) => {
    const git = (...args: string[]) => gitIn(dir)(...args).trim();
    git('init', '-q', '-b', 'main');
    const commit = (name: string) => {
      writeFileSync(join(dir, name), `${name}\n`);
      git('add', '-A');
      git('commit', '-qm', name);
      return git('rev-parse', 'HEAD');
    };
    const deployed = commit('deployed');
    const second = commit('second'); // its run waited, and was replaced by the third's
    const direct = commit('direct'); // a direct push: no pull request
    const third = commit('third');
    git('checkout', '-q', '-b', 'rewritten', deployed + '~0');
    const elsewhere = commit('elsewhere');
    const line = (pr: number) => `tenantc-allow: removal tenant:t${pr}: reviewed in #${pr}`;
    const headOf = (pr: number) => String(pr).repeat(40).slice(0, 40);
    const prs = new Map([
      [second, { number: 2, merged_at: '2026-12-01T00:00:00Z', merge_commit_sha: second, head: { sha: headOf(2) } }],
      [third, { number: 3, merged_at: '2026-12-01T00:00:00Z', merge_commit_sha: third, head: { sha: headOf(3) } }],
    ]);
    const recordOf = (pr: number) => ({ user: BOT, body: `<!-- tenantc-allows head=${headOf(pr)} -->\nAllows\n\n\`\`\`\n${line(pr)}\n\`\`\`` });
    type Run = { head_sha: string; conclusion: string };
    const run = async (sha: string, lastDeployed: string | null | readonly Run[]) => {
      const runs = lastDeployed === null ? [] : typeof lastDeployed === 'string' ? [{ head_sha: lastDeployed, conclusion: 'success' }] : lastDeployed;
      const file = join(dir, 'allow.txt');
      const core = await runScript(
        step,
        { SHA: sha, ALLOW_FILE: file, GITHUB_WORKSPACE: dir, ALLOW_RECORD },
        {
          context: { repo: { owner: 'o', repo: 'r' } },
          github: {
            rest: {
              actions: {
                listWorkflowRuns: async (q: { status: string; branch: string; event: string }) => {
                  assert.equal([q.status, q.branch, q.event], ['completed', 'main', 'push'], 'the runs of main that ended');
                  return { data: { workflow_runs: runs } };
                },
              },
              repos: {
                listPullRequestsAssociatedWithCommit: async (q: { commit_sha: string }) => ({ data: prs.has(q.commit_sha) ? [prs.get(q.commit_sha)] : [] }),
              },
              issues: { listComments: 'listComments' },
            },
            paginate: async (_: unknown, q: { issue_number: number }) => [recordOf(q.issue_number)],
          },
        },
      );
      return { text: readFileSync(file, 'utf8'), core };
    };
    assert.is((await run(third, deployed)).text, `${line(3)}\n${line(2)}\n`, "the replaced run's merge is deployed with its own allows");
    assert.is((await run(third, second)).text, `${line(3)}\n`, 'a merge already deployed brings nothing');
    assert.is((await run(third, null)).text, `${line(3)}\n`, 'no deploy finished yet: this merge alone');
    // The runs newest first, as the API lists them: a cancelled one (replaced while it
    // waited) ends nothing; one that ran and failed ends the range (its allows may be
    // spent: carried on, every later run would refuse them as stale).
    const cancelled = { head_sha: second, conclusion: 'cancelled' };
    assert.is((await run(third, [cancelled, { head_sha: deployed, conclusion: 'success' }])).text, `${line(3)}\n${line(2)}\n`, 'a cancelled run ends nothing');
    for (const conclusion of ['failure', 'timed_out'])
      assert.is(
        (
          await run(third, [
            { head_sha: second, conclusion },
            { head_sha: deployed, conclusion: 'success' },
          ])
        ).text,
        `${line(3)}\n`,
        `a run that ran (${conclusion}) ends the range`,
      );
    const rewritten = await run(third, elsewhere);
    assert.is(rewritten.text, `${line(3)}\n`);
    assert.match(rewritten.core.warnings.join(), 'is not an ancestor');
  });
});

W(
  'the review posts the allows it accepted once per head commit; an edit adding an allow after that fails the review; a failed review comments why',
  async () => {
    const review = workflow.jobs.review!;
    const diff = review.steps.find((s) => s.id === 'diff')!;
    assert.match(diff.run!, '--allow-file "$RUNNER_TEMP/tenantc-pr-body.md"', 'diff reads the same file deploy would, strictly');
    const post = review.steps.find((s) => String(s.with?.script ?? '').includes('recordBody('))!;
    assert.is(post.if, "steps.diff.outputs.status == '0'", 'only a review that passed records allows');
    assert.is(post.env?.HEAD_SHA, '${{ github.event.pull_request.head.sha }}');
    const good = 'tenantc-allow: removal tenant:globex: contract ended, export delivered (OPS-12)';
    const review1 = async (body: string, existing: { user: unknown; body: string }[]) =>
      inTempDir(async (dir) => {
        writeFileSync(join(dir, 'body.md'), body);
        const created: string[] = [];
        const core = await runScript(
          post,
          { BODY_FILE: join(dir, 'body.md'), HEAD_SHA: HEAD, ALLOW_RECORD },
          {
            context: { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 } },
            github: {
              rest: { issues: { listComments: 'listComments', createComment: async (c: { body: string }) => created.push(c.body) } },
              paginate: async () => existing,
            },
          },
        );
        return { created, core };
      });
    const first = await review1(`Offboard globex.\n\n${good}\n`, []);
    assert.is(first.created.length, 1);
    assert.ok(first.created[0]!.startsWith(`<!-- tenantc-allows head=${HEAD} -->\n`));
    assert.match(first.created[0]!, `\n${good}\n`);
    const again = await review1(`Offboard globex.\n\n${good}\n`, [{ user: BOT, body: first.created[0]! }]);
    assert.equal([again.created, again.core.failed], [[], []], 'the same allows re-reviewed: nothing new');
    const edited = await review1(`${good}\ntenantc-allow: removal tenant:acme: added after the approval of this commit\n`, [
      { user: BOT, body: first.created[0]! },
    ]);
    assert.equal(edited.created, [], 'the record of this commit is never rewritten');
    assert.match(edited.core.failed.join(), 'the tenantc-allow lines changed after the review of');
    // A record for this head posted before its review (by a run of an earlier commit of the
    // pull request) and saying more than the description: the review fails on it.
    const evil = 'tenantc-allow: removal tenant:acme: planted by an earlier commit';
    const planted = { user: BOT, body: first.created[0]!.replace(good, `${good}\n${evil}`) };
    const plantedFirst = await review1(`Offboard globex.\n\n${good}\n`, [planted]);
    assert.equal(plantedFirst.created, []);
    assert.match(plantedFirst.core.failed.join(), 'not posted by this commit');
    const two = await review1(`Offboard globex.\n\n${good}\n`, [{ user: BOT, body: first.created[0]! }, planted]);
    assert.equal(two.created, []);
    assert.match(two.core.failed.join(), '2 allow records for');
    const why = review.steps.find((s) => s.name === 'Comment why the review failed')!;
    assert.is(why.if, 'failure()');
    for (const id of ['validate', 'compile', 'check']) assert.match(String(why.env?.OUTCOMES), `steps.${id}.outcome`, id);
    const said = async (outcomes: string) => {
      const created: string[] = [];
      await runScript(
        why,
        { OUTCOMES: outcomes, RUN_URL: 'https://example.test/run/1' },
        {
          context: { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 }, payload: { pull_request: { head: { sha: HEAD } } } },
          github: { rest: { issues: { createComment: async (c: { body: string }) => created.push(c.body) } } },
        },
      );
      return created.join('');
    };
    assert.match(await said('validate=success compile=failure check=skipped diff='), '`tenantc compile --locked` failed');
    assert.match(await said('validate=success compile=success check=success diff=1'), 'the --fail-on gate');
    assert.match(await said('validate=success compile=success check=success diff=2'), 'a tenantc-allow line of the description does not parse');
  },
);

W.run();
