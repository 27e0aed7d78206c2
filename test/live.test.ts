// The users' live estate, tenants/ (or TENANTC_LIVE_TENANTS): properties that hold
// whatever tenants it holds, so that adding a valid tenant with its lock line never
// turns a test red. No counts, no goldens: those use the fixtures in test/fixtures/.
// test/onboarding.test.ts runs this suite again on a copy with one more tenant.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inTempDir, LINT_CACHE, LIVE_TENANTS, runMain } from './helpers.ts';
import { readCompiledOutput } from '../compiler/check/readOutput.ts';
import { checkTemplate } from './support/registry.ts';

const Live = suite('live estate');

Live('every manifest is valid and the placement lock is up to date (validate --locked)', async () => {
  const r = await runMain(['validate', '--locked', '--tenants', LIVE_TENANTS]);
  assert.is(r.status, 0, r.stderr);
});

Live('it compiles under --locked, passes the rule pack and cfn-lint (check), and every template passes the registry check', async () => {
  await inTempDir(async (work) => {
    const out = join(work, 'out');
    const compiled = await runMain(['compile', '--locked', '--tenants', LIVE_TENANTS, '--out', out]);
    assert.is(compiled.status, 0, compiled.stderr);
    const checked = await runMain(['check', '--out', out, '--lint-cache', LINT_CACHE]);
    assert.is(checked.status, 0, `${checked.stdout}${checked.stderr}`);
    assert.match(checked.stdout, /security rule pack: \d+ templates, \d+ rules: 0 violations/);
    if (process.env.TENANTC_REQUIRE_CFN_LINT) assert.match(checked.stdout, /^cfn-lint .*: no findings$/m, 'cfn-lint is required here');
    for (const [path, body] of readCompiledOutput(out).templates) {
      assert.equal(checkTemplate(JSON.parse(body), path, body, { uploaded: true }), [], path);
    }
  });
});

Live.run();
