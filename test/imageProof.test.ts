// Who published the images the fleets boot (deploy/imageProof.ts): deploy reads every
// ImageId of the output's templates and asks EC2 (DescribeImages, mocked with
// aws-sdk-client-mock) who owns each; Amazon's pass, an owner the operator names with
// --image-owner passes, anything else (another account, an image not found, one not
// available, an id CloudFormation would resolve later) is refused before anything is
// uploaded, with --change-set too.
import { CreateChangeSetCommand, DescribeChangeSetCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSETS_FORMAT } from '../compiler/outputFormat.ts';
import type { CompiledForDeploy } from '../deploy/compiledOutput.ts';
import { type DeployRequest, EXIT_OF, runDeploy } from '../deploy/deploy.ts';
import { AMAZON_LINUX_OWNER, imageRefusal, imagesOf, judgeImage, PLACES_NAMED, proveImages } from '../deploy/imageProof.ts';
import { readCompiledOutput } from '../deploy/compiledOutput.ts';
import { FIXTURES, runMain } from './helpers.ts';
import { body, deployRequest, fakeClock, image, mockedAws, ROOT_ID } from './support/deployFakes.ts';

const I = suite('image proof');
const work = mkdtempSync(join(tmpdir(), 'tenantc-image-proof-'));
const OUT = join(work, 'out');
/** app.ami of test/fixtures/diff/base: the pooled fleet's and acme's dedicated fleet's image. */
const AMI = 'ami-0453ec754f44f9a4a';
const FOREIGN = '210987654321';
/** The deploy's clock when it judges (deployFakes' fakeClock starts here). */
const NOW = fakeClock().now();

I.before(async () => {
  const r = await runMain(['compile', '--locked', '--tenants', join(FIXTURES, 'diff', 'base'), '--out', OUT]);
  assert.is(r.status, 0, r.stderr);
});
I.after(() => rmSync(work, { recursive: true, force: true }));

/** An output of hand-made templates: root and one nested stack. */
function outputOf(root: object, nested: string | object = { Resources: {} }): CompiledForDeploy {
  const rootKey = `tenantc/${'1'.repeat(64)}.template.json`;
  const nestedKey = `tenantc/${'2'.repeat(64)}.template.json`;
  return {
    dir: 'out',
    manifest: {
      format: ASSETS_FORMAT,
      root: { file: 'root.template.json', key: rootKey },
      nested: [{ file: 'tenants/acme.template.json', key: nestedKey, stack: 'tenantGroup0Stack/tenantAcmeStack', tenant: 'acme' }],
      domains: [],
    },
    manifestText: '{}',
    bodies: new Map([
      [rootKey, Buffer.from(JSON.stringify(root))],
      [nestedKey, Buffer.from(typeof nested === 'string' ? nested : JSON.stringify(nested))],
    ]),
    tenantOf: new Map([['tenantGroup0Stack/tenantAcmeStack', 'acme']]),
  };
}
const launchTemplate = (imageId: unknown) => ({
  Type: 'AWS::EC2::LaunchTemplate',
  Properties: { LaunchTemplateData: { ImageId: imageId, InstanceType: 'm5.large' } },
});

I('every ImageId of the compiled output is found, with the launch templates naming it', () => {
  const found = imagesOf(readCompiledOutput(OUT, work));
  assert.equal(found, {
    images: [{ imageId: AMI, where: ['root.template.json: appLaunchTemplate', 'tenants/acme.template.json: tenantLaunchTemplate'] }],
    unprovable: [],
  });
});

I('an image CloudFormation would resolve later (a Ref, resolve:ssm:) cannot be proven: unprovable; a key spelled with a JSON escape is still read', () => {
  const found = imagesOf(
    outputOf(
      {
        Resources: {
          appLaunchTemplate: launchTemplate({ Ref: 'ImageParameter' }),
          other: { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'resolve:ssm:/x' } },
        },
      },
      // "\u0049mageId" is ImageId to CloudFormation's JSON parser.
      `{"Resources":{"tenantLaunchTemplate":{"Type":"AWS::EC2::LaunchTemplate","Properties":{"LaunchTemplateData":{"\\u0049mageId":"ami-0123456789abcdef0"}}}}}`,
    ),
  );
  assert.equal(found.images, [{ imageId: 'ami-0123456789abcdef0', where: ['tenants/acme.template.json: tenantLaunchTemplate'] }]);
  assert.equal(found.unprovable, [
    'root.template.json: appLaunchTemplate LaunchTemplateData.ImageId is {"Ref":"ImageParameter"}, not a literal image id',
    'root.template.json: other ImageId is "resolve:ssm:/x", not a literal image id',
  ]);
});

I("Amazon's images pass by alias or by the Amazon Linux account; a named owner passes; anything else is refused", () => {
  const use = { imageId: AMI, where: ['root.template.json: appLaunchTemplate'] };
  const none = new Set<string>();
  assert.is(judgeImage(use, image(AMI), none, NOW).acceptedAs, 'amazon');
  assert.is(judgeImage(use, image(AMI, { ImageOwnerAlias: undefined }), none, NOW).acceptedAs, 'amazon', 'AL2023 owner account without the alias');
  assert.is(
    judgeImage(use, image(AMI, { OwnerId: '801119661308' }), none, NOW).acceptedAs,
    'amazon',
    'another Amazon account, alias amazon (only AWS sets it)',
  );
  const foreign = image(AMI, { OwnerId: FOREIGN, ImageOwnerAlias: undefined });
  assert.is(judgeImage(use, foreign, none, NOW).refusal, `is owned by ${FOREIGN}`);
  assert.is(
    judgeImage(use, image(AMI, { OwnerId: '679593333241', ImageOwnerAlias: 'aws-marketplace' }), none, NOW).refusal,
    'is owned by 679593333241 (alias aws-marketplace)',
  );
  assert.is(judgeImage(use, foreign, new Set([FOREIGN]), NOW).acceptedAs, '--image-owner');
  assert.is(judgeImage(use, foreign, new Set(['111122223333']), NOW).acceptedAs, null, 'another named owner is not this one');
  assert.is(judgeImage(use, image(AMI, { State: 'deregistered' }), none, NOW).refusal, 'is deregistered, not available');
  assert.match(judgeImage(use, null, none, NOW).refusal!, 'is not found in this account and Region');
});

I("Amazon's images pass only as Amazon Linux 2023, and no image passes once deprecated, whoever owns it", () => {
  const use = { imageId: AMI, where: ['root.template.json: appLaunchTemplate'] };
  const none = new Set<string>();
  const day = 24 * 3600 * 1000;
  const at = (ms: number) => new Date(ms).toISOString();
  // Amazon deprecates each Amazon Linux build once a newer one is out.
  assert.is(
    judgeImage(use, image(AMI, { DeprecationTime: at(NOW - day) }), none, NOW).refusal,
    `is deprecated since ${at(NOW - day)} (its publisher no longer maintains it)`,
  );
  assert.is(judgeImage(use, image(AMI, { DeprecationTime: at(NOW) }), none, NOW).acceptedAs, null, 'deprecated from this very moment');
  assert.is(judgeImage(use, image(AMI, { DeprecationTime: at(NOW + day) }), none, NOW).acceptedAs, 'amazon', 'deprecated only tomorrow');
  assert.is(judgeImage(use, image(AMI, { DeprecationTime: 'soon' }), none, NOW).acceptedAs, null, 'a time that cannot be read counts as past');
  const foreignDeprecated = image(AMI, { OwnerId: FOREIGN, ImageOwnerAlias: undefined, DeprecationTime: at(NOW - day) });
  assert.match(judgeImage(use, foreignDeprecated, new Set([FOREIGN]), NOW).refusal!, /^is deprecated since/, "a named owner's deprecated image too");
  // Amazon's other images: Amazon Linux 1 and 2, Windows (alias amazon, another account).
  for (const [Name, more] of [
    ['amzn-ami-hvm-2018.03.0.20231218.0-x86_64-gp2', {}],
    ['amzn2-ami-kernel-5.10-hvm-2.0.20260427.1-x86_64-gp2', {}],
    ['Windows_Server-2022-English-Full-Base-2026.11.12', { OwnerId: '801119661308' }],
    [undefined, {}],
  ] as const) {
    const refusal = judgeImage(use, image(AMI, { Name, ...more }), none, NOW).refusal;
    assert.is(refusal, `is Amazon's but not Amazon Linux 2023 (named ${JSON.stringify(Name ?? null)}, not al2023-ami-…)`, String(Name));
  }
  // The operator may name Amazon's account to boot another of its images on purpose.
  assert.is(judgeImage(use, image(AMI, { Name: 'amzn2-ami-hvm-2.0.20260427.1-x86_64-gp2' }), new Set([AMAZON_LINUX_OWNER]), NOW).acceptedAs, '--image-owner');
  assert.is(judgeImage(use, image(AMI, { Name: 'al2023-ami-minimal-2023.11.20260427.1-kernel-6.1-x86_64' }), none, NOW).acceptedAs, 'amazon');
});

I('EC2 is asked about each image alone: one it does not know is refused by name, the others still judged', async () => {
  const m = mockedAws(fakeClock());
  try {
    m.ec2.on(DescribeImagesCommand, { ImageIds: ['ami-0123456789abcdef0'] }).rejects(
      Object.assign(new Error("The image id '[ami-0123456789abcdef0]' does not exist"), {
        name: 'InvalidAMIID.NotFound',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    m.ec2.on(DescribeImagesCommand, { ImageIds: ['ami-00000000000000001'] }).resolves({ Images: [] });
    const proven = await proveImages(
      m.aws,
      ['ami-0123456789abcdef0', 'ami-00000000000000001', AMI].map((imageId) => ({ imageId, where: ['root.template.json: x'] })),
      [],
    );
    assert.equal(
      proven.map((p) => `${p.imageId} ${p.acceptedAs ?? p.refusal}`),
      [
        'ami-00000000000000001 is not found in this account and Region (deregistered, never shared with it, or never published)',
        'ami-0123456789abcdef0 is not found in this account and Region (deregistered, never shared with it, or never published)',
        `${AMI} amazon`,
      ],
    );
    assert.equal(
      m.ec2.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input.ImageIds),
      [['ami-0123456789abcdef0'], ['ami-00000000000000001'], [AMI]],
    );
    // Any other error is not "not found": it stops deploy with its cause.
    m.ec2
      .on(DescribeImagesCommand, { ImageIds: [AMI] })
      .rejects(Object.assign(new Error('denied'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }));
    await proveImages(m.aws, [{ imageId: AMI, where: [] }], []).then(
      () => assert.unreachable('an access error is not a refusal of the image'),
      (e: Error) => assert.is(e.name, 'UnauthorizedOperation'),
    );
  } finally {
    m.restore();
  }
});

// ---- deploy: the proof runs before anything is uploaded or a change set made or adopted.

const request = (more: Partial<DeployRequest> = {}): DeployRequest => deployRequest(OUT, work, more);

/**
 * A stack that exists, whose record is this output (nothing to upload), and whose change
 * set cannot be made: a deploy that gets past the image proof fails there, one refused by
 * it never gets there.
 */
function stackAsRecorded(m: ReturnType<typeof mockedAws>) {
  m.cfn.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), EnableTerminationProtection: true }],
  });
  m.s3.on(GetObjectCommand).resolves({ Body: body(readFileSync(join(OUT, 'assets.json'), 'utf8')) });
  m.s3.on(HeadObjectCommand).resolves({});
  m.s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  m.s3.on(PutObjectCommand).resolves({});
  m.cfn.on(CreateChangeSetCommand).rejects(Object.assign(new Error('stop here'), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } }));
}

async function deploy(m: ReturnType<typeof mockedAws>, more: Partial<DeployRequest> = {}) {
  let out = '';
  const report = await runDeploy(m.aws, request(more), { step: (t) => (out += `==> ${t}\n`), line: (t) => (out += `${t}\n`) });
  return { report, out };
}

const foreignImage = (m: ReturnType<typeof mockedAws>) =>
  m.ec2.on(DescribeImagesCommand).resolves({ Images: [image(AMI, { OwnerId: FOREIGN, ImageOwnerAlias: undefined, Name: 'golden-app-2026-11' })] });

I("deploy: Amazon's image is proven, and the deploy goes on to its change set", async () => {
  const m = mockedAws(fakeClock());
  try {
    stackAsRecorded(m);
    const { report, out } = await deploy(m);
    assert.equal(
      m.ec2.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input),
      [{ ImageIds: [AMI] }],
      'every image of the output is asked about, once',
    );
    assert.equal(
      report.images.map((i) => `${i.imageId} ${i.acceptedAs}`),
      [`${AMI} amazon`],
    );
    assert.match(
      out,
      `  image ${AMI} (al2023-ami-2023.9.20261120.0-kernel-6.1-x86_64): Amazon's (owner ${AMAZON_LINUX_OWNER}, alias amazon), in root.template.json: appLaunchTemplate, tenants/acme.template.json: tenantLaunchTemplate`,
    );
    assert.is(report.outcome, 'failed', out);
    assert.match(report.error!.step, /^Creating change set/);
  } finally {
    m.restore();
  }
});

I('deploy: an image of another owner is refused (exit 3) in one line naming it, its owner and what is accepted; nothing uploaded, no change set', async () => {
  const m = mockedAws(fakeClock());
  try {
    stackAsRecorded(m);
    foreignImage(m);
    const { report, out } = await deploy(m);
    assert.is(report.outcome, 'refused', out);
    assert.is(EXIT_OF[report.outcome], 3);
    assert.is(
      report.message,
      `refused: image ${AMI} (root.template.json: appLaunchTemplate, tenants/acme.template.json: tenantLaunchTemplate) is owned by ${FOREIGN}; deploy accepts Amazon Linux 2023 images owned by Amazon (named al2023-ami-…, owner alias amazon or the Amazon Linux account ${AMAZON_LINUX_OWNER}) or images of an account the deploy workflow names with --image-owner ACCOUNT, none deprecated. Nothing was uploaded or executed`,
    );
    assert.not.match(report.message, '\n');
    assert.equal(
      report.images.map((i) => i.ownerId),
      [FOREIGN],
    );
    assert.is(m.s3.commandCalls(PutObjectCommand).length, 0, 'nothing uploaded');
    assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0, 'no change set');
  } finally {
    m.restore();
  }
});

I('an image a whole fleet shares is refused in one line: the first places and how many more', () => {
  const where = Array.from({ length: 5000 }, (_, i) => `tenants/t${String(i).padStart(4, '0')}.template.json: tenantLaunchTemplate`);
  const judged = judgeImage({ imageId: AMI, where }, image(AMI, { OwnerId: FOREIGN, ImageOwnerAlias: undefined }), new Set(), Date.UTC(2026, 11, 1));
  const refusal = imageRefusal([judged], []);
  assert.ok(refusal);
  assert.ok(
    refusal.startsWith(`refused: image ${AMI} (${where.slice(0, PLACES_NAMED).join(', ')} and ${5000 - PLACES_NAMED} more) is owned by ${FOREIGN};`),
    refusal,
  );
  assert.not.match(refusal, where[PLACES_NAMED]!, 'the fourth place is counted, not named');
  assert.ok(refusal.length < 800, `${refusal.length} characters`);
});

I('deploy: an image EC2 does not find (deregistered, not shared, made up) is refused', async () => {
  const m = mockedAws(fakeClock());
  try {
    stackAsRecorded(m);
    m.ec2
      .on(DescribeImagesCommand)
      .rejects(Object.assign(new Error(`The image id '[${AMI}]' does not exist`), { name: 'InvalidAMIID.NotFound', $metadata: { httpStatusCode: 400 } }));
    const { report, out } = await deploy(m);
    assert.is(report.outcome, 'refused', out);
    assert.match(
      report.message,
      `refused: image ${AMI} (root.template.json: appLaunchTemplate, tenants/acme.template.json: tenantLaunchTemplate) is not found in this account and Region`,
    );
    assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0, 'no change set');
  } finally {
    m.restore();
  }
});

I('deploy: an owner the operator names with --image-owner passes; another named owner does not', async () => {
  const m = mockedAws(fakeClock());
  try {
    stackAsRecorded(m);
    foreignImage(m);
    const named = await deploy(m, { imageOwners: [FOREIGN] });
    assert.equal(
      named.report.images.map((i) => `${i.imageId} ${i.acceptedAs}`),
      [`${AMI} --image-owner`],
    );
    assert.match(named.out, `  image ${AMI} (golden-app-2026-11): owner ${FOREIGN}, named by --image-owner`);
    assert.match(named.report.error?.step ?? '', /^Creating change set/, named.out);
    const other = await deploy(m, { imageOwners: ['111122223333'] });
    assert.is(other.report.outcome, 'refused', other.out);
  } finally {
    m.restore();
  }
});

I('deploy --change-set: the images are proven before the change set is adopted', async () => {
  const m = mockedAws(fakeClock());
  try {
    stackAsRecorded(m);
    foreignImage(m);
    const { report, out } = await deploy(m, { changeSet: 'tenantc-20261127-110500' });
    assert.is(report.outcome, 'refused', out);
    assert.match(report.message, `is owned by ${FOREIGN}`);
    assert.is(m.cfn.commandCalls(DescribeChangeSetCommand).length, 0, 'the change set is not even read');
  } finally {
    m.restore();
  }
});

I('--image-owner takes account ids only: an alias (aws-marketplace, self) is a usage error', async () => {
  for (const owner of ['aws-marketplace', 'self', '12345']) {
    const r = await runMain(['deploy', '--out', OUT, '--stack', 'tessera', '--assets-bucket', 'b', '--image-owner', owner], work);
    assert.is(r.status, 2, `${owner}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, `--image-owner ${JSON.stringify(owner)}: an AWS account id (12 digits), not an alias`);
  }
});

I.run();
