// The corpus of invalid estates: each folder under test/fixtures/invalid holds the
// manifests of one case and expected.txt, the exact diagnostics validate must print.
// The shared fixture platform is added unless the case brings its own platform*.yaml
// or a .no-platform marker.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareStrings, formatDiagnostic } from '../compiler/diagnostics.ts';
import { checkEstate, parseSources } from '../compiler/pipeline.ts';
import { assertGoldenFile, FIXTURES, rawFilesFrom } from './helpers.ts';

const CORPUS = join(FIXTURES, 'invalid');
const Invalid = suite('invalid manifests');

function diagnosticsFor(caseDir: string): string {
  const files = rawFilesFrom(caseDir);
  const ownPlatform = files.some((f) => f.name.startsWith('platform')) || existsSync(join(caseDir, '.no-platform'));
  if (!ownPlatform) files.push(...rawFilesFrom(FIXTURES).filter((f) => f.name === 'platform.yaml'));
  files.sort((a, b) => compareStrings(a.name, b.name));
  const result = checkEstate('tenants', parseSources(files));
  assert.is(result.ok, false, `${caseDir} should be invalid`);
  return result.ok ? '' : result.diagnostics.map(formatDiagnostic).join('\n') + '\n';
}

const cases = readdirSync(CORPUS).sort();

Invalid('the corpus covers every problem class the manifest-language issue names', () => {
  assert.ok(cases.length >= 20, `only ${cases.length} cases`);
});

for (const name of cases) {
  Invalid(name, () => {
    assertGoldenFile(join(CORPUS, name, 'expected.txt'), diagnosticsFor(join(CORPUS, name)));
  });
}

Invalid.run();
