// The values the platform manifest is checked against (compiler/validate/generated/
// platformValues.ts) are what the installed cfn-lint's data generates, so an update of
// that data shows as a reviewed change of the file, never as a silent drift; and the
// rule reads them right (the invalid corpus, case platform-values, shows its messages).
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PLATFORM_VALUES } from '../compiler/validate/generated/platformValues.ts';
import { nearest } from '../compiler/validate/rules/platformValues.ts';
import { findCfnLint, GENERATED, generate } from '../scripts/platformValues.ts';

const V = suite('platform values');

V('the committed values are what the installed cfn-lint generates (npm run platform-values)', () => {
  const cfnLint = findCfnLint();
  if (!cfnLint) return assert.not.ok(process.env.TENANTC_REQUIRE_CFN_LINT, 'cfn-lint is required here');
  assert.fixture(readFileSync(GENERATED, 'utf8'), generate(cfnLint));
});

V('they hold what the sample estate uses and not what the issue found passing', () => {
  const has = (all: readonly string[], bitmap: string | undefined, v: string) => {
    const i = all.indexOf(v);
    return i >= 0 && ((Buffer.from(bitmap ?? '', 'base64')[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  };
  const ec2 = PLATFORM_VALUES.ec2InstanceTypes;
  assert.ok(has(ec2.all, ec2.regions['us-east-1'], 'm5.large'));
  assert.not.ok(has(ec2.all, ec2.regions['us-east-1'], 'm5.huge'));
  const classes = PLATFORM_VALUES.auroraPostgresClasses;
  assert.ok(has(classes.all, classes.byVersion['16.6'], 'db.r6g.xlarge'));
  assert.not.ok(has(classes.all, classes.byVersion['16.6'], 'db.t2.micro'));
  assert.ok(PLATFORM_VALUES.cacheEngineVersions.valkey.includes('8.0'));
  assert.not.ok(PLATFORM_VALUES.cacheEngineVersions.valkey.includes('6.2'));
  assert.ok(PLATFORM_VALUES.auroraPostgresVersions.includes('16.6') && PLATFORM_VALUES.auroraPostgresVersions.includes('17.4'));
});

V('a suggestion is of the same family, smallest first', () => {
  assert.equal(nearest('m5.huge', ['m5.2xlarge', 'm5.xlarge', 'm5.large', 'm6.large', 'm5.metal']), ['m5.large', 'm5.xlarge', 'm5.2xlarge', 'm5.metal']);
  assert.equal(nearest('db.t2.micro', ['db.t3.micro', 'db.t4g.micro']), []);
});

V.run();
