// npm test's cfn-lint (scripts/cfnLintServer.mjs): a shim first on PATH that hands each
// lint to one cfn-lint imported once. What the suites' cfn-lint findings prove holds
// only if the shim answers exactly as the installed cfn-lint does: same findings, same
// output, same exit status.
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { onPath, startCfnLintServer } from '../scripts/cfnLintServer.mjs';
import { inTempDir, ROOT } from './helpers.ts';

const L = suite('cfn-lint server');

L('the shim answers as the installed cfn-lint: findings, output and exit status', async () => {
  // Under npm test the run's server is on PATH; alone, this test starts one of its own.
  const own = process.env.TENANTC_TEST_CFN_LINT_REAL ? null : startCfnLintServer();
  const real = process.env.TENANTC_TEST_CFN_LINT_REAL ?? own?.real;
  if (!real) return assert.not.ok(process.env.TENANTC_REQUIRE_CFN_LINT, 'cfn-lint is required here (TENANTC_REQUIRE_CFN_LINT) but not installed');
  const shim = own ? join(own.binDir, 'cfn-lint') : onPath('cfn-lint');
  try {
    if (own) assert.ok(await own.ready, 'the server started');
    assert.is.not(shim, real);
    await inTempDir((dir) => {
      const topic = (props: object, more: object = {}) =>
        JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: { topic: { Type: 'AWS::SNS::Topic', Properties: props }, ...more } });
      writeFileSync(join(dir, 'clean.json'), topic({ DisplayName: 'alarms' }));
      // W3037 comes from a rule built from cfnlint's package data, which the server reads once for every lint.
      const policy = {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObjekt', Resource: '*' }] } },
      };
      writeFileSync(join(dir, 'bad.json'), topic({ DisplayNam: 'alarms' }, { policy }));
      // A compiled tenant stack (the sample's premium hooli) with values out of range, of
      // the wrong type, outside an enum and a Ref to nothing: findings from the schema
      // validators the server's rules build and extend, over a template of ~47 resources.
      const tenant = JSON.parse(readFileSync(join(ROOT, 'test', 'golden', 'sample', 'tenants', 'hooli.template.json'), 'utf8'));
      const resources = tenant.Resources;
      resources.tenantRole.Properties.MaxSessionDuration = 100;
      resources.tenantTargetGroup.Properties.Port = 'eighty';
      resources.tenantListenerRule0.Properties.Priority = 60000;
      resources.tenantInstanceProfile.Properties.Roles = [{ Ref: 'nothing' }];
      resources.tenantLaunchTemplate.Properties.LaunchTemplateData.InstanceType = 'm5.huge';
      resources.tenantLogGroup.Properties.RetentionInDays = 31;
      writeFileSync(join(dir, 'tenant.json'), JSON.stringify(tenant, null, 2));
      const args = ['--format', 'parseable', '--', 'bad.json', 'clean.json', 'tenant.json'];
      const run = (bin: string, env: NodeJS.ProcessEnv = {}) => {
        const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const expected = run(real);
      assert.match(expected.stdout, /^bad\.json:\d+:\d+:\d+:\d+:E3002:/m, 'the real cfn-lint finds the misspelt property');
      assert.match(expected.stdout, /^bad\.json:\d+:\d+:\d+:\d+:W3037:'getobjekt' is not one of/m, 'and the unknown action');
      assert.equal(
        [...expected.stdout.matchAll(/^tenant\.json:\d+:\d+:\d+:\d+:(\w+):/gm)].map((m) => m[1]),
        ['E3034', 'E3012', 'E3034', 'E1020', 'E3030', 'E3030'],
        'and each edit of the tenant stack',
      );
      assert.is.not(expected.status, 0);
      // No fallback to the real cfn-lint: the server answers, or this fails.
      assert.equal(run(shim!, { TENANTC_CFN_LINT_SHIM_NO_FALLBACK: '1' }), expected);
      // The same answer with the server's savings in place: the rules created before the
      // fork (a small lint's CPU 0.19 → 0.04 s), validator classes reused (~17% of a
      // lint) and dataclass field lists memoized (~8%).
      const log = own?.log ?? process.env.TENANTC_TEST_CFN_LINT_LOG;
      assert.ok(log, 'the server names its log');
      const lints = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as {
              cwd: string;
              rules: string;
              validator_classes: { made: number; reused: number };
              dataclass_fields: { asked: number; memoized: number };
            },
        )
        .filter((l) => l.cwd === realpathSync(dir));
      assert.equal(
        lints.map((l) => l.rules),
        ['created before the fork'],
      );
      const classes = lints[0]!.validator_classes;
      assert.ok(classes.reused > 10 * classes.made, `validator classes made ${classes.made}, reused ${classes.reused}`);
      const fields = lints[0]!.dataclass_fields;
      assert.ok(fields.memoized > 1000 && fields.memoized > 0.99 * fields.asked, `dataclass fields asked ${fields.asked}, memoized ${fields.memoized}`);
    });
  } finally {
    own?.stop();
  }
});

L.run();
