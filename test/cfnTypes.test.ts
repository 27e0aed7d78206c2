// The generated resource types (compiler/emit/cfn/generated/resources.ts) are what the
// installed CloudFormation registry says, for exactly the types emitters build.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GENERATED_FILE, generateCfnTypes, RESOURCE_TYPES } from '../scripts/cfnTypes.ts';
import { ROOT } from './helpers.ts';

const T = suite('generated CloudFormation types');

T('the committed file is what the installed registry generates (run `npm run cfn-types` after upgrading it)', () => {
  assert.ok(readFileSync(GENERATED_FILE, 'utf8') === generateCfnTypes(), 'compiler/emit/cfn/generated/resources.ts is stale');
});

T('every generated type is one an emitter builds (a type no longer emitted is dropped from the list)', () => {
  const dir = join(ROOT, 'compiler', 'emit');
  const emitted = new Set<string>();
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts') || f.includes('generated')) continue;
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/Type: '(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)'/g)) emitted.add(m[1]!);
  }
  assert.equal(
    [...RESOURCE_TYPES].filter((t) => !emitted.has(t)),
    [],
  );
  assert.ok(emitted.size >= 60, `the scan found the emitters' types (${emitted.size})`);
});

T.run();
