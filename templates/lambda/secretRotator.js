// Rotation Lambda of every tenant's application-credentials secret
// (/<platform>/tenants/<id>/app-credentials, {"tenant": "<id>", "signingKey": "..."}).
// Secrets Manager calls it four times per rotation, each with the secret's ARN, the
// new version's token and the step:
//   createSecret  puts a new version, staged AWSPENDING: the same tenant, a new
//                 signingKey (48 letters and digits, as the template first generated);
//   setSecret     nothing: no other system holds the key, applications read it from
//                 Secrets Manager (and accept AWSPREVIOUS while their caches turn over);
//   testSecret    the pending version is well formed, names the same tenant as the
//                 secret's own name, and its key is new;
//   finishSecret  moves AWSCURRENT to the new version (AWSPREVIOUS follows the old).
// Every step can be retried: a step already done does nothing the second time.
// It touches only this estate's tenant app-credentials secrets (SECRET_PREFIX, and its
// role's policy), and never writes one tenant's name into another's secret.
// CommonJS: CloudFormation stores inline code as index.js; the SDK client ships with
// the Lambda Node.js runtime.
'use strict';
const { randomInt } = require('node:crypto');
const {
  SecretsManagerClient,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} = require('@aws-sdk/client-secrets-manager');

const sm = new SecretsManagerClient({});
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_LENGTH = 48;
const KEY = /^[A-Za-z0-9]{48}$/;
const ID = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

/** A new signing key: each character drawn uniformly (randomInt rejects biased draws). */
function newKey() {
  let key = '';
  for (let i = 0; i < KEY_LENGTH; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}

/** The tenant a secret belongs to, read from its name, or an error for any other secret. */
function tenantOf(name) {
  const prefix = process.env.SECRET_PREFIX;
  const rest = typeof name === 'string' && prefix && name.startsWith(prefix) ? name.slice(prefix.length).split('/') : [];
  // <id>/app-credentials, or <id>/r<n>/app-credentials once the tenant was brought back.
  const ok = rest.length >= 2 && rest.length <= 3 && rest[rest.length - 1] === 'app-credentials' && ID.test(rest[0]) && (rest.length === 2 || /^r[0-9]+$/.test(rest[1]));
  if (!ok) throw new Error(`${name} is not a tenant app-credentials secret of this estate`);
  return rest[0];
}

function parse(value, what) {
  let v;
  try {
    v = JSON.parse(value);
  } catch {
    throw new Error(`${what} is not JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} is not a JSON object`);
  return v;
}

const isNotFound = (e) => e && (e.name === 'ResourceNotFoundException' || e.Code === 'ResourceNotFoundException');

async function createSecret(arn, token, tenant) {
  try {
    await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' }));
    return 'pending version already created';
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const current = parse((await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }))).SecretString, 'the current version');
  if (current.tenant !== tenant) throw new Error(`the current version names tenant ${JSON.stringify(current.tenant)}, the secret's name ${tenant}`);
  const next = { ...current, tenant, signingKey: newKey() };
  await sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: JSON.stringify(next), VersionStages: ['AWSPENDING'] }));
  return 'pending version created';
}

async function testSecret(arn, token, tenant) {
  const pending = parse(
    (await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' }))).SecretString,
    'the pending version',
  );
  const current = parse((await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }))).SecretString, 'the current version');
  if (pending.tenant !== tenant) throw new Error(`the pending version names tenant ${JSON.stringify(pending.tenant)}, the secret's name ${tenant}`);
  if (typeof pending.signingKey !== 'string' || !KEY.test(pending.signingKey)) throw new Error('the pending signingKey is not 48 letters and digits');
  if (pending.signingKey === current.signingKey) throw new Error('the pending signingKey is the current one');
  return 'pending version tested';
}

async function finishSecret(arn, token, stages) {
  const current = Object.keys(stages).find((v) => stages[v].includes('AWSCURRENT'));
  if (current === token) return 'already current';
  await sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }));
  return 'new version made current';
}

exports.handler = async function handler(event) {
  const { SecretId: arn, ClientRequestToken: token, Step: step } = event ?? {};
  const meta = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
  const tenant = tenantOf(meta.Name);
  if (!meta.RotationEnabled) throw new Error(`${meta.Name}: rotation is not enabled`);
  const stages = meta.VersionIdsToStages ?? {};
  if (!stages[token]) throw new Error(`${meta.Name}: version ${token} has no stage: not a rotation of this secret`);
  if (stages[token].includes('AWSCURRENT')) {
    console.log(`${meta.Name}: version ${token} is already AWSCURRENT (${step})`);
    return;
  }
  if (!stages[token].includes('AWSPENDING')) throw new Error(`${meta.Name}: version ${token} is not AWSPENDING`);
  let outcome;
  if (step === 'createSecret') outcome = await createSecret(arn, token, tenant);
  else if (step === 'setSecret') outcome = 'nothing to set: applications read the key from Secrets Manager';
  else if (step === 'testSecret') outcome = await testSecret(arn, token, tenant);
  else if (step === 'finishSecret') outcome = await finishSecret(arn, token, stages);
  else throw new Error(`unknown step ${JSON.stringify(step)}`);
  console.log(`${meta.Name}: ${step}: ${outcome}`);
};
