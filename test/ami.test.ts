// `tenantc ami --latest`: the current Amazon Linux 2023 image, read from the public SSM
// parameter of the platform's Region (aws-sdk-client-mock), written into app.ami with the
// manifest's comments kept; and what pinning means for the templates.
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AL2023_AMI_PARAMETERS, architectureOf, pinLatestAmi } from '../deploy/ami.ts';
import { compiledFrom, FIXTURES, inTempDir } from './helpers.ts';
import '../test/support/deployFakes.ts';

const A = suite('ami');
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };

function capture() {
  let out = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, cwd: '/' }, text: () => out };
}

A('--latest writes the image of the platform Region into app.ami, keeping comments; --check only compares', async () => {
  const ssm = mockClient(SSMClient);
  try {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0fedcba9876543210', LastModifiedDate: new Date('2026-11-20T00:00:00Z') } });
    await inTempDir(async (dir) => {
      cpSync(join(FIXTURES, 'estates', 'minimal'), dir, { recursive: true });
      const file = join(dir, 'platform.yaml');
      writeFileSync(file, `# the estate's platform\n${readFileSync(file, 'utf8')}`);
      const check = capture();
      const stale = await pinLatestAmi({ tenants: dir, display: 'tenants', check: true }, check.io, new SSMClient({ region: 'eu-west-1', credentials }));
      assert.is(stale, 1);
      assert.match(
        check.text(),
        'app.ami is ami-0453ec754f44f9a4a; the current Amazon Linux 2023 image in us-east-1 is ami-0fedcba9876543210 (published 2026-11-20)',
      );
      assert.match(readFileSync(file, 'utf8'), 'ami: ami-0453ec754f44f9a4a', '--check writes nothing');
      const run = capture();
      assert.is(await pinLatestAmi({ tenants: dir, display: 'tenants', check: false }, run.io, new SSMClient({ region: 'eu-west-1', credentials })), 0);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^# the estate's platform\n/, 'comments kept');
      assert.match(text, '  ami: ami-0fedcba9876543210\n');
      assert.match(run.text(), 'tenants/platform.yaml: app.ami ami-0453ec754f44f9a4a → ami-0fedcba9876543210');
      const input = ssm.commandCalls(GetParameterCommand)[0]!.args[0].input;
      assert.equal(input, { Name: AL2023_AMI_PARAMETERS.x86_64 });
      const again = capture();
      assert.is(await pinLatestAmi({ tenants: dir, display: 'tenants', check: true }, again.io, new SSMClient({ region: 'eu-west-1', credentials })), 0);
      assert.match(again.text(), 'nothing to change');
      // The compiled fleets carry it literally.
      const compiled = compiledFrom(dir);
      assert.ok(compiled.files.some((f) => f.path === 'root.template.json' && f.content.includes('"ImageId": "ami-0fedcba9876543210"')));
    });
  } finally {
    ssm.restore();
  }
});

A('the image follows the instance type: Graviton families get the arm64 parameter', () => {
  for (const t of ['m5.large', 'c6in.xlarge', 'g4dn.xlarge', 'm7i.large', 'r5b.large']) assert.is(architectureOf(t), 'x86_64', t);
  for (const t of ['m7g.large', 'c7gn.large', 't4g.small', 'x2gd.xlarge', 'r8g.large', 'is4gen.large']) assert.is(architectureOf(t), 'arm64', t);
});

A('an SSM answer that is not an image id is refused, and nothing is written', async () => {
  const ssm = mockClient(SSMClient);
  try {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'latest' } });
    await inTempDir(async (dir) => {
      cpSync(join(FIXTURES, 'estates', 'minimal'), dir, { recursive: true });
      const before = readFileSync(join(dir, 'platform.yaml'), 'utf8');
      await pinLatestAmi({ tenants: dir, display: 'tenants', check: false }, capture().io, new SSMClient({ region: 'us-east-1', credentials })).then(
        () => assert.unreachable('accepted'),
        (e: Error) => assert.match(e.message, 'not an image id'),
      );
      assert.is(readFileSync(join(dir, 'platform.yaml'), 'utf8'), before);
    });
  } finally {
    ssm.restore();
  }
});

A('the AMI is data: no template resolves an image at deploy time, and a new image changes exactly the launch templates', () => {
  const before = compiledFrom(join(FIXTURES, 'diff', 'base'));
  for (const f of before.files) assert.not.match(f.content, /AWS::SSM::Parameter::Value|ami-amazon-linux-latest|AppAmiId/, f.path);
  inTempDir((dir) => {
    cpSync(join(FIXTURES, 'diff', 'base'), dir, { recursive: true });
    const file = join(dir, 'platform.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('ami: ami-0453ec754f44f9a4a', 'ami: ami-0fedcba9876543210'));
    const after = compiledFrom(dir);
    const changed = after.files.filter((f) => before.files.find((b) => b.path === f.path)?.content !== f.content).map((f) => f.path);
    const fleets = after.files.filter((f) => f.content.includes('AWS::EC2::LaunchTemplate')).map((f) => f.path);
    assert.ok(fleets.includes('root.template.json') && fleets.length > 1, fleets.join(', '));
    // The templates with a fleet, and those holding their content-hash URLs (groups, root), and assets.json.
    for (const f of fleets) assert.ok(changed.includes(f), f);
    assert.ok(
      changed.every((p) => fleets.includes(p) || /^(groups\/|assets\.json|root\.template\.json)/.test(p)),
      changed.join(', '),
    );
  });
});

A.run();
