// Defence in depth against the pull-request author (issue 18, item 2). The string
// grammar (test/grammar.test.ts) is the first wall; behind it:
//   - manifest values reach templates only through templateText, which refuses what
//     the grammar refuses, and only four writers read their raw text;
//   - E701 fails the compile on any dynamic reference tenantc does not write itself,
//     proven here by mutation: the function bypassed (the raw value injected where it
//     would have placed it), the schema's grammar gone (an identifier planned unchecked);
//   - the handover files keep every value on one line and every command's value one
//     shell word, with values that never met the grammar.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { federationHandover } from '../compiler/emit/cfn/tenant/auth.ts';
import { dnsInstructions } from '../compiler/emit/cfn/tenant/dns.ts';
import { emitEstate } from '../compiler/emit/emitEstate.ts';
import { shellQuote } from '../compiler/emit/render.ts';
import { handoverText } from '../compiler/emit/handover.ts';
import type { EstatePlan } from '../compiler/plan/model.ts';
import { ManifestText, reportText } from '../compiler/plan/manifestText.ts';
import { checkEstate, compileSources } from '../compiler/pipeline.ts';
import { ReviewGate } from '../compiler/review/gate.ts';
import { SECURITY_RULES } from '../compiler/review/index.ts';
import { reviewDiagnostics } from '../compiler/review/report.ts';
import type { Template } from '../compiler/review/rule.ts';
import { noForeignDynamicReference, OWN_DYNAMIC_REFERENCES } from '../compiler/review/rules/noForeignDynamicReference.ts';
import { safePrompt, terminalSafe } from '../cli/terminal.ts';
import { compiledSide, diffEstate } from '../compiler/diff/diffEstate.ts';
import { evaluateGate } from '../compiler/diff/failOn.ts';
import { inThreadDiffer } from '../compiler/diff/inThreadDiffer.ts';
import { platformCauses } from '../compiler/diff/attribution.ts';
import { renderMarkdown } from '../compiler/diff/render.ts';
import { renderStatusHtml } from '../compiler/status/renderHtml.ts';
import { SHIPPED_PRICES, SHIPPED_PRICES_FILE } from '../compiler/status/prices.ts';
import { estateStatus } from '../compiler/status/status.ts';
import { compiledFrom, inTempDir, loadedFrom, rawFilesFrom, ROOT, runMain, SAMPLE_TENANTS } from './helpers.ts';
import { planUnvalidated } from './support/unvalidated.ts';

// ---------------------------------------------------------------------------------
const E = suite('E701 dynamic references');

const verdicts = (template: object, name = 'tenants/acme.template.json') =>
  noForeignDynamicReference.check(template as Template, name, new Map()).map((f) => `${f.resource}:${f.compliant ? 'ok' : 'bad'}: ${f.message}`);
const provider = (secret: string) => ({
  Type: 'AWS::Cognito::UserPoolIdentityProvider',
  Properties: { ProviderDetails: { client_id: 'x', client_secret: secret } },
});

E('its own reference, where tenantc writes it and naming the template tenant, is compliant; anything else is not', () => {
  assert.equal(
    verdicts({
      Resources: {
        tenantIdentityProvider: provider('{{resolve:secretsmanager:/tessera/tenants/acme/oidc-client-secret}}'),
        tenantLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/tessera/tenants/acme' } },
      },
    }),
    ["tenantIdentityProvider:ok: Properties.ProviderDetails.client_secret: its tenant's own OIDC client secret"],
  );
  const bad = (resources: object, name?: string) => verdicts({ Resources: resources }, name);
  // The allowed path, another tenant's secret.
  assert.equal(bad({ tenantIdentityProvider: provider('{{resolve:secretsmanager:/tessera/tenants/globex/oidc-client-secret}}') }), [
    'tenantIdentityProvider:bad: Properties.ProviderDetails.client_secret holds the dynamic reference "{{resolve:secretsmanager:/tessera/tenants/globex/oidc-client-secret}}", which tenantc does not write there',
  ]);
  // The allowed value, in another template (a group's), resource or property.
  assert.equal(
    bad({ tenantIdentityProvider: provider('{{resolve:secretsmanager:/tessera/tenants/acme/oidc-client-secret}}') }, 'groups/group-0.template.json').length,
    1,
  );
  assert.match(bad({ otherProvider: provider('{{resolve:secretsmanager:/tessera/tenants/acme/oidc-client-secret}}') })[0]!, /^otherProvider:bad:/);
  assert.match(
    bad({
      tenantIdentityProvider: {
        Type: 'AWS::Cognito::UserPoolIdentityProvider',
        Properties: { ProviderDetails: { client_id: '{{resolve:secretsmanager:/tessera/tenants/acme/oidc-client-secret}}' } },
      },
    })[0]!,
    /^tenantIdentityProvider:bad: Properties\.ProviderDetails\.client_id holds/,
  );
  // Appended to its own reference, a second one.
  assert.match(bad({ tenantIdentityProvider: provider('{{resolve:secretsmanager:/tessera/tenants/acme/oidc-client-secret}}{{resolve:ssm:/x}}') })[0]!, /:bad:/);
});

E('a dynamic reference anywhere is found: nested values, keys, intrinsics, outputs, parameters, metadata, any spelling', () => {
  const ref = '{{resolve:ssm:/tessera/tenants/globex/domains}}';
  assert.equal(
    verdicts({
      Description: `estate ${ref}`,
      Metadata: { note: ref },
      Parameters: { P: { Type: 'String', Default: ref } },
      Resources: {
        registration: { Type: 'Custom::TenantRegistration', Properties: { Name: `Acme ${ref}` } },
        pool: { Type: 'AWS::Cognito::UserPool', Properties: { UserPoolTags: { [ref]: 'x' } } },
        policy: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Resource: { 'Fn::Sub': ['arn:${X}', { X: ref }] } }] } } },
        lenient: { Type: 'AWS::SSM::Parameter', Properties: { Value: '{{ RESOLVE :ssm:/x}}' } },
        clean: { Type: 'AWS::SSM::Parameter', Properties: { Value: '{{tenantId}} ${AWS::Region}' } },
      },
      Outputs: { O: { Value: { 'Fn::Join': ['', ['a', ref]] } } },
    }).map((v) => v.slice(0, v.indexOf(' holds'))),
    [
      'Description:bad: Description',
      'Metadata:bad: Metadata.note',
      'Parameters.P:bad: Default',
      'registration:bad: Properties.Name',
      `pool:bad: Properties.UserPoolTags[${JSON.stringify(ref)}]`,
      'policy:bad: Properties.PolicyDocument.Statement[0].Resource.Fn::Sub[1].X',
      'lenient:bad: Properties.Value',
      'Outputs.O:bad: Value.Fn::Join[1][1]',
    ],
  );
});

E('the sample estate holds exactly the references the allow-list names, and every entry is used', () => {
  const r = compiledFrom(SAMPLE_TENANTS);
  const findings = r.files
    .filter((f) => f.path.endsWith('.template.json'))
    .flatMap((f) => noForeignDynamicReference.check(JSON.parse(f.content) as Template, f.path, new Map()));
  assert.equal(
    findings.map((f) => `${f.template} ${f.resource} ${f.compliant}`),
    ['tenants/globex.template.json tenantIdentityProvider true'],
  );
  assert.is(OWN_DYNAMIC_REFERENCES.length, 1, 'an allow-list entry no estate uses: add a fixture tenant that uses it, or drop it');
});

E('no suppression can accept E701: one that names it is an error, and the finding still fails', () => {
  const plan = compiledFrom(SAMPLE_TENANTS).plan;
  const suppression = { index: 0, rule: 'E701', template: '*', resource: '*', reason: 'An attacker switching the check off (SEC-0).' };
  const gate = new ReviewGate(SECURITY_RULES, [suppression]);
  emitEstate(plan, (path, t) => gate.review(path, injectAt(path, t, 'tenants/acme.template.json', 'tenantRegistration', ['Properties', 'Name'])));
  const result = gate.result();
  assert.equal(
    result.violations.map((v) => `${v.rule} ${v.template} ${v.resource}`),
    ['E701 tenants/acme.template.json tenantRegistration'],
  );
  assert.equal(result.unused, [suppression]);
  assert.is(noForeignDynamicReference.suppressible, false);
  // As compile reports it, at the suppression.
  const r = inTempDir((dir) => {
    cpSync(SAMPLE_TENANTS, dir, { recursive: true });
    appendFileSync(
      join(dir, 'platform.yaml'),
      'review:\n  suppressions:\n    - { rule: E701, template: tenants/*.template.json, resource: "*", reason: "Switching the last wall off, quietly." }\n',
    );
    return compileSources('tenants', loadedFrom(dir));
  });
  assert.is(r.ok, false);
  if (r.ok) return;
  // The appended suppression's line: the sample's length plus two (review:, suppressions:).
  const line = readFileSync(join(SAMPLE_TENANTS, 'platform.yaml'), 'utf8').split('\n').length + 2;
  assert.equal(r.diagnostics.map(formatDiagnostic), [
    `tenants/platform.yaml:${line}:7: review.suppressions[0] names E701, which no suppression can accept (No dynamic reference tenantc does not write itself): remove it`,
  ]);
});

E.run();

// ---------------------------------------------------------------------------------
const M = suite('mutations: templateText bypassed, the grammar removed');

const STOLEN = '{{resolve:secretsmanager:/tessera/tenants/globex/app-credentials:SecretString:signingKey}}';

/** Sets `value` at `path` in resource `resource` of the template at `target` (a mutation of the emitted template). */
function injectAt(path: string, template: object, target: string, resource: string, at: readonly (string | number)[], value = STOLEN): Template {
  if (path !== target) return template as Template;
  // The template as written (JSON): emitters share one tags list among resources, and the mutation is of one property.
  const copy = JSON.parse(JSON.stringify(template)) as Template;
  let node = copy.Resources[resource] as unknown as Record<string | number, unknown>;
  assert.ok(node, `${target} has no ${resource}`);
  for (const seg of at.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[at.at(-1)!] = value;
  return copy;
}

/** compile's emit → gate → diagnostics, with `mutate` applied to each template as it is emitted. */
function compileMutated(mutate: (path: string, template: object) => Template) {
  const checked = checkEstate('tenants', loadedFrom(SAMPLE_TENANTS));
  if (!checked.ok) throw new Error(checked.diagnostics.map(formatDiagnostic).join('\n'));
  const gate = new ReviewGate(SECURITY_RULES, checked.plan.platform.suppressions);
  emitEstate(checked.plan, (path, t) => gate.review(path, mutate(path, t)));
  return reviewDiagnostics(checked.estate, gate.result(), SECURITY_RULES);
}

M('with templateText bypassed, each place a manifest value reaches fails the compile at its manifest, naming template, resource and property', () => {
  const cases: [string, string, (string | number)[], string][] = [
    // [template, resource, property path, what bypassing templateText there stands for]
    ['tenants/acme.template.json', 'tenantRegistration', ['Properties', 'Name'], 'the tenant name in its registration (the registry item, the Lambda)'],
    ['tenants/globex.template.json', 'tenantIdentityProvider', ['Properties', 'ProviderDetails', 'client_id'], 'the OIDC client id'],
    [
      'tenants/globex.template.json',
      'tenantIdentityProvider',
      ['Properties', 'ProviderDetails', 'client_secret'],
      "the client secret naming another tenant's secret",
    ],
    ['tenants/acme.template.json', 'tenantIdentityProvider', ['Properties', 'ProviderDetails', 'MetadataURL'], 'the SAML metadata URL'],
    ['tenants/acme.template.json', 'tenantLogGroup', ['Properties', 'Tags', 0, 'Value'], 'a platform tag value'],
    ['tenants/acme.template.json', 'tenantUserPool', ['Properties', 'UserPoolTags', 'platform'], 'a tag of the user pool'],
    ['tenants/acme.template.json', 'tenantDomainsParameter', ['Properties', 'Value'], 'an SSM parameter value'],
    [
      'tenants/acme.template.json',
      'tenantAccessPolicy',
      ['Properties', 'PolicyDocument', 'Statement', 4, 'Resource', 0, 'Fn::Sub', 1, 'Resource'],
      'a Sub variable',
    ],
    ['root.template.json', 'platformAlarmEmailSubscription', ['Properties', 'Endpoint'], 'the alarm email'],
    ['domains/acme.template.json', 'domainStageCertificate', ['Properties', 'Tags', 0, 'Value'], 'a tag in a domain stage'],
    ['root.template.json', 'secretRotationLogGroup', ['Properties', 'Tags', 0, 'Value'], "a tag of the secret rotation Lambda's log group"],
    ['shards/cache-0.template.json', 'endpointParameter', ['Properties', 'Tags', 'platform'], "a tag of a shared cache's endpoint parameter"],
  ];
  for (const [template, resource, at, what] of cases) {
    const diagnostics = compileMutated((path, t) => injectAt(path, t, template, resource, at, STOLEN));
    const manifest = template.startsWith('tenants/') ? template.replace(/\.template\.json$/, '.yaml') : 'platform.yaml';
    assert.equal(
      diagnostics.map((d) => `${d.file} ${d.code} ${d.message.slice(0, d.message.indexOf(' holds'))}`),
      [
        `tenants/${template.startsWith('tenants/') ? manifest.slice('tenants/'.length) : manifest} security-rule E701 No dynamic reference tenantc does not write itself: ${template} ${resource}: ${at.slice(0, 1).join('')}${at
          .slice(1)
          .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
          .join('')}`,
      ],
      what,
    );
  }
});

M('without the mutation the same compile passes (the failures above are the injections)', () => {
  assert.equal(
    compileMutated((_, t) => t as Template),
    [],
  );
});

M('the function itself refuses: a hostile name planned past validation stops emit before any template is written', () => {
  const raw = rawFilesFrom(SAMPLE_TENANTS).map((f) =>
    f.name === 'acme.yaml' ? { ...f, bytes: Buffer.from(Buffer.from(f.bytes!).toString('utf8').replace('name: Acme Corporation', `name: "${STOLEN}"`)) } : f,
  );
  const plan = planUnvalidated(raw);
  assert.throws(
    () => emitEstate(plan),
    (e: Error) =>
      e.message ===
      'internal: a manifest value that must not contain "{{" (CloudFormation would resolve it as a dynamic reference) reached a template: validation was bypassed',
  );
});

M('the grammar removed from an identifier: a hostile platform name, planned unchecked, fails the compile on E701', () => {
  const raw = rawFilesFrom(SAMPLE_TENANTS).map((f) =>
    f.name === 'platform.yaml'
      ? { ...f, bytes: Buffer.from(Buffer.from(f.bytes!).toString('utf8').replace('name: tessera', 'name: "x{{resolve:ssm:/x}}"')) }
      : f,
  );
  const plan = planUnvalidated(raw);
  const gate = new ReviewGate(SECURITY_RULES, []);
  emitEstate(plan, (path, t) => gate.review(path, t));
  const e701 = gate.result().violations.filter((v) => v.rule === 'E701');
  // Every template names the platform somewhere: each is caught.
  assert.ok(e701.some((v) => v.template === 'root.template.json'));
  assert.ok(e701.some((v) => v.template === 'tenants/acme.template.json' && v.resource === 'tenantRole'));
  assert.ok(e701.length > 100, `${e701.length} findings`);
});

M('a manifest value cannot be used as a string: interpolating, serializing or comparing it throws', () => {
  const name = new ManifestText('Acme');
  assert.throws(() => `${name}`, /read through templateText/);
  assert.throws(() => JSON.stringify({ name }), /read through templateText/);
  assert.throws(() => String(name), /read through templateText/);
  assert.throws(() => ({ [name as unknown as string]: 1 }), /read through templateText/);
});

M('only the five writers read a manifest value raw', () => {
  const files = (readdirSync(join(ROOT, 'compiler'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  const readers = files.filter((f) => /ManifestText\.rawText\(/.test(readFileSync(join(ROOT, 'compiler', f), 'utf8'))).map((f) => `compiler/${f}`);
  // templateText, handoverText, sqlLiteral and shellQuote, reportText (one line, for status and the diff), and the
  // placement lock's quoted strings (an offboarded or removed tenant's identity); and the digest of a tenant's
  // plan that template reuse compares (emit/reuse.ts: the text reaches a hash, never an output).
  assert.equal(readers.sort(), [
    'compiler/emit/cfn/template.ts',
    'compiler/emit/handover.ts',
    'compiler/emit/render.ts',
    'compiler/emit/reuse.ts',
    'compiler/plan/manifestText.ts',
    'compiler/write/lockFile.ts',
  ]);
});

M.run();

// ---------------------------------------------------------------------------------
const H = suite('handover files');

/** A name and values with line breaks, shell metacharacters and terminal escapes, none of which the grammar would let in. */
const EVIL_NAME = "Evil Corp\n$(touch PWNED)`touch PWNED` '; touch PWNED; echo '\u001b[2J\u001b]0;owned\u0007\u202e";
const EVIL_PLATFORM = "x'$(touch PWNED)'\n;touch PWNED #";

function hostilePlan(): EstatePlan {
  const raw = rawFilesFrom(SAMPLE_TENANTS).map((f) => {
    let text = Buffer.from(f.bytes!).toString('utf8');
    if (f.name === 'globex.yaml' || f.name === 'tyrell.yaml' || f.name === 'acme.yaml')
      text = text.replace(/^name: .*$/m, `name: ${JSON.stringify(EVIL_NAME)}`);
    if (f.name === 'globex.yaml')
      text = text
        .replace(/clientId: .*$/m, `clientId: ${JSON.stringify(`c1\nrm -rf ~ ${EVIL_NAME}`)}`)
        .replace(/providerName: .*/, 'providerName: "Entra&evil=1\\nX"');
    if (f.name === 'acme.yaml') text = text.replace(/metadataUrl: .*$/m, `metadataUrl: ${JSON.stringify(`https://acme.example/\n${EVIL_NAME}`)}`);
    if (f.name === 'platform.yaml') text = text.replace('name: tessera', `name: ${JSON.stringify(EVIL_PLATFORM)}`);
    return { ...f, bytes: Buffer.from(text) };
  });
  return planUnvalidated(raw);
}

const tenant = (plan: EstatePlan, id: string) => plan.tenants.find((t) => t.id === id)!;

H('every value on one line: the files have the lines of a benign estate, and no control character', () => {
  const benign = compiledFrom(SAMPLE_TENANTS).plan;
  const hostile = hostilePlan();
  const files: [string, (p: EstatePlan) => string][] = [
    ['idp/globex.txt', (p) => federationHandover(tenant(p, 'globex'))!],
    ['idp/acme.txt', (p) => federationHandover(tenant(p, 'acme'))!],
    ['dns/acme.txt', (p) => dnsInstructions(tenant(p, 'acme'))],
    ['dns/tyrell.txt', (p) => dnsInstructions(tenant(p, 'tyrell'))],
  ];
  for (const [file, write] of files) {
    const good = write(benign).split('\n');
    const evil = write(hostile).split('\n');
    assert.is(evil.length, good.length, `${file}: ${evil.length} lines, a benign estate's has ${good.length}`);
    evil.forEach((line, i) => {
      // Tabs separate a record's columns: exactly as many as the benign line has.
      assert.is(line.split('\t').length, good[i]!.split('\t').length, `${file}:${i + 1}: ${line}`);
      assert.not.match(line, /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}](?<!\t)/u, `${file}:${i + 1} holds a control character`);
      // A line that is a comment in the benign file is one in the hostile file.
      if (good[i]!.startsWith('#')) assert.ok(line.startsWith('#'), `${file}:${i + 1} is no longer a comment: ${line}`);
    });
  }
  assert.match(dnsInstructions(tenant(hostile, 'acme')), '(Evil Corp\\u{000A}$(touch PWNED)');
});

H("the create-secret command is one command whatever the names hold: bash reads back exactly the secret's name", () => {
  const plan = hostilePlan();
  const globex = tenant(plan, 'globex');
  const line = federationHandover(globex)!
    .split('\n')
    .find((l) => l.startsWith('aws secretsmanager create-secret'))!;
  inTempDir((dir) => {
    // `aws` records its arguments, NUL-separated; anything else the line ran would leave PWNED behind.
    const script = `aws() { printf '%s\\0' "$@" > args; }\n${line}\n`;
    const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'args'), 'utf8').split('\0').slice(0, -1), [
      'secretsmanager',
      'create-secret',
      '--name',
      globex.names.oidcClientSecret,
      '--secret-string',
      '<client secret from the IdP>',
    ]);
    assert.not.ok(existsSync(join(dir, 'PWNED')), 'the line ran another command');
    assert.equal(readdirSync(dir).sort(), ['args'], relative(ROOT, dir));
  });
  assert.match(globex.names.oidcClientSecret, '\n', 'the secret name does hold a line break');
});

H('shellQuote and handoverText on their own', () => {
  assert.is(shellQuote("it's"), "'it'\\''s'");
  assert.is(shellQuote('a\nb'), "$'a\\x0ab'");
  assert.is(shellQuote("a'\\\u001b\u202e"), "$'a\\'\\\\\\x1b\\xe2\\x80\\xae'");
  assert.is(shellQuote(new ManifestText('Acme')), "'Acme'");
  assert.is(handoverText('plain Ünïcode name'), 'plain Ünïcode name');
  assert.is(handoverText('a\r\nb\u2028c\u009bd\u200be'), 'a\\u{000D}\\u{000A}b\\u{2028}c\\u{009B}d\\u{200B}e');
  // bash reads each back exactly.
  for (const value of ['a\nb', "it's", 'x\u001b[2Jy', '\u202eevil', 'tab\there']) {
    const r = spawnSync('bash', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
    assert.is(r.stdout, value);
  }
});

H.run();

// ---------------------------------------------------------------------------------
const O = suite('what tenantc prints: terminals and the pull-request comment');

O('terminalSafe escapes what a terminal acts on or what hides text, keeps the rest, and keeps JSON valid', () => {
  const hostile = 'a\u001b[2J\u001b]0;t\u0007b\u009b31mc\u202ed\u200be\u2028f\rg\ud800h';
  assert.is(terminalSafe(hostile), 'a\\u001b[2J\\u001b]0;t\\u0007b\\u009b31mc\\u202ed\\u200be\\u2028f\\u000dg\\ud800h');
  assert.is(terminalSafe('line one\n\tÜnïcode, 漢字, emoji 🎉\n'), 'line one\n\tÜnïcode, 漢字, emoji 🎉\n');
  // Inside a JSON string the escapes are JSON's own: the value reads back the same.
  const json = JSON.stringify({ name: hostile });
  assert.equal(JSON.parse(terminalSafe(json)), { name: hostile });
});

O("deploy's question reaches the terminal escaped too (cli/main.ts wraps the prompt it is given)", async () => {
  const asked: string[] = [];
  const prompt = safePrompt(async (q) => (asked.push(q), 'y'));
  assert.is(await prompt('Execute change set cs-1 on evil\u001b]0;owned\u0007\u202e? [y/N] '), 'y');
  assert.equal(asked, ['Execute change set cs-1 on evil\\u001b]0;owned\\u0007\\u202e? [y/N] ']);
});

O("a command's output reaches the terminal escaped: a key with a bidi override and a C1 control in a diagnostic", async () => {
  await inTempDir(async (dir) => {
    cpSync(join(ROOT, 'test', 'fixtures', 'estates', 'minimal'), dir, { recursive: true });
    const acme = join(dir, 'acme.yaml');
    writeFileSync(acme, readFileSync(acme, 'utf8').replace('tags:\n', 'tags:\n  "evil\\u202E\\u009B2J": x\n'));
    const r = await runMain(['validate', '--tenants', dir]);
    assert.is(r.status, 1);
    // U+009B is a control character: the diagnostic's own line escape; U+202E: the terminal's.
    assert.match(r.stderr, 'tags: key "evil\\u202e\\u{009B}2J" is not allowed: must not contain');
    assert.not.match(r.stderr, /[\u202e\u009b]/u);
  });
});

O('a file name with a line break cannot forge a line of the output: each diagnostic is one line', async () => {
  await inTempDir(async (dir) => {
    cpSync(join(ROOT, 'test', 'fixtures', 'estates', 'minimal'), dir, { recursive: true });
    cpSync(join(dir, 'acme.yaml'), join(dir, 'evil\nglobex.yaml:1:1: all good.yaml'));
    const r = await runMain(['validate', '--tenants', dir]);
    assert.is(r.status, 1);
    const lines = r.stderr.trimEnd().split('\n');
    assert.match(lines.at(-1)!, /^\d+ problems? in 1 file; nothing was written$/);
    // Every other line is a diagnostic of the real file, whose name shows its line break escaped.
    for (const line of lines.slice(0, -1)) assert.ok(line.startsWith(`${dir}/evil\\u{000A}globex.yaml:1:1: all good.yaml:`), line);
  });
});

O('the diff comment shows a hostile name and reason as text: no HTML, comment, link, image or code span of theirs', async () => {
  const hostile = 'Acme <!-- the rest is hidden --> <img src=x> ![t](https://evil.example/p.png) [ok](https://evil.example) `code` | **bold** ```';
  const r = inTempDir((dir) => {
    cpSync(join(ROOT, 'test', 'fixtures', 'estates', 'minimal'), dir, { recursive: true });
    const acme = join(dir, 'acme.yaml');
    writeFileSync(acme, readFileSync(acme, 'utf8').replace('name: Acme Corporation', `name: ${JSON.stringify(hostile)}`));
    return compiledFrom(dir);
  });
  const base = compiledFrom(join(ROOT, 'test', 'fixtures', 'estates', 'minimal'));
  const diff = await diffEstate(compiledSide('main', base.plan, base.files, base.lock), compiledSide('head', r.plan, r.files, r.lock), inThreadDiffer);
  const reason = 'Accepted <!-- hide --> ![x](https://evil.example/x.png) `a` | b';
  const withReason = {
    ...diff,
    suppressions: [{ change: 'add' as const, rule: 'E101', template: 'shards/*.template.json', resource: 'albSecurityGroup', reason }],
  };
  const override = {
    kind: 'broadening' as const,
    target: { scope: 'tenant' as const, tenant: 'acme', logicalId: null },
    reason: '<!-- x --> [y](https://evil.example)',
  };
  const gate = evaluateGate([{ kind: 'broadening', tenant: 'acme', template: 't', logicalId: null, description: 'd' }], ['broadening'], [override]);
  let markdown = '';
  renderMarkdown(withReason, gate, { write: (x: string) => (markdown += x) });
  // The name shows (in the registration's diff), inside a fence it cannot close.
  assert.match(markdown, 'Acme <!-- the rest is hidden -->');
  // Fences are ours: each block opens with a fence longer than the backtick runs inside it and closes with the same.
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const marks = /^(`{3,})(diff)?$/.exec(line);
    if (fence === null && marks?.[2]) {
      fence = marks[1]!;
      continue;
    }
    if (fence !== null) {
      if (line === fence) fence = null;
      else assert.not.ok(line.startsWith(fence), `a value closes the block: ${line}`);
      continue;
    }
    // Outside the fences: no HTML comment or tag of theirs, no link or image, no code span or cell of theirs.
    assert.not.match(line, /<!--(?! tenantc-diff -->)|<img|(?<!\\)\]\(|(?<!\\)`a`/, line);
  }
  assert.is(fence, null);
  assert.match(markdown, "`code` | **bold** ```', 'premium'");
  assert.match(markdown, 'Accepted &lt;!-- hide --&gt; !\\[x\\](https://evil.example/x.png) \\`a\\` \\| b');
});

O('reports read a manifest value on one line: a name that bypassed validation, in tenantc status JSON and page', () => {
  // status and the diff's causes read manifest text through reportText (their model's fields are strings: the types hold them to it).
  const shown = reportText(new ManifestText(EVIL_NAME));
  assert.is(shown, "Evil Corp\\u{000A}$(touch PWNED)`touch PWNED` '; touch PWNED; echo '\\u{001B}[2J\\u{001B}]0;owned\\u{0007}\\u{202E}");
  // A hostile name cannot even be planned into a status: its cost emits templates, and templateText stops it.
  assert.throws(
    () =>
      estateStatus({
        plan: hostilePlan(),
        prices: SHIPPED_PRICES,
        pricesName: SHIPPED_PRICES_FILE,
        manifests: 'tenants',
        lockUpToDate: true,
        declaredQuotas: new Set(),
      }),
    /reached a template: validation was bypassed/,
  );
  const plan = compiledFrom(SAMPLE_TENANTS).plan;
  const m = estateStatus({
    plan,
    prices: SHIPPED_PRICES,
    pricesName: SHIPPED_PRICES_FILE,
    manifests: 'tenants',
    lockUpToDate: true,
    declaredQuotas: new Set(),
  });
  const page = renderStatusHtml({ ...m, tenants: m.tenants.map((t) => (t.id === 'acme' ? { ...t, name: shown } : t)) });
  // No escape, bell or override anywhere in the page: the name is in the JSON the script reads into text nodes.
  assert.not.match(page, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/u);
  assert.match(page, 'Evil Corp\\\\u{000A}$(touch PWNED)');
});

O("the diff names a changed manifest text among a shared change's causes, as its text", () => {
  const minimal = join(ROOT, 'test', 'fixtures', 'estates', 'minimal');
  const base = compiledFrom(minimal).plan;
  const head = inTempDir((dir) => {
    cpSync(minimal, dir, { recursive: true });
    const platform = join(dir, 'platform.yaml');
    writeFileSync(
      platform,
      readFileSync(platform, 'utf8')
        .replace('alarmEmail: platform-oncall@tessera.app', 'alarmEmail: oncall@tessera.app')
        .replace('description: Pooled app fleet, ACL user in a shared cache, 90-day logs', 'description: "Pooled <b>fleet</b> [x](https://evil.example)"'),
    );
    return compiledFrom(dir).plan;
  });
  // Plans hold these as ManifestText, which JSON refuses: the causes read them through reportText.
  const causes = platformCauses(base, head);
  assert.is(causes.length, 2);
  assert.is(causes[0], 'platform alarmEmail platform-oncall@tessera.app → oncall@tessera.app');
  assert.ok(causes[1]!.startsWith('platform tiers [{"name":"premium"'), causes[1]);
  assert.match(causes[1]!, '→ [{"name":"premium"');
  assert.match(causes[1]!, '"description":"Pooled <b>fleet</b> [x](https://evil.example)"');
  // In the pull-request comment, a cause is markdown text: no tag or link of the manifest's.
  let markdown = '';
  renderMarkdown(
    {
      base: { label: 'main', tenants: base.tenants.length },
      head: { label: 'head', tenants: head.tenants.length },
      tenants: [],
      estate: [],
      suppressions: [],
      sql: [],
      lock: null,
      lifecycle: [],
      restores: [],
      stranded: [],
      attributions: [{ template: 'root.template.json', logicalId: 'platformAlarmTopic', what: 'alarm topic', change: 'x', causes }],
    },
    null,
    { write: (x: string) => (markdown += x) },
  );
  assert.match(markdown, '&lt;b&gt;fleet&lt;/b&gt; \\[x\\](https://evil.example)');
});

O.run();
