// The host names deploy watches for a handover between tenants (deploy/nameHandover.ts),
// read from what compile really emits: if an emitter changed how a record, a CloudFront
// domain or a Cognito domain is written, these fail instead of the check going blind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { heldNames, nameHandovers } from '../deploy/nameHandover.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';

const N = suite('name handover');
const compiled = compiledFrom(SAMPLE_TENANTS);
const template = (id: string) => JSON.parse(compiled.files.find((f) => f.path === `tenants/${id}.template.json`)!.content);

N('a platform-DNS tenant holds its record, its sign-in and assets hosts; an own-DNS tenant its sign-in and assets hosts', () => {
  assert.equal(heldNames(template('cyberdyne')), ['auth.cyberdyne.tessera.app', 'cyberdyne.tessera-usercontent.net', 'cyberdyne.tessera.app']);
  assert.equal(heldNames(template('globex')), ['auth.portal.globex.io', 'globex.tessera-usercontent.net']);
});

N('in a compiled estate no name is held by two tenants, and every tenant holds its sign-in and assets hosts', () => {
  const holder = new Map<string, string>();
  for (const t of compiled.plan.tenants) {
    const names = heldNames(template(t.id));
    if (t.status !== 'offboarded' || names.length) {
      assert.ok(names.includes(t.auth.domain), `${t.id}: ${t.auth.domain}`);
      assert.ok(names.includes(t.assetsDomain), `${t.id}: ${t.assetsDomain}`);
    }
    for (const n of names) {
      assert.is(holder.get(n), undefined, `${n}: ${holder.get(n)} and ${t.id}`);
      holder.set(n, t.id);
    }
  }
});

N('a handover is a name held before by one tenant and claimed after by another; keeping or dropping a name is none', () => {
  const before = new Map([
    ['alpha', ['a.example', 'shared.example']],
    ['beta', ['b.example']],
  ]);
  const after = new Map([
    ['alpha', ['a.example']],
    ['beta', ['b.example', 'shared.example']],
    ['gamma', ['g.example']],
  ]);
  assert.equal(nameHandovers(before, after), [{ name: 'shared.example', from: 'alpha', to: 'beta' }]);
  assert.equal(nameHandovers(before, before), []);
});

N.run();
