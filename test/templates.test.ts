// Every emitted template against the CloudFormation registry and cfn-lint.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compiledFrom, FIXTURES, SAMPLE_TENANTS } from './helpers.ts';
import { assertCfnLintClean } from './support/cfnLint.ts';
import { checkTemplate } from './support/registry.ts';
import { mergeLayers, ref, type LayerOutput } from '../compiler/emit/cfn/template.ts';

const Templates = suite('templates');

export function compiledTemplates(dir: string): Map<string, string> {
  const result = compiledFrom(dir);
  return new Map(result.files.filter((f) => f.path.endsWith('.template.json')).map((f) => [f.path, f.content]));
}

Templates('every template of the sample and minimal estates passes the registry check', () => {
  for (const dir of [SAMPLE_TENANTS, join(FIXTURES, 'estates', 'minimal')]) {
    const templates = compiledTemplates(dir);
    assert.ok(templates.size >= 1);
    for (const [name, body] of templates) {
      // Deploy uploads every template to the assets bucket (TemplateURL), so the 1 MB
      // limit applies, not the 51,200-byte limit of an inline body.
      assert.equal(checkTemplate(JSON.parse(body), name, body, { uploaded: true }), [], name);
    }
  }
});

Templates('the registry check fails on what CloudFormation would reject', () => {
  const body = compiledTemplates(SAMPLE_TENANTS).get('root.template.json')!;
  const t = JSON.parse(body);
  t.Resources.platformVpc.Properties.Bogus = 1;
  t.Resources.platformDatabaseCluster.Properties.MasterUserSecret.Colour = 'x';
  delete t.Resources.tenantRegistryTable.Properties.KeySchema;
  t.Resources.platformFlowLog.Properties.ResourceId = { Ref: 'nothing' };
  t.Resources.platformFlowLog.DependsOn = ['ghost'];
  t.Resources.appLaunchTemplate.Properties.LaunchTemplateData.ImageId = { 'Fn::GetAtt': ['platformVpc', 'NoSuchAttr'] };
  t.Resources.multiTenantDistribution.Properties.DistributionConfig.ConnectionMode = 'sideways';
  t.Resources.platformRegistryTableParameter.Properties.Value = { 'Fn::Sub': '${missingThing.Arn}' };
  t.Resources.fake = { Type: 'AWS::Fake::Thing', Properties: {} };
  const errors = checkTemplate(t, 'root', JSON.stringify(t), { uploaded: false }).join('\n');
  for (const expected of [
    'over the 51200-byte limit for a template passed inline',
    'platformVpc.Properties: unknown property Bogus',
    'MasterUserSecret: unknown property Colour',
    'required property KeySchema is missing',
    'Ref nothing names nothing',
    'DependsOn ghost names no resource',
    'AWS::EC2::VPC has no attribute NoSuchAttr',
    '"sideways" is not one of direct, tenant-only',
    'GetAtt missingThing.Arn names no resource',
    'unknown resource type AWS::Fake::Thing',
  ]) {
    assert.ok(errors.includes(expected), `expected "${expected}" in:\n${errors}`);
  }
});

Templates('cfn-lint reports nothing on the sample estate', async () => {
  // CI installs cfn-lint and sets TENANTC_REQUIRE_CFN_LINT: there its absence fails.
  await assertCfnLintClean(compiledTemplates(SAMPLE_TENANTS));
});

Templates('mergeLayers keeps each section in layer order and refuses a logical id twice in one section', () => {
  const bucket = (name: string) => ({ Type: 'AWS::S3::Bucket', Properties: { BucketName: name } }) as const;
  const layers: LayerOutput[] = [
    { resources: { Zeta: bucket('z'), Alpha: bucket('a') }, outputs: { Alpha: { Description: 'a', Value: ref('Alpha') } } },
    { resources: { Mid: bucket('m') }, parameters: { Alpha: { Type: 'String', Description: 'p' } }, conditions: { IsProd: { 'Fn::Equals': ['a', 'a'] } } },
    { resources: { Beta: bucket('b') } },
  ];
  const merged = mergeLayers(layers);
  // Written in this order, byte for byte: the order the layers and their emitters made.
  assert.equal(Object.keys(merged.resources), ['Zeta', 'Alpha', 'Mid', 'Beta']);
  assert.equal(merged.resources['Mid'], bucket('m'));
  assert.equal(Object.keys(merged.outputs), ['Alpha']);
  assert.equal(Object.keys(merged.parameters), ['Alpha']);
  assert.equal(merged.conditions, { IsProd: { 'Fn::Equals': ['a', 'a'] } });
  assert.throws(() => mergeLayers([...layers, { resources: { Alpha: bucket('again') } }]), /logical id Alpha defined twice in resources/);
  assert.throws(
    () => mergeLayers([...layers, { resources: {}, conditions: { IsProd: { 'Fn::Equals': ['b', 'b'] } } }]),
    /logical id IsProd defined twice in conditions/,
  );
});

Templates.run();
