// The deploy identity's IAM policy in docs/deploy.md ("The deploy identity's
// permissions") against the AWS calls the operator's code makes: every `new XCommand(`
// in deploy/, compiler/ and cli/ whose X comes from an @aws-sdk/client-* module is an
// action of that policy, and every action of the policy is called by some code (or is
// iam:PassRole, which no SDK call names: CloudFormation checks it for --role-arn). A new
// call documented nowhere, or a permission left behind by a removed call, fails here.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const P = suite('deploy permissions');
const root = join(import.meta.dirname, '..');

/** The IAM prefix of an SDK client module, where it differs from the module's name. */
const IAM_PREFIX: Record<string, string> = {};
/** SDK operations authorized as another action (IAM's service authorization reference). */
const AUTHORIZED_AS: Record<string, string> = {
  's3:HeadObject': 's3:GetObject',
  's3:ListObjectsV2': 's3:ListBucket',
};
/** Actions no SDK call of ours names. */
const NOT_CALLED = new Set(['iam:PassRole']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every AWS action one source file's SDK calls need, with where each is called. */
function actionsCalled(text: string): string[] {
  const clientOf = new Map<string, string>();
  const imports = /(?:import\s*(?:type\s*)?\{([^}]*)\}\s*from|const\s*\{([^}]*)\}\s*=\s*await\s+import\()\s*'@aws-sdk\/client-([a-z0-9-]+)'/g;
  for (const m of text.matchAll(imports))
    for (const name of (m[1] ?? m[2] ?? '').split(',').map(
      (n) =>
        n
          .trim()
          .split(/\s+as\s+/)
          .pop()!,
    ))
      if (name.endsWith('Command')) clientOf.set(name, m[3]!);
  const actions: string[] = [];
  for (const m of text.matchAll(/new\s+([A-Z][A-Za-z0-9]*)Command\s*\(/g)) {
    const client = clientOf.get(`${m[1]}Command`);
    if (!client) continue;
    const action = `${IAM_PREFIX[client] ?? client}:${m[1]}`;
    actions.push(AUTHORIZED_AS[action] ?? action);
  }
  return actions;
}

/** The first json block of a section of docs/deploy.md. */
function documentedJson(heading: string): { Statement: Record<string, unknown>[] } {
  const doc = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  const start = doc.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `docs/deploy.md has its section "${heading}"`);
  const block = /```json\n([\s\S]*?)```/.exec(doc.slice(start));
  assert.ok(block, 'the section holds the policy as a json block');
  return JSON.parse(block![1]!);
}
const documentedPolicy = () => documentedJson("## The deploy identity's permissions") as unknown as { Statement: { Action: string | string[] }[] };

P('the parser finds calls, through aliases and dynamic imports, and maps them to IAM actions', () => {
  const text = `import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeStacksCommand as Describe } from '@aws-sdk/client-cloudformation';
const { GetProductsCommand } = await import('@aws-sdk/client-pricing');
s3.send(new HeadObjectCommand({})); cfn.send(new Describe({})); new GetProductsCommand({}); new LocalCommand();`;
  // An alias is not followed to its name (Describe is not "DescribeStacks"): the test
  // below fails on it rather than guess, so the codebase keeps SDK commands unaliased.
  assert.equal(actionsCalled(text), ['s3:GetObject', 'pricing:GetProducts']);
});

P("every AWS call of the operator's code is in the documented policy, and every documented action is called", () => {
  const called = new Map<string, string>();
  for (const dir of ['deploy', 'compiler', 'cli'])
    for (const file of sources(join(root, dir))) {
      const text = readFileSync(file, 'utf8');
      assert.not.match(
        text,
        /import\s*\{[^}]*Command\s+as\s+[^}]*\}\s*from\s*'@aws-sdk/,
        `${relative(root, file)}: an SDK command imported under another name`,
      );
      for (const action of actionsCalled(text)) if (!called.has(action)) called.set(action, relative(root, file));
    }
  const documented = new Set(documentedPolicy().Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
  const undocumented = [...called].filter(([a]) => !documented.has(a)).map(([a, file]) => `${a} (${file})`);
  assert.equal(undocumented, [], "called, not in docs/deploy.md's policy");
  const uncalled = [...documented].filter((a) => !called.has(a) && !NOT_CALLED.has(a));
  assert.equal(uncalled, [], 'in the policy, called by no code');
  assert.ok(called.size >= 15, `the scan found the deploy's calls (${called.size})`);
});

P(
  "the documented policy, evaluated (iam-simulate): the estate's stacks, templates and record, the service role to CloudFormation only; nothing else",
  async () => {
    const ACCOUNT = '111122223333';
    const text = JSON.stringify(documentedPolicy())
      .replaceAll('ACCOUNT', ACCOUNT)
      .replaceAll('STACK', 'tessera')
      .replaceAll('BUCKET', 'tessera-assets')
      .replaceAll('SERVICE_ROLE', 'tenantc-cloudformation');
    const policy = JSON.parse(text);
    const decide = (action: string, resource: string, context: Record<string, string> = {}) =>
      runSimulation(
        {
          identityPolicies: [{ name: 'deploy', policy }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: {
            action,
            principal: `arn:aws:sts::${ACCOUNT}:assumed-role/tenantc-deploy/run-1`,
            resource: { accountId: ACCOUNT, resource },
            contextVariables: context,
          },
        } as never,
        {},
      ).then((r) => (r.resultType === 'error' ? `error ${JSON.stringify(r.errors)}` : r.overallResult));
    const stack = (name: string) => `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/5e6f7a8b`;
    const cases: [string, string, string, Record<string, string>, string][] = [
      ['the root stack', 'cloudformation:ExecuteChangeSet', stack('tessera'), {}, 'Allowed'],
      ['a nested stack', 'cloudformation:DescribeStackEvents', stack('tessera-tenantGroup0Stack-1A2B'), {}, 'Allowed'],
      ['a domain stage', 'cloudformation:CreateStack', stack('tessera-domain-acme'), {}, 'Allowed'],
      ["another estate's stack", 'cloudformation:DeleteStack', stack('billing'), {}, 'ImplicitlyDenied'],
      ['a template upload', 's3:PutObject', `arn:aws:s3:::tessera-assets/tenantc/${'a'.repeat(64)}.template.json`, {}, 'Allowed'],
      ['another key of the bucket', 's3:PutObject', 'arn:aws:s3:::tessera-assets/other/x', {}, 'ImplicitlyDenied'],
      ['who owns an image', 'ec2:DescribeImages', '*', {}, 'Allowed'],
      ['another bucket', 's3:GetObject', 'arn:aws:s3:::other-bucket/tenantc/x', {}, 'ImplicitlyDenied'],
      ['deleting a template', 's3:DeleteObject', 'arn:aws:s3:::tessera-assets/tenantc/x.template.json', {}, 'ImplicitlyDenied'],
      ['listing the templates', 's3:ListBucket', 'arn:aws:s3:::tessera-assets', { 's3:prefix': 'tenantc/' }, 'Allowed'],
      ['listing the bucket whole', 's3:ListBucket', 'arn:aws:s3:::tessera-assets', { 's3:prefix': '' }, 'ImplicitlyDenied'],
      [
        'the service role to CloudFormation',
        'iam:PassRole',
        `arn:aws:iam::${ACCOUNT}:role/tenantc-cloudformation`,
        { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
        'Allowed',
      ],
      [
        'the service role to EC2',
        'iam:PassRole',
        `arn:aws:iam::${ACCOUNT}:role/tenantc-cloudformation`,
        { 'iam:PassedToService': 'ec2.amazonaws.com' },
        'ImplicitlyDenied',
      ],
      ['another role', 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/admin`, { 'iam:PassedToService': 'cloudformation.amazonaws.com' }, 'ImplicitlyDenied'],
    ];
    const got = await Promise.all(cases.map(([, action, resource, context]) => decide(action, resource, context)));
    assert.equal(
      cases.map(([what], i) => `${what}: ${got[i]}`),
      cases.map(([what, , , , expected]) => `${what}: ${expected}`),
    );
  },
);

P("the role's trust: GitHub's OIDC tokens of the deploy job's environment alone, and no other job may ask for a token", () => {
  const trust = documentedJson("### Who may assume it: the production environment's deploy job only");
  assert.is(trust.Statement.length, 1);
  const [statement] = trust.Statement as [
    { Effect: string; Action: string; Principal: { Federated: string }; Condition: Record<string, Record<string, string>> },
  ];
  assert.is(statement.Effect, 'Allow');
  assert.is(statement.Action, 'sts:AssumeRoleWithWebIdentity');
  assert.match(statement.Principal.Federated, /:oidc-provider\/token\.actions\.githubusercontent\.com$/);
  // StringEquals alone: a StringLike on sub (repo:OWNER/REPO:*) would admit a pull request's run.
  assert.equal(Object.keys(statement.Condition), ['StringEquals']);
  const workflow = parse(readFileSync(join(root, '.github', 'workflows', 'tenants.yml'), 'utf8')) as {
    permissions?: Record<string, string>;
    jobs: Record<string, { environment?: string; permissions?: Record<string, string> }>;
  };
  const deploy = workflow.jobs.deploy!;
  assert.equal(statement.Condition.StringEquals, {
    'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
    'token.actions.githubusercontent.com:sub': `repo:OWNER/REPO:environment:${deploy.environment}`,
  });
  assert.is(workflow.permissions?.['id-token'], undefined, 'no token for every job');
  const asking = Object.entries(workflow.jobs)
    .filter(([, job]) => job.permissions?.['id-token'] === 'write')
    .map(([name]) => name);
  assert.equal(asking, ['deploy'], 'only the deploy job asks GitHub for an OIDC token');
});

P.run();
