import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cacheStem, logicalId, pascalCase, platformNames, tenantCacheUserId, tenantNames } from '../compiler/plan/names.ts';

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

Names('cache user ids fit 40 characters, never meet the disabled default user, and differ between estates sharing a long prefix', () => {
  // The collision that truncation allowed: platform "tessera-prod-t-eu", tenant "eu-default-off".
  const platform = 'tessera-prod-t-eu';
  assert.is.not(tenantCacheUserId(platform, 'eu-default-off'), platformNames(platform).disabledDefaultCacheUser);
  for (const p of ['tessera', 'tessera-prod-t-eu', 'a'.repeat(21)]) {
    assert.ok(tenantCacheUserId(p, 'x'.repeat(24)).length <= 40, p);
    assert.ok(platformNames(p).disabledDefaultCacheUser.startsWith(`${cacheStem(p)}-default-`));
    assert.ok(tenantCacheUserId(p, 'default-off').startsWith(`${cacheStem(p)}-t-`), 'users and the default differ right after the stem');
  }
  assert.is(cacheStem('tessera'), 'tessera', 'a short name is kept whole');
  assert.is.not(cacheStem('tessera-prod-t-eu'), cacheStem('tessera-prod-t-us'), 'long names sharing 7 characters still differ');
});

Names("a tenant's physical names carry its platform, so two estates in one account never share one", () => {
  const a = tenantNames('tessera', 'acme', null);
  const b = tenantNames('tessera-stage', 'acme', null);
  // Not account-wide names: the stack's logical id, and the app client, named inside the tenant's own pool.
  for (const key of Object.keys(a) as (keyof typeof a)[]) if (key !== 'stack' && key !== 'userPoolClient') assert.is.not(a[key], b[key], key);
  assert.is(a.ssmPath, '/tessera/tenants/acme/');
  assert.is(a.secret, '/tessera/tenants/acme/app-credentials');
});

Names.run();
