import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { logicalId, pascalCase } from '../compiler/plan/names.ts';

const Names = suite('names');
const ID = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

Names('pascalCase capitalises each hyphen-separated segment', () => {
  assert.is(pascalCase('acme'), 'Acme');
  assert.is(pascalCase('globex-eu'), 'GlobexEu');
  assert.is(pascalCase('stark-industries-2x'), 'StarkIndustries2x');
});

Names('pascalCase is injective over valid tenant ids (so logical ids never collide)', () => {
  // Every id of up to 4 characters over a small alphabet: a collision would show.
  const alphabet = ['a', 'b', '1', '-'];
  const seen = new Map<string, string>();
  const walk = (prefix: string) => {
    if (prefix.length > 0 && ID.test(prefix)) {
      const key = pascalCase(prefix);
      assert.is(seen.get(key) ?? prefix, prefix, `${prefix} and ${seen.get(key)} both map to ${key}`);
      seen.set(key, prefix);
    }
    if (prefix.length < 5) for (const c of alphabet) walk(prefix + c);
  };
  walk('');
  assert.ok(seen.size > 100);
});

Names('logicalId rejects what CloudFormation would reject', () => {
  assert.is(logicalId('tenant', 'globex-eu', 'Role'), 'TenantGlobexEuRole');
  assert.throws(() => logicalId('bad_id'));
});

Names.run();
