// The properties of an estate that hold whatever valid tenants it holds: test/live.test.ts
// proves them of the users' estate (tenants/), test/onboarding.test.ts of a copy with
// one more tenant, in its own process (no second test process to start and load).
// No counts, no goldens: those use the fixtures in test/fixtures/.
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { readCompiledOutput } from '../../compiler/check/readOutput.ts';
import { inTempDir, LINT_CACHE, runMain } from '../helpers.ts';
import { checkTemplate } from './registry.ts';

export interface EstateProperty {
  readonly name: string;
  check(tenants: string): Promise<void>;
}

export const LIVE_ESTATE_PROPERTIES: readonly EstateProperty[] = [
  {
    name: 'every manifest is valid and the placement lock is up to date (validate --locked)',
    async check(tenants) {
      const r = await runMain(['validate', '--locked', '--tenants', tenants]);
      assert.is(r.status, 0, r.stderr);
    },
  },
  {
    name: 'it compiles under --locked, passes the rule pack and cfn-lint (check), and every template passes the registry check',
    async check(tenants) {
      await inTempDir(async (work) => {
        const out = join(work, 'out');
        const compiled = await runMain(['compile', '--locked', '--tenants', tenants, '--out', out]);
        assert.is(compiled.status, 0, compiled.stderr);
        const checked = await runMain(['check', '--out', out, '--lint-cache', LINT_CACHE]);
        assert.is(checked.status, 0, `${checked.stdout}${checked.stderr}`);
        assert.match(checked.stdout, /security rule pack: \d+ templates, \d+ rules: 0 violations/);
        if (process.env.TENANTC_REQUIRE_CFN_LINT) assert.match(checked.stdout, /^cfn-lint .*: no findings$/m, 'cfn-lint is required here');
        for (const [path, body] of readCompiledOutput(out).templates) {
          assert.equal(checkTemplate(JSON.parse(body), path, body, { uploaded: true }), [], path);
        }
      });
    },
  },
];
