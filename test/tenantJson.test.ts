// The single-pass serialization of tenant templates equals serializing the whole object.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emitTenantTemplate, emitTenantTemplateJson } from '../compiler/emit/cfn/tenant/tenantStack.ts';
import { referencedNames } from './support/refs.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';

const J = suite('tenant template serialization');

J('assembled JSON is byte-identical to JSON.stringify of the template, for every sample tenant', () => {
  const r = compiledFrom(SAMPLE_TENANTS);
  for (const t of r.plan.tenants) {
    const whole = emitTenantTemplate(r.plan, t);
    const fast = emitTenantTemplateJson(r.plan, t);
    assert.is(fast.content, `${JSON.stringify(whole)}\n`, t.id);
    // The text scan finds exactly the parameters an object walk finds.
    const walked = referencedNames(whole.Resources);
    assert.equal(fast.parameters, Object.keys(whole.Parameters ?? {}), t.id);
    for (const p of fast.parameters) assert.ok(walked.has(p) || JSON.stringify(whole.Outputs ?? {}).includes(p), `${t.id}: ${p}`);
  }
});

J.run();
