// The corpus of invalid estates: each folder under test/fixtures/invalid holds the
// manifests of one case and expected.txt, the exact diagnostics validate must print.
// The shared fixture platform is added unless the case brings its own platform*.yaml
// or a .no-platform marker; a case's placement.lock.yaml is its lock, and a .locked
// marker checks it as `--locked` does.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareStrings, DIAGNOSTIC_CODES, formatDiagnostic, type DiagnosticCode } from '../compiler/diagnostics.ts';
import { checkEstate, parseSources } from '../compiler/pipeline.ts';
import { assertGoldenFile, FIXTURES, rawFile, rawFilesFrom, ROOT } from './helpers.ts';

const CORPUS = join(FIXTURES, 'invalid');
const Invalid = suite('invalid manifests');

/** Every code the corpus produced, for the coverage test. */
const seen = new Set<DiagnosticCode>();

function diagnosticsFor(caseDir: string): string {
  const files = rawFilesFrom(caseDir);
  const ownPlatform = files.some((f) => f.name.startsWith('platform')) || existsSync(join(caseDir, '.no-platform'));
  if (!ownPlatform) files.push(...rawFilesFrom(FIXTURES).filter((f) => f.name === 'platform.yaml'));
  files.sort((a, b) => compareStrings(a.name, b.name));
  const lockPath = join(caseDir, 'placement.lock.yaml');
  const lock = existsSync(lockPath) ? rawFile('placement.lock.yaml', readFileSync(lockPath, 'utf8')) : null;
  const result = checkEstate('tenants', parseSources(files, lock), { locked: existsSync(join(caseDir, '.locked')) });
  assert.is(result.ok, false, `${caseDir} should be invalid`);
  if (result.ok) return '';
  for (const d of result.diagnostics) seen.add(d.code);
  return result.diagnostics.map(formatDiagnostic).join('\n') + '\n';
}

const cases = readdirSync(CORPUS).sort();

for (const name of cases) {
  Invalid(name, () => {
    assertGoldenFile(join(CORPUS, name, 'expected.txt'), diagnosticsFor(join(CORPUS, name)));
  });
}

/** Codes that need what a corpus case cannot hold, and the suite that asserts each. */
const ELSEWHERE: Partial<Record<DiagnosticCode, string>> = {
  'file-unreadable': 'loader.test.ts',
  'file-too-large': 'loader.test.ts',
  'security-rule': 'gate.test.ts',
  'suppression-unused': 'gate.test.ts',
  'price-table': 'prices.test.ts',
  'domain-of-removed-tenant': 'removedDomains.test.ts',
};

Invalid('together with the suites named for the rest, the corpus produces every diagnostic code', () => {
  const missing = DIAGNOSTIC_CODES.filter((c) => !seen.has(c) && !ELSEWHERE[c]);
  assert.equal(missing, [], 'codes no corpus case produces');
  for (const [code, suiteFile] of Object.entries(ELSEWHERE)) {
    assert.not.ok(seen.has(code as DiagnosticCode), `${code} is in the corpus now: drop it from ELSEWHERE`);
    assert.match(readFileSync(join(ROOT, 'test', suiteFile), 'utf8'), new RegExp(`[\\s'"]${code}'`), `${suiteFile} asserts ${code}`);
  }
});

Invalid.run();
