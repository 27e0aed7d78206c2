// The compiler–deploy contract (compiler/outputFormat.ts), from both sides. The emitter
// side: a compiled output uses each contract name where deploy looks for it. The deploy
// side: deploy finds what it reads by the same names (against mocked AWS answers built
// from the contract). Each side changing a name alone, or declaring one of its own,
// fails one of these; renaming in the contract moves both.
import { DescribeStackEventsCommand, DescribeStackResourceCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ASSET_KEY,
  ASSETS_BUCKET_PARAMETER,
  ASSETS_FILE,
  ASSETS_FORMAT,
  type AssetsManifest,
  DOMAIN_STAGE_CERTIFICATE,
  DOMAIN_STAGE_ZONE_PARAMETER,
  domainStageFile,
  domainStageStackName,
  ROOT_TEMPLATE_FILE,
  TENANT_CERTIFICATE,
  TENANT_NAME_SERVERS_OUTPUT,
  TENANT_ZONE,
} from '../compiler/outputFormat.ts';
import { planStages, startStages, watchStages } from '../deploy/domainStage.ts';
import { Pacer } from '../deploy/clock.ts';
import { compiledFrom, FIXTURES, ROOT } from './helpers.ts';
import { event, fakeClock, mockedAws, nestedId } from './support/deployFakes.ts';

const C = suite('compiler–deploy contract');
const compiled = compiledFrom(join(FIXTURES, 'diff', 'base'));
const file = (path: string) => {
  const f = compiled.files.find((x) => x.path === path);
  assert.ok(f, `${path} is in the output`);
  return JSON.parse(f!.content) as {
    format?: string;
    Parameters?: Record<string, unknown>;
    Resources?: Record<string, { Type: string }>;
    Outputs?: Record<string, unknown>;
  };
};
const manifest = file(ASSETS_FILE) as unknown as AssetsManifest;

C('the emitter writes the contract: assets.json, its format and keys, the files it lists, tenant statuses', () => {
  assert.is(manifest.format, ASSETS_FORMAT);
  assert.is(manifest.root.file, ROOT_TEMPLATE_FILE);
  for (const t of [manifest.root, ...manifest.nested, ...manifest.domains]) assert.match(t.key, ASSET_KEY, t.file);
  for (const d of manifest.domains) assert.is(d.file, domainStageFile(d.tenant));
  const statuses = Object.fromEntries(manifest.nested.filter((n) => n.tenant).map((n) => [n.tenant, n.status]));
  for (const t of compiled.plan.tenants) assert.is(statuses[t.id], t.status, t.id);
  assert.ok(file(ROOT_TEMPLATE_FILE).Parameters?.[ASSETS_BUCKET_PARAMETER], 'the root takes the bucket deploy passes');
});

C('the emitter writes the names deploy reads: stage certificate and zone parameter, tenant zone, name servers, certificate', () => {
  const delegated = manifest.domains.find((d) => d.mode === 'delegated' && d.attached)!;
  assert.ok(delegated, 'the fixture has an attached delegated tenant');
  const stage = file(delegated.file);
  assert.is(stage.Resources?.[DOMAIN_STAGE_CERTIFICATE]?.Type, 'AWS::CertificateManager::Certificate');
  assert.ok(stage.Parameters?.[DOMAIN_STAGE_ZONE_PARAMETER]);
  const tenantFile = manifest.nested.find((n) => n.stack === delegated.tenantStack)!.file;
  const tenant = file(tenantFile);
  assert.is(tenant.Resources?.[TENANT_ZONE]?.Type, 'AWS::Route53::HostedZone');
  assert.is(tenant.Resources?.[TENANT_CERTIFICATE]?.Type, 'AWS::CertificateManager::Certificate');
  assert.ok(tenant.Outputs?.[TENANT_NAME_SERVERS_OUTPUT]);
});

C(
  'deploy reads by the contract: the zone by TENANT_ZONE, name servers by their output, the zone passed as the stage parameter, records from the certificate',
  async () => {
    const m = mockedAws(fakeClock());
    try {
      const delegated = manifest.domains.find((d) => d.mode === 'delegated')!;
      const [group, tenantId] = delegated.tenantStack.split('/') as [string, string];
      m.cfn
        .on(DescribeStackResourceCommand, { StackName: 'tessera', LogicalResourceId: group })
        .resolves({ StackResourceDetail: { PhysicalResourceId: nestedId('g') } as never });
      m.cfn
        .on(DescribeStackResourceCommand, { StackName: nestedId('g'), LogicalResourceId: tenantId })
        .resolves({ StackResourceDetail: { PhysicalResourceId: nestedId('t') } as never });
      m.cfn
        .on(DescribeStackResourceCommand, { StackName: nestedId('t'), LogicalResourceId: TENANT_ZONE })
        .resolves({ StackResourceDetail: { PhysicalResourceId: 'Z0ZONE' } as never });
      m.cfn.on(DescribeStacksCommand, { StackName: nestedId('t') }).resolves({
        Stacks: [
          {
            StackName: 't',
            StackId: nestedId('t'),
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: [{ OutputKey: TENANT_NAME_SERVERS_OUTPUT, OutputValue: 'ns-1.example,ns-2.example' }],
          },
        ],
      });
      const stack = domainStageStackName('tessera', delegated.tenant);
      m.cfn
        .on(DescribeStacksCommand, { StackName: stack })
        .resolves({ Stacks: [{ StackName: stack, StackId: nestedId('s'), StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
      m.cfn.on(DescribeStackEventsCommand, { StackName: stack }).resolves({
        StackEvents: [
          event(nestedId('s'), DOMAIN_STAGE_CERTIFICATE, 'AWS::CertificateManager::Certificate', 'CREATE_IN_PROGRESS', 1, {
            ResourceStatusReason: 'Content of DNS Record is: {Name: _a.acme.example.,Type: CNAME,Value: _b.acm-validations.aws.}',
          }),
        ],
      });
      m.cfn.on(UpdateStackCommand).resolves({});
      const plans = await planStages(m.aws, { rootStack: 'tessera', stages: [delegated], lastKeys: new Map() });
      assert.equal(
        plans.map((p) => [p.action, p.zone, p.nameServers]),
        [['update', 'Z0ZONE', ['ns-1.example', 'ns-2.example']]],
      );
      const started = await startStages(m.aws, plans, { bucket: 'b', roleArn: null, token: 't' }, () => {});
      assert.equal(m.cfn.commandCalls(UpdateStackCommand)[0]!.args[0].input.Parameters, [
        { ParameterKey: DOMAIN_STAGE_ZONE_PARAMETER, ParameterValue: 'Z0ZONE' },
      ]);
      const [watched] = await watchStages(m.aws, started, { waitMs: 0, pollMs: 1, awaited: new Set() }, new Pacer(m.aws.clock, 60_000));
      assert.equal(watched!.records, ['_a.acme.example. CNAME _b.acm-validations.aws.']);
    } finally {
      m.restore();
    }
  },
);

C('neither side spells a contract name itself: the literals live in compiler/outputFormat.ts only', () => {
  // Names that are ours alone (CloudFormation's own words, such as a zone's NameServers
  // attribute, are checked by the tests above instead).
  const owned = [DOMAIN_STAGE_CERTIFICATE, TENANT_CERTIFICATE, TENANT_ZONE, ASSETS_FORMAT, ASSETS_FILE];
  const sources = ['compiler', 'deploy'].flatMap((dir) =>
    (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)),
  );
  let read = 0;
  for (const f of sources) {
    if (f === join('compiler', 'outputFormat.ts')) continue;
    const text = readFileSync(join(ROOT, f), 'utf8');
    read++;
    for (const name of owned)
      assert.not.ok(new RegExp(`['"\`]${name.replace(/[./]/g, '\\$&')}['"\`]`).test(text), `${f} spells '${name}' instead of importing it`);
  }
  assert.ok(read > 50, `${read} sources read`);
});

C.run();
