// `tenantc check` over an output directory: the rule pack with compile's recorded
// suppressions, and cfn-lint, so a template edited after compile is caught before
// deploy; and how the linter's work is shared out.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { balance, knownClean, runCfnLint } from '../compiler/check/cfnLint.ts';
import { checkAssetsManifest, parseReviewRecord, parseTemplates, templatesToLint } from '../compiler/check/checkOutput.ts';
import { readCompiledOutput } from '../compiler/check/readOutput.ts';
import { ASSETS_FORMAT } from '../compiler/outputFormat.ts';
import { inTempDir, LINT_CACHE, runMain, SAMPLE_TENANTS } from './helpers.ts';

const C = suite('check');

// A clean output passing check is the live estate's test (test/live.test.ts); here the
// two edits are the only findings, so everything else about the output is clean too.
C('an output edited after compile fails check: exactly the rule-pack violation and the cfn-lint finding the edits made', async () => {
  await inTempDir(async (work) => {
    cpSync(SAMPLE_TENANTS, join(work, 'tenants'), { recursive: true });
    assert.is((await runMain(['compile', '--tenants', 'tenants', '--out', 'out'], work)).status, 0);
    // A hand edit: a premium tenant's fleet accepts IMDSv1, and its log group gets a
    // misspelt property. In a tenant stack (one per shape is linted, hooli's shape is
    // its own), not the root: every other template of the output is the sample's,
    // which the run lints once, so the edited one is all this test adds to cfn-lint's
    // work (~0.4 s of CPU where an edited root cost ~1.6 s).
    const edited = 'tenants/hooli.template.json';
    const path = join(work, 'out', edited);
    const template = JSON.parse(readFileSync(path, 'utf8')) as { Resources: Record<string, { Properties: Record<string, any> }> };
    template.Resources.tenantLaunchTemplate!.Properties.LaunchTemplateData.MetadataOptions.HttpTokens = 'optional';
    template.Resources.tenantLogGroup!.Properties.RetentionInDay = 30;
    writeFileSync(path, JSON.stringify(template, null, 2));
    const checked = await runMain(['check', '--out', 'out', '--lint-cache', LINT_CACHE], work);
    assert.is(checked.status, 1);
    assert.match(
      checked.stderr,
      `out/${edited}: E201 Launch templates require IMDSv2 with a hop limit of 1: tenantLaunchTemplate: MetadataOptions {"HttpTokens":"optional"`,
    );
    assert.match(checked.stdout, /security rule pack: \d+ templates, \d+ rules: 1 violation, 0 accepted by suppressions/);
    if (checked.stdout.includes('cfn-lint: not installed')) return assert.not.ok(process.env.TENANTC_REQUIRE_CFN_LINT, 'cfn-lint is required here');
    assert.match(
      checked.stderr,
      /^out\/tenants\/hooli\.template\.json:\d+:\d+:\d+:\d+:E3002:Additional properties are not allowed \('RetentionInDay' was unexpected/m,
    );
    assert.match(checked.stdout, /^cfn-lint .*: \d+ of \d+ templates: 1 finding$/m);
  });
});

C('cfn-lint sees the root, every shard and group, and one tenant stack per shape; --lint-all sees every one', async () => {
  await inTempDir(async (work) => {
    assert.is((await runMain(['compile', '--locked', '--tenants', SAMPLE_TENANTS, '--out', join(work, 'out')])).status, 0);
    const { parsed: templates } = parseTemplates(readCompiledOutput(join(work, 'out')).templates);
    const picked = [...templatesToLint(templates, false).keys()];
    assert.ok(picked.includes('root.template.json'));
    for (const p of templates.keys()) if (!p.startsWith('tenants/')) assert.ok(picked.includes(p), p);
    const tenants = picked.filter((p) => p.startsWith('tenants/'));
    // The sample's premium, standard, suspended, delegated and external tenants have different resources.
    assert.ok(tenants.length >= 4 && tenants.length < [...templates.keys()].filter((p) => p.startsWith('tenants/')).length, tenants.join(' '));
    assert.equal([...templatesToLint(templates, true).keys()], [...templates.keys()]);
  });
});

C('the templates are shared out between linter processes by size, every one exactly once', () => {
  const files = [
    { path: 'root', bytes: 900 },
    { path: 'a', bytes: 500 },
    { path: 'b', bytes: 400 },
    { path: 'c', bytes: 100 },
    { path: 'd', bytes: 100 },
  ];
  assert.equal(balance(files, 2), [
    ['c', 'root'],
    ['a', 'b', 'd'],
  ]);
  assert.equal(balance(files, 3), [['root'], ['a', 'd'], ['b', 'c']]);
  assert.equal(balance(files, 8).flat().sort(), ['a', 'b', 'c', 'd', 'root'], 'never more processes than templates');
  assert.is(balance(files, 8).length, 5);
  assert.equal(balance([], 4), [[]]);
});

C('the lint cache skips templates a run of the same cfn-lint found clean, never one with findings, and nothing an older version found', async () => {
  await inTempDir(async (work) => {
    const topic = (props: object) =>
      JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: { topic: { Type: 'AWS::SNS::Topic', Properties: props } } });
    writeFileSync(join(work, 'clean.json'), topic({ DisplayName: 'alarms' }));
    writeFileSync(join(work, 'bad.json'), topic({ DisplayNam: 'alarms' }));
    const cacheDir = join(work, 'cache');
    // A verdict on clean.json from another cfn-lint version: it counts for nothing.
    mkdirSync(cacheDir);
    const cleanHash = createHash('sha256')
      .update(readFileSync(join(work, 'clean.json')))
      .digest('hex');
    writeFileSync(join(cacheDir, 'cfn-lint.json'), JSON.stringify({ version: 'cfn-lint 0.0.1', clean: [cleanHash] }));
    const lint = () => runCfnLint(work, '.', ['bad.json', 'clean.json'], { cacheDir, processes: 2 });
    const first = await lint();
    if (!first.available) return assert.not.ok(process.env.TENANTC_REQUIRE_CFN_LINT, 'cfn-lint is required here');
    assert.equal([first.ok, first.cached, first.findings.length], [false, 0, 1], "an older version's verdict is not used");
    assert.equal((JSON.parse(readFileSync(join(cacheDir, 'cfn-lint.json'), 'utf8')) as { version: string }).version, first.version);
    const second = await lint();
    if (!second.available) return assert.unreachable('cfn-lint went away');
    assert.equal([second.ok, second.cached, second.findings.length], [false, 1, 1], 'the clean template is skipped, the bad one linted again');
    assert.match(second.findings[0]!, /^bad\.json:\d+:\d+:\d+:\d+:E3002:/);
    // Both in one cfn-lint run, which exits with the finding: clean.json is known clean all the same.
    const together = () => runCfnLint(work, '.', ['bad.json', 'clean.json'], { cacheDir: join(work, 'cache-one-run'), processes: 1 });
    assert.equal(((r) => r.available && [r.ok, r.cached, r.findings.length])(await together()), [false, 0, 1]);
    assert.equal(((r) => r.available && [r.ok, r.cached, r.findings.length])(await together()), [false, 1, 1], 'clean.json kept its verdict, bad.json did not');
  });
});

C("a run with findings makes known clean only the templates its findings don't name, and only when every line it printed is a finding", () => {
  const paths = ['out/a.json', 'out/b.json', 'out/c.json'];
  const finding = (p: string) => `${p}:3:5:3:9:E3002:Additional properties are not allowed ('x' was unexpected)`;
  assert.equal(knownClean(paths, 0, ''), paths);
  assert.equal(knownClean(paths, 2, finding('out/b.json')), ['out/a.json', 'out/c.json']);
  assert.equal(knownClean(paths, 6, `${finding('out/a.json')}\n${finding('out/c.json').replace(':E3002:', ':W3005:')}\n`), ['out/b.json']);
  assert.equal(knownClean(paths, 2, `${finding('out/b.json')}\nTraceback (most recent call last):`), [], 'a line that is no finding');
  assert.equal(knownClean(paths, 2, finding('out/d.json')), [], 'a finding on no template of the run');
  assert.equal(knownClean(paths, 2, 'out/b.json: something'), [], 'not a parseable finding');
  assert.equal(knownClean(paths, 2, ''), [], 'findings exit, none printed');
  assert.equal(knownClean(paths, 1, ''), [], 'not the findings exit');
  assert.equal(knownClean(paths, 32, finding('out/b.json')), []);
  assert.equal(knownClean(paths, null, ''), []);
});

C(
  'a damaged output is a finding naming each file, never a stack trace: review.json, assets.json, a template that is not JSON, a file that cannot be read',
  async () => {
    await inTempDir(async (work) => {
      // The sample's output, whose sound templates other suites lint too (the lint cache knows them).
      assert.is((await runMain(['compile', '--locked', '--tenants', SAMPLE_TENANTS, '--out', 'out'], work)).status, 0);
      const out = join(work, 'out');
      writeFileSync(join(out, 'review.json'), '{"suppressions": [');
      writeFileSync(join(out, 'assets.json'), 'not json at all');
      writeFileSync(join(out, 'tenants', 'acme.template.json'), '{"Resources": {"half": ');
      writeFileSync(join(out, 'shards', 'cache-0.template.json'), '[]');
      rmSync(join(out, 'groups', 'group-0.template.json'));
      mkdirSync(join(out, 'groups', 'group-0.template.json'));
      const r = await runMain(['check', '--out', 'out', '--lint-cache', LINT_CACHE], work);
      assert.is(r.status, 1);
      assert.not.match(r.stderr, /SyntaxError|^\s+at /m, 'no exception escapes');
      const damaged = r.stderr.split('\n').filter((l) => l.endsWith(': run tenantc compile again'));
      assert.equal(
        damaged.map((l) => l.replace(/ \(.*\)/, ' (...)')),
        [
          'out/groups/group-0.template.json: cannot be read (...): run tenantc compile again',
          'out/review.json: is not JSON (...): run tenantc compile again',
          'out/shards/cache-0.template.json: is not a CloudFormation template (...): run tenantc compile again',
          'out/tenants/acme.template.json: is not JSON (...): run tenantc compile again',
          'out/assets.json: is not JSON (...): run tenantc compile again',
        ],
      );
      assert.match(r.stdout, 'output: 5 damaged files, so no suppression applies');
      assert.match(r.stdout, /security rule pack: \d+ templates/, 'the templates that are sound are still reviewed');
    });
  },
);

C('the review record and the assets manifest are checked for what deploy and check rely on', () => {
  assert.equal(parseReviewRecord(null), { suppressions: [], problem: null });
  assert.equal(parseReviewRecord('{"suppressions": []}'), { suppressions: [], problem: null });
  const s = { rule: 'E101', template: 'root.template.json', resource: '*', reason: 'why' };
  assert.equal(parseReviewRecord(JSON.stringify({ suppressions: [s] })).suppressions, [{ ...s, index: 0 }]);
  for (const [text, message] of [
    ['[]', 'is not a review record (not a JSON object)'],
    ['{"suppressions": {}}', 'is not a review record (suppressions is not a list)'],
    ['{"suppressions": [{"rule": "E101"}]}', 'is not a review record (suppressions[0] needs the strings rule, template, resource, reason)'],
  ] as const)
    assert.equal(parseReviewRecord(text), { suppressions: [], problem: { file: 'review.json', message } }, text);

  const body = '{"Resources": {}}';
  const key = `tenantc/${createHash('sha256').update(body).digest('hex')}.template.json`;
  const templates = new Map([['root.template.json', body]]);
  const manifest = (m: object) => JSON.stringify({ format: ASSETS_FORMAT, root: { file: 'root.template.json', key }, nested: [], domains: [], ...m });
  assert.equal(checkAssetsManifest(manifest({}), [], templates), []);
  assert.equal(checkAssetsManifest(null, [], templates), [{ file: 'assets.json', message: 'is missing: deploy reads the output through it' }]);
  assert.equal(checkAssetsManifest(null, [{ file: 'assets.json', message: 'cannot be read (EACCES)' }], templates), [], 'said once, as unreadable');
  assert.equal(checkAssetsManifest(manifest({ format: 'tenantc-assets/1' }), [], templates), [
    { file: 'assets.json', message: `is format "tenantc-assets/1", this tenantc writes ${ASSETS_FORMAT}` },
  ]);
  assert.equal(checkAssetsManifest(manifest({ nested: [{ file: 'groups/group-0.template.json', key, stack: 'g' }] }), [], templates), [
    { file: 'assets.json', message: 'lists groups/group-0.template.json, which the output does not hold' },
  ]);
  assert.equal(checkAssetsManifest(manifest({}), [], new Map([['root.template.json', '{"Resources": {"x": {}}}']])), [
    { file: 'root.template.json', message: `does not match its key ${key} in assets.json (edited after compile?)` },
  ]);
});

C.run();
