// A tenant stack declares exactly the shared and shard parameters its resources and
// outputs refer to: StackParameters records them as layers ask, and an independent walk
// of the finished template (test/support/refs.ts) must find the same set. A layer that
// wrote a bare ref('VpcId') instead of params.ref('VpcId') would deploy with an
// undeclared parameter; this is the test that catches it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emitTenantTemplate } from '../compiler/emit/cfn/tenant/tenantStack.ts';
import { SHARD_PARAMETERS, SHARED_PARAMETERS, StackParameters } from '../compiler/emit/cfn/stackParameters.ts';
import { referencedNames } from './support/refs.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';

const S = suite('tenant stack parameters');
const KNOWN = new Set([...Object.keys(SHARED_PARAMETERS), ...Object.keys(SHARD_PARAMETERS)]);

S('every sample tenant declares exactly the parameters its template refers to', () => {
  const r = compiledFrom(SAMPLE_TENANTS);
  for (const t of r.plan.tenants) {
    const { template, parameters } = emitTenantTemplate(r.plan, t);
    const walked = referencedNames({ r: template.Resources, o: template.Outputs ?? {} });
    const referenced = [...walked].filter((n) => KNOWN.has(n));
    assert.equal(Object.keys(template.Parameters ?? {}).sort(), referenced.sort(), t.id);
    assert.equal([...parameters.shared, ...parameters.shard].sort(), referenced.sort(), t.id);
    // A name that is not a parameter is a resource of the stack itself.
    for (const n of walked) assert.ok(KNOWN.has(n) || n.startsWith('AWS::') || n in template.Resources, `${t.id}: ${n} is neither declared nor a resource`);
  }
});

S('declares shared parameters before shard ones, each in declaration order, whatever the order of use', () => {
  const p = new StackParameters();
  p.ref('HttpsListenerArn');
  p.ref('VpcId');
  p.ref('AssetsBucketName');
  p.ref('VpcId');
  assert.equal(Object.keys(p.declare()), ['AssetsBucketName', 'VpcId', 'HttpsListenerArn']);
  assert.equal(p.declare().VpcId, { Type: 'AWS::EC2::VPC::Id', Description: SHARED_PARAMETERS.VpcId.description });
});

S.run();
