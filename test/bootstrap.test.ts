// The bootstrap stack's template: what CloudFormation accepts (registry check, cfn-lint)
// and what the rule pack demands of a bucket (retained, encrypted, private).
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
    ['DenyInsecureTransport Deny', 'DenyDeletingTemplates Deny'],
  );
});

B('cfn-lint reports nothing', async () => {
  await assertCfnLintClean(new Map([['bootstrap.template.json', body]]));
});

B.run();
