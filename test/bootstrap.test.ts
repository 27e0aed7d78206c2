// The bootstrap stack's template: what CloudFormation accepts (registry check, cfn-lint)
// and what the rule pack demands of a bucket (retained, encrypted, private).
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reviewTemplates } from '../compiler/review/index.ts';
import type { Template } from '../compiler/review/rule.ts';
import { bootstrapTemplate } from '../deploy/bootstrap.ts';
import { assertCfnLintClean } from './support/cfnLint.ts';
import { checkTemplate } from './support/registry.ts';

const B = suite('bootstrap template');
const template = bootstrapTemplate('tessera-assets') as Template & { Resources: Record<string, { Properties: Record<string, unknown> }> };
const body = JSON.stringify(template, null, 2);

B('passes the registry check and the security rule pack', () => {
  assert.equal(checkTemplate(JSON.parse(body), 'bootstrap', body, { uploaded: false }), []);
  const findings = reviewTemplates(new Map([['bootstrap.template.json', template]]));
  assert.equal(
    findings.filter((f) => !f.compliant),
    [],
  );
  assert.equal([...new Set(findings.map((f) => f.rule))].sort(), ['E301', 'E302', 'E303', 'E304']);
});

B('the bucket is versioned, expires old versions, and templates cannot be deleted', () => {
  const p = template.Resources.AssetsBucket!.Properties;
  assert.equal(p.VersioningConfiguration, { Status: 'Enabled' });
  assert.match(JSON.stringify(p.LifecycleConfiguration), '"NoncurrentVersionExpiration":{"NoncurrentDays":30}');
  const statements = (template.Resources.AssetsBucketPolicy!.Properties.PolicyDocument as { Statement: { Sid: string; Effect: string; Action: unknown }[] })
    .Statement;
  assert.equal(
    statements.map((s) => `${s.Sid} ${s.Effect}`),
    ['DenyInsecureTransport Deny', 'DenyDeletingTemplates Deny', 'DenyOverwritingTemplates Deny'],
  );
});

type Statement = { Sid: string; Effect: string; Action: unknown; Resource: unknown; Condition?: Record<string, Record<string, string>> };
const statementsOf = (t: object) =>
  (t as { Resources: { AssetsBucketPolicy: { Properties: { PolicyDocument: { Statement: Statement[] } } } } }).Resources.AssetsBucketPolicy.Properties
    .PolicyDocument.Statement;

B('template objects cannot be overwritten: a write without If-None-Match is denied to everyone; with --deploy-role-arn only that role writes them', () => {
  const overwrite = statementsOf(template).find((s) => s.Sid === 'DenyOverwritingTemplates')!;
  assert.equal(overwrite.Action, 's3:PutObject');
  assert.equal(
    overwrite.Resource,
    { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::tessera-assets/tenantc/*.template.json' },
    'templates only: the record is rewritten each rollout',
  );
  assert.equal(overwrite.Condition, { Null: { 's3:if-none-match': 'true' } });
  assert.not.ok(
    statementsOf(template).some((s) => s.Sid === 'DenyTemplateWritesButTheDeployRole'),
    'no role given: none named',
  );
  const role = 'arn:aws:iam::111122223333:role/tenantc-deploy';
  const withRole = statementsOf(bootstrapTemplate('tessera-assets', role));
  const only = withRole.find((s) => s.Sid === 'DenyTemplateWritesButTheDeployRole')!;
  assert.equal(only.Condition, { ArnNotEquals: { 'aws:PrincipalArn': role } });
  assert.equal(only.Effect, 'Deny');
  const withRoleBody = JSON.stringify(bootstrapTemplate('tessera-assets', role), null, 2);
  assert.equal(checkTemplate(JSON.parse(withRoleBody), 'bootstrap', withRoleBody, { uploaded: false }), []);
});

B(
  'the bucket policy, evaluated (iam-simulate): templates are written only new (If-None-Match), only by the deploy role, never deleted; the record is rewritten',
  async () => {
    const role = 'arn:aws:iam::111122223333:role/tenantc-deploy';
    const resolved = JSON.stringify(bootstrapTemplate('tessera-assets', role)).replaceAll('${AWS::Partition}', 'aws');
    const doc = JSON.parse(resolved, (_k, v) => (v && typeof v === 'object' && 'Fn::Sub' in v ? v['Fn::Sub'] : v)).Resources.AssetsBucketPolicy.Properties
      .PolicyDocument;
    const template = `tenantc/${'a'.repeat(64)}.template.json`;
    // aws:PrincipalArn of an assumed-role session is its role's ARN (IAM condition keys); the simulator needs it given.
    const as = (roleName: string, action: string, key: string, more: Record<string, string> = {}) =>
      runSimulation(
        {
          identityPolicies: [{ name: 'admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } as never }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: doc,
          request: {
            action,
            principal: `arn:aws:sts::111122223333:assumed-role/${roleName}/run-1`,
            resource: { accountId: '111122223333', resource: `arn:aws:s3:::tessera-assets/${key}` },
            contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': `arn:aws:iam::111122223333:role/${roleName}`, ...more },
          },
        } as never,
        {},
      ).then((r) => (r.resultType === 'error' ? `error ${JSON.stringify(r.errors)}` : r.overallResult));
    const cases: [string, Promise<string>, string][] = [
      ['deploy role, a new template with If-None-Match: *', as('tenantc-deploy', 's3:PutObject', template, { 's3:if-none-match': '*' }), 'Allowed'],
      ['deploy role, a template without If-None-Match (an overwrite)', as('tenantc-deploy', 's3:PutObject', template), 'ExplicitlyDenied'],
      ['an administrator, a template with If-None-Match: *', as('admin', 's3:PutObject', template, { 's3:if-none-match': '*' }), 'ExplicitlyDenied'],
      ['an administrator, a template overwritten', as('admin', 's3:PutObject', template), 'ExplicitlyDenied'],
      ['deploy role, deleting a template', as('tenantc-deploy', 's3:DeleteObject', template), 'ExplicitlyDenied'],
      ['deploy role, deleting a version of a template', as('tenantc-deploy', 's3:DeleteObjectVersion', template), 'ExplicitlyDenied'],
      ['deploy role, the deployed record rewritten', as('tenantc-deploy', 's3:PutObject', 'tenantc/deployed/tessera.assets.json'), 'Allowed'],
    ];
    for (const [label, result, expected] of cases) assert.is(await result, expected, label);
  },
);

B('cfn-lint reports nothing', async () => {
  await assertCfnLintClean(new Map([['bootstrap.template.json', body]]));
});

B.run();
