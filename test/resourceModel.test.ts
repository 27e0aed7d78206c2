// The registry extract the bundled diff worker reads (compiler/diff/resourceModel.ts)
// answers cloudformation-diff's one query exactly as the full registry does: for every
// resource type, its scrutiny type and, per property, causesReplacement and scrutinizable.
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { extractResourceModels, slimDatabase } from '../compiler/diff/resourceModel.ts';

const M = suite('registry extract');
const registry = loadAwsServiceSpecSync();
const resources = registry.all('resource');
const extract = slimDatabase(extractResourceModels(resources));

M('every resource type and property agrees with the full registry', () => {
  assert.ok(resources.length > 1000, `${resources.length} resource types`);
  let properties = 0;
  for (const full of resources) {
    const [slim] = extract.lookup('resource', 'cloudFormationType', 'equals', full.cloudFormationType);
    assert.ok(slim, full.cloudFormationType);
    assert.is(slim!.scrutinizable, full.scrutinizable, `${full.cloudFormationType} scrutinizable`);
    assert.equal(Object.keys(slim!.properties).sort(), Object.keys(full.properties).sort(), `${full.cloudFormationType} properties`);
    for (const [name, prop] of Object.entries(full.properties)) {
      properties++;
      assert.is(slim!.properties[name]!.causesReplacement, prop.causesReplacement, `${full.cloudFormationType}.${name} causesReplacement`);
      assert.is(slim!.properties[name]!.scrutinizable, prop.scrutinizable, `${full.cloudFormationType}.${name} scrutinizable`);
    }
  }
  assert.ok(properties > 10_000, `${properties} properties compared`);
});

M('a type the registry does not know is unknown to the extract too', () => {
  assert.equal(extract.lookup('resource', 'cloudFormationType', 'equals', 'AWS::Nope::Thing'), []);
  assert.equal(registry.lookup('resource', 'cloudFormationType', 'equals', 'AWS::Nope::Thing'), []);
  assert.throws(() => extract.lookup('service', 'name', 'equals', 'x'), /unsupported lookup/);
});

M.run();
