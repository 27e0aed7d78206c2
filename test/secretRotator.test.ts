// The rotation Lambda of tenant secrets (templates/lambda/secretRotator.js, inlined into
// the root template), run against an in-memory Secrets Manager that keeps versions and
// their stages as the service does: a rotation starts with a version staged AWSPENDING
// and no value, and moving AWSCURRENT hands AWSPREVIOUS to the version it leaves.
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers.ts';

interface Version {
  value?: string;
  stages: Set<string>;
}
interface FakeSecret {
  name: string;
  rotationEnabled: boolean;
  versions: Map<string, Version>;
}

const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:/tessera/tenants/acme/app-credentials-AbCdEf';
const OLD_KEY = 'x'.repeat(48);
let secret: FakeSecret;
const calls: string[] = [];

const notFound = () => Object.assign(new Error('Secrets Manager can not find the specified secret value'), { name: 'ResourceNotFoundException' });

/** Moves `stage` to `to` (from wherever it was); AWSCURRENT leaves AWSPREVIOUS behind, as the service does. */
function moveStage(stage: string, to: string) {
  for (const [id, v] of secret.versions) {
    if (id !== to && v.stages.delete(stage) && stage === 'AWSCURRENT') {
      for (const w of secret.versions.values()) w.stages.delete('AWSPREVIOUS');
      v.stages.add('AWSPREVIOUS');
    }
  }
  secret.versions.get(to)!.stages.add(stage);
}

const commands: Record<string, (input: Record<string, unknown>) => unknown> = {
  DescribeSecretCommand: () => ({
    Name: secret.name,
    RotationEnabled: secret.rotationEnabled,
    VersionIdsToStages: Object.fromEntries([...secret.versions].filter(([, v]) => v.stages.size).map(([id, v]) => [id, [...v.stages]])),
  }),
  GetSecretValueCommand: ({ VersionId, VersionStage }) => {
    const match = [...secret.versions].find(([id, v]) => (!VersionId || id === VersionId) && (!VersionStage || v.stages.has(VersionStage as string)));
    if (!match || match[1].value === undefined) throw notFound();
    return { VersionId: match[0], SecretString: match[1].value };
  },
  PutSecretValueCommand: ({ ClientRequestToken, SecretString, VersionStages }) => {
    const id = ClientRequestToken as string;
    const v = secret.versions.get(id) ?? { stages: new Set<string>() };
    if (v.value !== undefined && v.value !== SecretString) throw new Error('ResourceExistsException: a version with this token has another value');
    v.value = SecretString as string;
    secret.versions.set(id, v);
    for (const s of VersionStages as string[]) moveStage(s, id);
    return {};
  },
  UpdateSecretVersionStageCommand: ({ VersionStage, MoveToVersionId, RemoveFromVersionId }) => {
    if (!secret.versions.get(RemoveFromVersionId as string)?.stages.has(VersionStage as string))
      throw new Error('InvalidParameterException: RemoveFromVersionId does not hold the stage');
    moveStage(VersionStage as string, MoveToVersionId as string);
    return {};
  },
};

function loadHandler(prefix = '/tessera/tenants/'): (event: object) => Promise<void> {
  process.env.SECRET_PREFIX = prefix;
  const code = readFileSync(join(ROOT, 'templates', 'lambda', 'secretRotator.js'), 'utf8');
  const sdk: Record<string, unknown> = {
    SecretsManagerClient: class {
      async send(cmd: { name: string; input: Record<string, unknown> }) {
        calls.push(cmd.name);
        return commands[cmd.name]!(cmd.input);
      }
    },
  };
  for (const name of Object.keys(commands)) {
    sdk[name] = class {
      name = name;
      constructor(public input: Record<string, unknown>) {}
    };
  }
  const fakes: Record<string, unknown> = { '@aws-sdk/client-secrets-manager': sdk, 'node:crypto': crypto };
  const module = { exports: {} as { handler?: (e: object) => Promise<void> } };
  new Function('require', 'exports', 'module', code)((name: string) => fakes[name], module.exports, module);
  return module.exports.handler!;
}

/** What Secrets Manager does when a rotation starts: a new version, staged AWSPENDING, with no value yet. */
function startRotation(token: string) {
  secret.versions.set(token, { stages: new Set(['AWSPENDING']) });
}
const valueOf = (stage: string) => JSON.parse([...secret.versions.values()].find((v) => v.stages.has(stage))!.value!) as Record<string, string>;
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const step = (Step: string, ClientRequestToken = 'v2') => ({ SecretId: ARN, ClientRequestToken, Step });

/** The promise rejects with a message matching `pattern`. */
async function rejects(p: Promise<unknown>, pattern: RegExp, what = String(pattern)): Promise<void> {
  const outcome = await p.then(
    () => null,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  assert.ok(outcome !== null, `${what}: resolved, expected a refusal`);
  assert.match(outcome!, pattern, what);
}

const S = suite('secret rotation Lambda');
const logged: string[] = [];
const consoleLog = console.log;
S.before.each(() => {
  secret = {
    name: '/tessera/tenants/acme/app-credentials',
    rotationEnabled: true,
    versions: new Map([['v1', { value: JSON.stringify({ tenant: 'acme', signingKey: OLD_KEY }), stages: new Set(['AWSCURRENT']) }]]),
  };
  calls.length = 0;
  logged.length = 0;
  console.log = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
});
S.after.each(() => {
  console.log = consoleLog;
});

S('the four steps regenerate the signing key: new version current, the old one previous, the tenant kept', async () => {
  const handler = loadHandler();
  startRotation('v2');
  for (const s of STEPS) await handler(step(s));
  const current = valueOf('AWSCURRENT');
  assert.is(current.tenant, 'acme');
  assert.match(current.signingKey!, /^[A-Za-z0-9]{48}$/);
  assert.is.not(current.signingKey, OLD_KEY);
  assert.is(valueOf('AWSPREVIOUS').signingKey, OLD_KEY, 'applications still verifying with the old key find it as AWSPREVIOUS');
  // (AWSPENDING is the service's to take off once the rotation completes.)
  assert.ok(secret.versions.get('v2')!.stages.has('AWSCURRENT'));
  assert.equal([...secret.versions.get('v1')!.stages], ['AWSPREVIOUS']);
  assert.match(logged.join('\n'), 'setSecret: nothing to set');
});

S('every step can be retried: the second run of each changes nothing', async () => {
  const handler = loadHandler();
  startRotation('v2');
  await handler(step('createSecret'));
  const created = secret.versions.get('v2')!.value;
  await handler(step('createSecret'));
  assert.is(secret.versions.get('v2')!.value, created, 'one pending value, not two');
  await handler(step('testSecret'));
  await handler(step('finishSecret'));
  const puts = calls.filter((c) => c === 'PutSecretValueCommand').length;
  const moves = calls.filter((c) => c === 'UpdateSecretVersionStageCommand').length;
  for (const s of STEPS) await handler(step(s));
  assert.is(calls.filter((c) => c === 'PutSecretValueCommand').length, puts);
  assert.is(calls.filter((c) => c === 'UpdateSecretVersionStageCommand').length, moves);
  assert.is(valueOf('AWSPREVIOUS').signingKey, OLD_KEY);
});

S('two rotations give two different keys, drawn from all 62 letters and digits', async () => {
  const handler = loadHandler();
  const keys = new Set<string>();
  for (const token of ['v2', 'v3', 'v4']) {
    startRotation(token);
    for (const s of STEPS) await handler(step(s, token));
    keys.add(valueOf('AWSCURRENT').signingKey!);
  }
  assert.is(keys.size, 3);
  const chars = new Set([...keys].join(''));
  assert.ok(chars.size > 40, `${chars.size} distinct characters in 144`);
});

S("a secret that is not a tenant's app credentials of this estate is refused before anything is read", async () => {
  for (const name of [
    '/tessera/tenants/acme/oidc-client-secret',
    '/tessera-eu/tenants/acme/app-credentials',
    '/tessera/platform/app-credentials',
    '/tessera/tenants/../platform/app-credentials',
    '/tessera/tenants/acme/x/y/app-credentials',
  ]) {
    secret.name = name;
    startRotation('v2');
    calls.length = 0;
    await rejects(loadHandler()(step('createSecret')), /is not a tenant app-credentials secret of this estate/, name);
    assert.equal(calls, ['DescribeSecretCommand'], `${name}: nothing but its description read`);
  }
  // A restored tenant's secret (incarnation 2) is one.
  secret.name = '/tessera/tenants/acme/r2/app-credentials';
  await loadHandler()(step('createSecret'));
  assert.is(JSON.parse(secret.versions.get('v2')!.value!).tenant, 'acme');
});

S('a current version naming another tenant is never carried into the new one (nor a pending one past its test)', async () => {
  secret.versions.get('v1')!.value = JSON.stringify({ tenant: 'globex', signingKey: OLD_KEY });
  startRotation('v2');
  await rejects(loadHandler()(step('createSecret')), /names tenant "globex", the secret's name acme/);
  assert.is(secret.versions.get('v2')!.value, undefined, 'nothing written');

  secret.versions.get('v1')!.value = JSON.stringify({ tenant: 'acme', signingKey: OLD_KEY });
  secret.versions.get('v2')!.value = JSON.stringify({ tenant: 'globex', signingKey: 'y'.repeat(48) });
  await rejects(loadHandler()(step('testSecret')), /pending version names tenant "globex"/);
  secret.versions.get('v2')!.value = JSON.stringify({ tenant: 'acme', signingKey: OLD_KEY });
  await rejects(loadHandler()(step('testSecret')), /is the current one/);
  secret.versions.get('v2')!.value = JSON.stringify({ tenant: 'acme', signingKey: 'short' });
  await rejects(loadHandler()(step('testSecret')), /not 48 letters and digits/);
  secret.versions.get('v2')!.value = 'not json';
  await rejects(loadHandler()(step('testSecret')), /not JSON/);
  assert.equal([...secret.versions.get('v1')!.stages], ['AWSCURRENT'], 'the current version stays current');
});

S("a version that is not this rotation's pending one, rotation switched off, or an unknown step is refused", async () => {
  await rejects(loadHandler()(step('createSecret', 'v9')), /has no stage/);
  secret.versions.set('v5', { value: JSON.stringify({ tenant: 'acme', signingKey: 'z'.repeat(48) }), stages: new Set(['AWSPREVIOUS']) });
  await rejects(loadHandler()(step('finishSecret', 'v5')), /is not AWSPENDING/);
  startRotation('v2');
  await rejects(loadHandler()(step('rollback')), /unknown step/);
  secret.rotationEnabled = false;
  await rejects(loadHandler()(step('createSecret')), /rotation is not enabled/);
  // The current version itself: a late retry after finishSecret, nothing to do.
  secret.rotationEnabled = true;
  calls.length = 0;
  await loadHandler()(step('finishSecret', 'v1'));
  assert.equal(calls, ['DescribeSecretCommand']);
});

S.run();
