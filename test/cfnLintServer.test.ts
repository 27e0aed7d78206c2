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
import { inTempDir } from './helpers.ts';

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
      const args = ['--format', 'parseable', '--', 'bad.json', 'clean.json'];
      const run = (bin: string, env: NodeJS.ProcessEnv = {}) => {
        const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const expected = run(real);
      assert.match(expected.stdout, /^bad\.json:\d+:\d+:\d+:\d+:E3002:/m, 'the real cfn-lint finds the misspelt property');
      assert.match(expected.stdout, /^bad\.json:\d+:\d+:\d+:\d+:W3037:'getobjekt' is not one of/m, 'and the unknown action');
      assert.is.not(expected.status, 0);
      // No fallback to the real cfn-lint: the server answers, or this fails.
      assert.equal(run(shim!, { TENANTC_CFN_LINT_SHIM_NO_FALLBACK: '1' }), expected);
      // With the rules created before the fork (a small lint's CPU 0.19 → 0.04 s): the same answer.
      const log = own?.log ?? process.env.TENANTC_TEST_CFN_LINT_LOG;
      assert.ok(log, 'the server names its log');
      const lint = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { cwd: string; rules: string })
        .filter((l) => l.cwd === realpathSync(dir));
      assert.equal(
        lint.map((l) => l.rules),
        ['created before the fork'],
      );
    });
  } finally {
    own?.stop();
  }
});

L.run();
