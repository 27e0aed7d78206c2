// tenantc bootstrap and deploy against moto_server on loopback over TLS, with the patches
// of test/support/moto/tenantc_moto.py (each closes one gap between moto and
// CloudFormation; docs/deploy.md, "What the moto run proves"). The server is this test's
// own, on a free port, with a certificate made for the run, and stopped at the end; any
// gap it could not resolve fails the test.
//
// The shipped CLI (the built bundle, bin/tenantc.mjs, in a child process) runs where the
// process is the point: `ami --latest`, bootstrap, the first deploy, the prompt on a
// terminal and SIGINT. Every other deploy runs the same main in this process (runMain, as
// compile() does): a child spends about 1.3 s of CPU loading the AWS SDK before its first
// request, most of what this suite cost, and main's return value is the exit code
// bin/tenantc.mjs sets, so what those calls assert is unchanged.
import {
  CloudFormationClient,
  DeleteChangeSetCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetStackPolicyCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeImagesCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { DeleteObjectCommand, GetBucketPolicyCommand, GetBucketVersioningCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeployReport } from '../deploy/deploy.ts';
import { type LocalMoto, motoMissing, startMoto } from '../scripts/localMoto.ts';
import { builtCli, FIXTURES, ROOT, runCli, runMain, SAMPLE_TENANTS } from './helpers.ts';

const M = suite('deploy on moto');
// The SDK's Node.js 20 notice (README, "Two commands"), once per process: expected here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const BUCKET = 'tessera-assets';
const work = mkdtempSync(join(tmpdir(), 'tenantc-moto-'));
const tenants = join(work, 'tenants');
/**
 * The estate the run deploys: the sample's files (platform, lock and tenants, copied
 * unchanged) less the tenants whose stacks repeat another's shape (cyberdyne and soylent
 * are initech's, tyrell stark-industries', wayne-enterprises acme's). One of each kind
 * is left: a premium delegated zone (acme), premium external (globex) and platform
 * (hooli) tenants, standard platform (initech) and external (stark-industries) ones, a
 * suspended (umbrella) and an offboarded (vandelay) one. Each deploy makes moto create,
 * compare or walk every nested stack: fewer stacks, less of the suite's time. The sample
 * itself is deployed as shipped once (its refused first deploy).
 */
const ESTATE = join(FIXTURES, 'estates', 'moto');
/** The environment the CLI runs with: the SDK's standard variables, pointed at moto. */
let awsEnv: NodeJS.ProcessEnv = {};
let requestHandler: NodeHttpHandler;
/** Undoes what M.before set in this process for the in-process CLI (its environment and trust). */
let restoreProcess = () => {};

/**
 * The moto run is part of the suite: where moto_server is missing every test of it
 * fails with the way out, unless the run skips it on purpose (TENANTC_SKIP_MOTO=1, a
 * laptop without Python); then uvu counts the tests as skipped and `npm test` names the
 * skip in its summary line. An environment that requires moto (TENANTC_REQUIRE_MOTO,
 * set by .ci/run and the workflow) refuses the skip.
 */
const skipped = process.env.TENANTC_SKIP_MOTO === '1';
if (skipped && process.env.TENANTC_REQUIRE_MOTO)
  throw new Error('TENANTC_SKIP_MOTO=1 and TENANTC_REQUIRE_MOTO are both set: this environment requires the moto run, it cannot skip it');
const missing = skipped ? null : motoMissing();
if (skipped) console.log(`  [skipped] deploy on moto: TENANTC_SKIP_MOTO=1`);
let moto: LocalMoto | null = null;

/** A test of the moto run: skipped when the run says so, failing with the way out when moto is missing. */
function motoTest(name: string, fn: () => void | Promise<void>): void {
  if (skipped) return M.skip(name, fn);
  M(name, async () => {
    if (missing) assert.unreachable(`${missing}: install it (pip install 'moto[server]'), or set TENANTC_SKIP_MOTO=1 to skip this suite on purpose`);
    await fn();
  });
}

/** While this file exists the server answers DescribeStackEvents slowly (tenantc_moto.py): a rollout to interrupt. */
const SLOW_EVENTS = join(work, 'slow-events');

M.before(async () => {
  if (skipped || missing) return;
  process.env.TENANTC_MOTO_SLOW_EVENTS = SLOW_EVENTS;
  moto = await startMoto();
  delete process.env.TENANTC_MOTO_SLOW_EVENTS;
  const { AWS_PROFILE: _profile, ...rest } = process.env;
  awsEnv = { ...rest, ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  // keepAlive: the test's own requests (a few hundred) share connections instead of a TLS handshake each.
  requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(moto.caFile), keepAlive: true }) });
  restoreProcess = pointThisProcessAtMoto(moto);
  cpSync(ESTATE, tenants, { recursive: true });
  await pinImage(tenants);
  // A fresh estate: its delegated zone is new, so no customer can have delegated it yet
  // (deploy refuses a delegated tenant that says so: its stage cannot be issued).
  const acme = join(tenants, 'acme.yaml');
  writeFileSync(acme, readFileSync(acme, 'utf8').replace(/^ {2}validated: true.*\n/m, ''));
});

M.after(() => {
  restoreProcess();
  cfnClient?.destroy();
  requestHandler?.destroy();
  moto?.stop();
  rmSync(work, { recursive: true, force: true });
});

/**
 * The in-process CLI's AWS environment (the SDK reads process.env) and trust: Node reads
 * NODE_EXTRA_CA_CERTS only when a process starts, so the server's certificate is added
 * to every secure context made without a `ca` of its own, as that variable does for the
 * children. The suites that share this uvu process run after this one's M.after.
 */
function pointThisProcessAtMoto(server: LocalMoto): () => void {
  const { NODE_EXTRA_CA_CERTS: _ca, ...vars } = server.env;
  const saved = Object.fromEntries(['AWS_PROFILE', ...Object.keys(vars)].map((k) => [k, process.env[k]]));
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, vars);
  const pem = readFileSync(server.caFile, 'utf8');
  const original = tls.createSecureContext;
  tls.createSecureContext = (options) => {
    const context = original(options);
    if (!options?.ca) context.context.addCACert(pem);
    return context;
  };
  return () => {
    tls.createSecureContext = original;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** The CLI as a user runs it (the built bundle in a child process), with the AWS environment pointed at moto. */
const tenantc = (...args: string[]) => runCli(args, { cwd: work, env: awsEnv });

/**
 * app.ami pinned as an operator pins it: `tenantc ami --latest` reads moto's copy of the
 * public AL2023 parameter, whose image moto also holds as Amazon's (owner 137112412989,
 * alias amazon; moto/ec2/resources/latest_amis), so deploy's image proof
 * (deploy/imageProof.ts) passes on Amazon's own terms, not by naming moto's account.
 * The sample's pinned id is a real Region's, which moto does not know (deploy would
 * refuse it as not found); the parameter follows moto's release, a hard-coded id would not.
 */
async function pinImage(dir: string, inProcess = false): Promise<void> {
  const args = ['ami', '--latest', '--tenants', dir];
  const r = inProcess ? await runMain(args, work) : tenantc(...args);
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /ami-[0-9a-f]+, the current Amazon Linux 2023 image in us-east-1/);
}
const clientConfig = () => ({
  endpoint: awsEnv.AWS_ENDPOINT_URL,
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  requestHandler,
});

async function compile(): Promise<void> {
  const r = await runMain(['compile', '--tenants', tenants, '--out', join(work, 'out')]);
  assert.is(r.status, 0, r.stderr);
}

const DEPLOY = ['deploy', '--out', 'out', '--stack', 'tessera', '--assets-bucket', BUCKET, '--yes', '--json', '--poll-seconds', '0'];
type Deployed = { status: number | null; report: DeployReport; log: string };

function deployed(r: { status: number | null; stdout: string; stderr: string }): Deployed {
  assert.ok(r.stdout.trim().startsWith('{'), `${r.stdout}${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) as DeployReport, log: r.stderr };
}

/** A deploy by the CLI in this process. */
async function deploy(...extra: string[]): Promise<Deployed> {
  return deployed(await runMain([...DEPLOY, ...extra], work));
}

/** A deploy by the shipped CLI in a child process. */
function deployShipped(...extra: string[]): Deployed {
  return deployed(tenantc(...DEPLOY, ...extra));
}

let cfnClient: CloudFormationClient | undefined;
/** The test's own CloudFormation client, made once (not deploy's: that is the CLI's). */
const cfn = () => (cfnClient ??= new CloudFormationClient(clientConfig()));

/** Every stack of the estate (root and nested), with the logical ids moto created in it. */
async function deployedStacks(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const walk = async (stack: string, path: string) => {
    const r = await cfn().send(new DescribeStackResourcesCommand({ StackName: stack }));
    const resources = r.StackResources ?? [];
    out.set(path, resources.map((x) => x.LogicalResourceId!).sort());
    for (const x of resources)
      if (x.ResourceType === 'AWS::CloudFormation::Stack')
        await walk(x.PhysicalResourceId!, path === '' ? x.LogicalResourceId! : `${path}/${x.LogicalResourceId}`);
  };
  await walk('tessera', '');
  return out;
}

/** The domain stages of the compiled output. */
function compiledStages(): { tenant: string }[] {
  return (JSON.parse(readFileSync(join(work, 'out', 'assets.json'), 'utf8')) as { domains: { tenant: string }[] }).domains;
}

/** What the compiled output says each stack holds. */
function compiledStacks(): Map<string, string[]> {
  const manifest = JSON.parse(readFileSync(join(work, 'out', 'assets.json'), 'utf8')) as { root: { file: string }; nested: { file: string; stack: string }[] };
  const ids = (file: string) => Object.keys((JSON.parse(readFileSync(join(work, 'out', file), 'utf8')) as { Resources: object }).Resources).sort();
  return new Map([['', ids(manifest.root.file)], ...manifest.nested.map((t) => [t.stack, ids(t.file)] as [string, string[]])]);
}

motoTest('bootstrap creates the assets bucket stack once (versioned, TLS-only, templates undeletable)', async () => {
  const first = tenantc('bootstrap', '--assets-bucket', BUCKET, '--poll-seconds', '0');
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stdout, `Created tenantc-assets: deploy with --assets-bucket ${BUCKET}`);
  const again = await runMain(['bootstrap', '--assets-bucket', BUCKET, '--poll-seconds', '0'], work);
  assert.is(again.status, 0, again.stderr);
  assert.match(again.stdout, `tenantc-assets already holds bucket ${BUCKET}: nothing to do`);
  const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
  assert.is((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status, 'Enabled');
  const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!);
  assert.equal(
    policy.Statement.map((s: { Sid: string }) => s.Sid),
    ['DenyInsecureTransport', 'DenyDeletingTemplates', 'DenyOverwritingTemplates'],
  );
});

motoTest(
  'the sample as shipped: a first deploy refuses its validated delegated tenants (their new zones cannot be delegated yet) and leaves nothing',
  async () => {
    const shipped = join(work, 'shipped');
    cpSync(SAMPLE_TENANTS, shipped, { recursive: true });
    await pinImage(shipped, true);
    assert.is((await runMain(['compile', '--tenants', shipped, '--out', join(work, 'out-shipped')])).status, 0);
    const r = await deploy('--out', 'out-shipped');
    assert.is(r.status, 3, r.log);
    assert.equal(
      r.report.domainGate.map((g) => `${g.tenant} ${g.change}`),
      ['acme', 'globex', 'stark-industries', 'tyrell', 'wayne-enterprises'].map((t) => `${t} creates its stack`),
    );
    // The external ones' stages could be issued once approved (their records may exist); the new delegated zones' cannot.
    assert.match(r.report.message, 'refused: acme, wayne-enterprises say dns.validated');
    assert.match(r.report.message, 'a delegated zone this deploy creates cannot have been delegated yet');
    await cfn()
      .send(new DescribeStacksCommand({ StackName: 'tessera' }))
      .then(
        () => assert.unreachable('the empty stack of the refused CREATE change set is left'),
        (e: Error) => assert.match(e.message, 'does not exist'),
      );
  },
);

motoTest('first deploy: every stack and resource of the compiled estate exists, protected by termination protection and a stack policy', async () => {
  await compile();
  const { status, report, log } = deployShipped();
  assert.is(status, 0, log);
  assert.is(report.outcome, 'deployed', log);
  assert.is(report.changeSet?.type, 'CREATE');
  // The pinned AL2023 image, proven Amazon's by EC2 (moto's DescribeImages) before anything was uploaded.
  assert.equal(
    report.images.map((i) => `${i.ownerId} ${i.ownerAlias} ${i.acceptedAs}`),
    ['137112412989 amazon amazon'],
  );
  assert.is(
    report.uploads!.uploaded.length + report.uploads!.present,
    compiledStacks().size + compiledStages().length,
    'every template in the bucket (domain stages too; the refused deploy above uploaded some)',
  );
  const stacks = await deployedStacks();
  assert.equal(stacks, compiledStacks());
  // Domain stages: the external tenants' before the root, the new delegated zones' after
  // it (each in the zone its tenant stack made). moto issues a certificate at once, so
  // every stage reports issued; waiting stages are proven in test/domainStage.test.ts.
  assert.equal(
    report.domainStages.map((s) => `${s.tenant} ${s.status}`),
    ['acme issued', 'globex issued', 'stark-industries issued'],
    log,
  );
  assert.match(log, '==> Domain stages of 1 new delegated zone\n  acme: requested the certificate (stack tessera-domain-acme)');
  for (const id of ['acme', 'globex', 'stark-industries']) {
    const stage = (await cfn().send(new DescribeStacksCommand({ StackName: `tessera-domain-${id}` }))).Stacks![0]!;
    assert.ok(stage.StackStatus, `${id}'s domain stage exists`);
  }
  // Not ready: acme's stack holds its zone, and no certificate, rule or sign-in host yet.
  const acme = stacks.get('tenantGroup0Stack/tenantAcmeStack')!;
  assert.ok(acme.includes('tenantHostedZone'));
  for (const id of ['tenantCertificate', 'tenantListenerRule0', 'tenantUserPoolDomain']) assert.not.ok(acme.includes(id), id);
  assert.ok(acme.includes('tenantDistributionTenant'), "its assets host is the platform's: it does not wait");
  const root = (await cfn().send(new DescribeStacksCommand({ StackName: 'tessera' }))).Stacks![0]!;
  assert.is(root.EnableTerminationProtection, true);
  const policy = JSON.parse((await cfn().send(new GetStackPolicyCommand({ StackName: 'tessera' }))).StackPolicyBody!);
  assert.equal(
    policy.Statement.map((s: { Effect: string; Action: string }) => `${s.Effect} ${s.Action}`),
    ['Allow Update:*', 'Deny Update:Replace', 'Deny Update:Delete'],
  );
  // A template once uploaded stays: the next deploy counts on it.
  const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
  const key = report.uploads!.uploaded[0]!;
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => assert.unreachable('deleting a template was allowed'),
    (e: { $metadata?: { httpStatusCode?: number } }) => assert.is(e.$metadata?.httpStatusCode, 403),
  );
  // Its bytes are the ones its key names (moto 5.2 does not return the stored
  // ChecksumSHA256 on HeadObject, gap 14: deploy's proof reads the bytes there instead);
  // a conditional write over it is refused.
  const stored = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray();
  assert.is(createHash('sha256').update(stored).digest('hex'), /([0-9a-f]{64})/.exec(key)![1]!);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{}', IfNoneMatch: '*' })).then(
    () => assert.unreachable('a conditional write over a template was allowed'),
    (e: { $metadata?: { httpStatusCode?: number } }) => assert.is(e.$metadata?.httpStatusCode, 412),
  );
});

motoTest('adding a tenant: only the changed templates upload and only the changed nested stacks update', async () => {
  writeFileSync(
    join(tenants, 'initrode.yaml'),
    [
      'kind: Tenant',
      'id: initrode',
      'name: Initrode',
      'tier: standard',
      'status: active',
      'users: 50',
      'domains:',
      '  - initrode.tessera.app',
      'dns: { mode: platform }',
      'auth: { mfa: required }',
      'contacts: [{ role: owner, name: O, email: o@initrode.example }]',
      '',
    ].join('\n'),
  );
  await compile();
  const { status, report, log } = await deploy();
  assert.is(status, 0, log);
  assert.is(report.outcome, 'deployed', log);
  assert.is(report.uploads!.knownFrom, 'deployed-record');
  assert.is(report.uploads!.uploaded.length, 4, 'the new tenant, its group, its cache shard and the root');
  const changed = report.stacks.filter((s) => s.changes.length > 0).map((s) => s.path);
  assert.equal(changed, ['', 'cacheShard0Stack', 'tenantGroup0Stack', 'tenantGroup0Stack/tenantInitrodeStack']);
  assert.equal(
    report.stacks.find((s) => s.path === 'tenantGroup0Stack')!.changes.map((c) => `${c.action} ${c.logicalId}`),
    ['Add tenantInitrodeStack'],
  );
  assert.match(log, 'tenant initrode (tenantGroup0Stack/tenantInitrodeStack)');
  assert.equal(await deployedStacks(), compiledStacks());
});

motoTest('deploying again with nothing changed: no change set executes', async () => {
  const { status, report, log } = await deploy();
  assert.is(status, 0, log);
  assert.is(report.outcome, 'no-changes');
  assert.is(report.uploads!.uploaded.length, 0);
  assert.match(log, 'No changes: stack tessera already matches');
});

motoTest('a delegated tenant whose stage is issued is switched on (dns.validated): its certificate, rules and sign-in host attach', async () => {
  const file = join(tenants, 'acme.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(/^ {2}mode: delegated.*$/m, (line) => `${line}\n  validated: true`),
  );
  await compile();
  const { status, report, log } = await deploy();
  assert.is(status, 0, log);
  assert.is(report.outcome, 'deployed', log);
  assert.equal(report.domainGate, []);
  const stacks = await deployedStacks();
  const acme = stacks.get('tenantGroup0Stack/tenantAcmeStack')!;
  for (const id of ['tenantCertificate', 'tenantListenerRule0', 'tenantUserPoolDomain', 'tenantDistributionTenant']) assert.ok(acme.includes(id), id);
  assert.equal(stacks, compiledStacks());
});

motoTest('replacing the Aurora cluster (a create-only property changed) is refused, and nothing runs', async () => {
  const platform = join(tenants, 'platform.yaml');
  const original = readFileSync(platform, 'utf8');
  writeFileSync(platform, original.replace('databaseName: tessera', 'databaseName: tessera_main'));
  await compile();
  const refused = await deploy();
  assert.is(refused.status, 3);
  assert.is(refused.report.outcome, 'refused');
  assert.equal(
    refused.report.guard!.refused.map((f) => `${f.kind} ${f.logicalId}`),
    ['replace platformDatabaseCluster'],
  );
  assert.match(refused.log, /\[~\] platformDatabaseCluster\s+AWS::RDS::DBCluster\s+Replacement: True/);
  assert.match(refused.log, '--allow-replace estate:root/platformDatabaseCluster');
  writeFileSync(platform, original);
  await compile();
  assert.is((await deploy()).report.outcome, 'no-changes', 'the refused change set left nothing behind');
});

motoTest(
  'removing a tenant: refused while its deployed status is active; offboarded (vandelay), refused until --allow-remove names it, then it goes',
  async () => {
    // The shortcut of two pull requests merged before one deploy: initrode offboarded
    // (compiled, never deployed), then its file deleted. On a copy of the estate.
    const shortcut = join(work, 'shortcut');
    cpSync(tenants, shortcut, { recursive: true });
    const file = join(shortcut, 'initrode.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^status: active$/m, 'status: offboarded'));
    assert.is((await runMain(['compile', '--tenants', shortcut, '--out', join(work, 'out-shortcut')])).status, 0);
    rmSync(file);
    const compiled = await runMain(['compile', '--tenants', shortcut, '--out', join(work, 'out-shortcut')]);
    assert.is(compiled.status, 0, compiled.stderr);
    const early = await deploy('--out', 'out-shortcut', '--allow-remove', 'tenant:initrode');
    assert.is(early.status, 3, early.log);
    assert.equal(early.report.lifecycle, [{ tenant: 'initrode', deployedStatus: 'active', allowedBy: [] }]);
    assert.is(early.report.uploads, null, 'refused before anything is uploaded');
    assert.match(early.log, 'initrode: removed from the output, but its deployed status is active, not offboarded');
    rmSync(join(tenants, 'vandelay.yaml'));
    await compile();
    const refused = await deploy();
    assert.is(refused.status, 3);
    assert.is(refused.report.outcome, 'refused');
    assert.equal(refused.report.lifecycle, [], 'vandelay was deployed offboarded');
    assert.equal(
      refused.report.guard!.refused.map((f) => `${f.kind} tenant:${f.tenant} ${f.logicalId}`),
      ['remove tenant:vandelay tenantVandelayStack'],
    );
    assert.match(refused.log, '--allow-remove tenant:vandelay');
    assert.ok((await deployedStacks()).has('tenantGroup0Stack/tenantVandelayStack'), 'nothing ran');
    const allowed = await deploy('--allow-remove', 'tenant:vandelay');
    assert.is(allowed.report.outcome, 'deployed', allowed.log);
    const after = await deployedStacks();
    assert.not.ok(after.has('tenantGroup0Stack/tenantVandelayStack'));
    assert.equal(after, compiledStacks());
  },
);

motoTest('switching the app tier from NAT egress (the sample) to VPC endpoints only, and back: each mode deploys', async () => {
  const platform = join(tenants, 'platform.yaml');
  const internet = readFileSync(platform, 'utf8');
  const endpoints = internet.replace(/^ {2}appEgress: internet\n/m, '');
  assert.is.not(endpoints, internet, 'the sample declares appEgress: internet');
  const rootTypes = async () =>
    ((await cfn().send(new DescribeStackResourcesCommand({ StackName: 'tessera' }))).StackResources ?? []).map((r) => r.ResourceType);
  assert.is((await rootTypes()).filter((t) => t === 'AWS::EC2::NatGateway').length, 3, 'the sample deployed a NAT gateway per AZ');
  writeFileSync(platform, endpoints);
  await compile();
  const toEndpoints = await deploy();
  assert.is(toEndpoints.report.outcome, 'deployed', toEndpoints.log);
  assert.equal(await deployedStacks(), compiledStacks());
  const types = await rootTypes();
  assert.is(types.filter((t) => t === 'AWS::EC2::NatGateway').length, 0, 'no NAT gateway is left');
  assert.ok(types.filter((t) => t === 'AWS::EC2::VPCEndpoint').length > 2, 'interface endpoints replace the NAT route');
  writeFileSync(platform, internet);
  await compile();
  const back = await deploy();
  assert.is(back.report.outcome, 'deployed', back.log);
  assert.equal(await deployedStacks(), compiledStacks());
  assert.is((await rootTypes()).filter((t) => t === 'AWS::EC2::NatGateway').length, 3);
});

const bin = () => builtCli();
const deployArgs = ['deploy', '--out', 'out', '--stack', 'tessera', '--assets-bucket', BUCKET, '--poll-seconds', '0'];

async function renameInitrode(name: string): Promise<void> {
  const file = join(tenants, 'initrode.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: .*$/m, `name: ${name}`));
  await compile();
}

motoTest('--no-execute keeps the change set; --change-set executes exactly it, and refuses it once used or for another output', async () => {
  await renameInitrode('Initrode Reviewed');
  const reviewed = await deploy('--no-execute');
  assert.is(reviewed.status, 0, reviewed.log);
  assert.is(reviewed.report.outcome, 'reviewed');
  const name = reviewed.report.changeSet!.name;
  assert.match(reviewed.log, `--change-set ${name}`);
  // Another pull request lands first: the output changes, and the reviewed change set no longer matches it.
  const note = JSON.parse(readFileSync(join(work, '.tenantc', 'change-sets', 'tessera.json'), 'utf8'));
  assert.equal([note.changeSet.name, note.changeSet.id], [name, reviewed.report.changeSet!.id], 'the note binds the name to the id');
  await renameInitrode('Initrode Other');
  const foreign = await deploy('--change-set', name);
  assert.is(foreign.status, 3, foreign.log);
  assert.match(foreign.report.message, `change set ${name} was noted for the output with assets.json sha256:`);
  await renameInitrode('Initrode Reviewed');
  // Someone with write access to the bucket puts other bytes under a template the change
  // set runs (moto does not evaluate the bucket policy's If-None-Match condition: gap 12b).
  const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
  const initrode = (JSON.parse(readFileSync(join(work, 'out', 'assets.json'), 'utf8')) as { nested: { key: string; tenant?: string }[] }).nested.find(
    (t) => t.tenant === 'initrode',
  )!.key;
  const original = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: initrode }))).Body!.transformToString();
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: initrode, Body: `${original} ` }));
  const tampered = await deploy('--change-set', name);
  assert.is(tampered.status, 3, tampered.log);
  assert.match(tampered.report.message, `${initrode}`);
  assert.match(tampered.report.message, "not this output's bytes");
  await s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: initrode, Body: original, ChecksumSHA256: createHash('sha256').update(original).digest('base64') }),
  );
  const missingNote = await deploy('--change-set', name, '--note', 'no-such-note.json');
  assert.is(missingNote.status, 3, missingNote.log);
  assert.match(missingNote.report.message, 'no note no-such-note.json');
  const executed = await deploy('--change-set', name);
  assert.is(executed.status, 0, executed.log);
  assert.is(executed.report.outcome, 'deployed');
  assert.is(executed.report.changeSet!.name, name);
  assert.is(executed.report.uploads, null, 'nothing uploaded: the change set was made from uploaded templates');
  const again = await deploy('--change-set', name);
  assert.is(again.status, 3, again.log);
  assert.is(again.report.outcome, 'refused');
});

motoTest('the prompt on a terminal: "n" executes nothing (exit 4), "y" deploys', async () => {
  await renameInitrode('Initrode Prompted');
  const ask = (answer: string) =>
    spawnSync('python3', [join(ROOT, 'test', 'support', 'ptyAnswer.py'), answer, '[y/N]', process.execPath, bin(), ...deployArgs], {
      cwd: work,
      env: awsEnv,
      encoding: 'utf8',
    });
  const no = ask('n');
  assert.is(no.status, 4, no.stdout + no.stderr);
  assert.match(no.stdout, /Execute change set tenantc-\d{8}-\d{6} on tessera\? \[y\/N\]/);
  assert.match(no.stdout, 'not executed: the change set was deleted');
  assert.not.match(no.stdout, '==> Executing');
  const yes = ask('y');
  assert.is(yes.status, 0, yes.stdout + yes.stderr);
  assert.match(yes.stdout, '==> Executing change set');
  assert.match(yes.stdout, 'Deployed tessera');
  assert.is((await deploy()).report.outcome, 'no-changes', 'the "y" deployed the change');
});

motoTest(
  "SIGINT while executing: exit 130 with what still runs; a plain re-run finds no changes and restores termination protection, the new stack's policy and the record",
  async () => {
    await cfn().send(new UpdateTerminationProtectionCommand({ StackName: 'tessera', EnableTerminationProtection: false }));
    writeFileSync(
      join(tenants, 'oscorp.yaml'),
      readFileSync(join(tenants, 'initrode.yaml'), 'utf8')
        .replace(/initrode/g, 'oscorp')
        .replace(/^name: .*$/m, 'name: Oscorp'),
    );
    await compile();
    writeFileSync(SLOW_EVENTS, '');
    const child = spawn(process.execPath, [bin(), ...deployArgs, '--yes', '--json', '--poll-seconds', '1'], { cwd: work, env: awsEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const interrupted = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('==> Executing change set')) resolve();
      }),
    );
    // Inside the watch: its first events call answers after a second (the flag above).
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const status = await interrupted;
    rmSync(SLOW_EVENTS);
    assert.is(status, 130, stderr);
    const report = JSON.parse(stdout) as DeployReport;
    assert.is(report.outcome, 'interrupted', stderr);
    assert.ok(report.running.length > 0, 'what still runs is named');
    assert.match(stderr, 'still running:');
    assert.match(report.message, 'waits for it, then sets termination protection, the stack policies and the record');
    const oscorpPath = 'tenantGroup0Stack/tenantOscorpStack';
    const record = async () =>
      JSON.parse(
        await (
          await new S3Client({ ...clientConfig(), forcePathStyle: true }).send(
            new GetObjectCommand({ Bucket: BUCKET, Key: 'tenantc/deployed/tessera.assets.json' }),
          )
        ).Body!.transformToString(),
      ) as { manifest: { nested: { stack: string }[] } };
    assert.not.ok(
      (await record()).manifest.nested.some((n) => n.stack === oscorpPath),
      'the interrupted run did not record',
    );
    const rerun = await deploy();
    assert.is(rerun.status, 0, rerun.log);
    assert.is(rerun.report.outcome, 'no-changes', rerun.log);
    assert.equal(rerun.report.reconciled, { terminationProtection: true, policies: 2, recorded: true });
    assert.is((await cfn().send(new DescribeStacksCommand({ StackName: 'tessera' }))).Stacks![0]!.EnableTerminationProtection, true);
    const group = (await cfn().send(new DescribeStackResourceCommand({ StackName: 'tessera', LogicalResourceId: 'tenantGroup0Stack' }))).StackResourceDetail!
      .PhysicalResourceId!;
    const oscorp = (await cfn().send(new DescribeStackResourceCommand({ StackName: group, LogicalResourceId: 'tenantOscorpStack' }))).StackResourceDetail!
      .PhysicalResourceId!;
    const policy = (await cfn().send(new GetStackPolicyCommand({ StackName: oscorp }))).StackPolicyBody;
    assert.ok(policy && JSON.parse(policy).Statement.length === 3, 'the new stack has the strict policy');
    assert.ok(
      (await record()).manifest.nested.some((n) => n.stack === oscorpPath),
      'the record now says what the stack holds',
    );
  },
);

motoTest(
  "an image of the deploy's own account (not Amazon's) is refused before anything is uploaded; named with --image-owner it passes the proof",
  async () => {
    const ec2 = new EC2Client(clientConfig());
    const { ImageId } = await ec2.send(new RegisterImageCommand({ Name: 'golden-app-2026-11', RootDeviceName: '/dev/xvda' }));
    const owner = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!.OwnerId!;
    const platform = join(tenants, 'platform.yaml');
    const pinned = readFileSync(platform, 'utf8');
    try {
      writeFileSync(platform, pinned.replace(/^( {2}ami: )ami-[0-9a-f]+/m, `$1${ImageId}`));
      await compile();
      const refused = await deploy();
      assert.is(refused.status, 3, refused.log);
      assert.match(refused.report.message, `refused: image ${ImageId} (root.template.json: appLaunchTemplate`);
      assert.match(refused.report.message, `is owned by ${owner}; deploy accepts Amazon Linux 2023 images owned by Amazon`);
      assert.is(refused.report.uploads, null, 'nothing uploaded');
      assert.is(refused.report.changeSet, null, 'no change set');
      const named = await deploy('--image-owner', owner, '--no-execute');
      assert.is(named.status, 0, named.log);
      assert.is(named.report.outcome, 'reviewed', named.log);
      assert.equal(
        named.report.images.map((i) => `${i.imageId} ${i.ownerId} ${i.acceptedAs}`),
        [`${ImageId} ${owner} --image-owner`],
      );
      await cfn().send(new DeleteChangeSetCommand({ StackName: 'tessera', ChangeSetName: named.report.changeSet!.name }));
    } finally {
      writeFileSync(platform, pinned);
      await compile();
    }
  },
);

motoTest('the server met no gap the patches do not close', () => {
  assert.not.match(moto!.output(), 'TENANTC-MOTO-GAP:', 'moto left a value unresolved');
  assert.not.match(moto!.output(), 'Traceback', 'moto raised');
});

M.run();
