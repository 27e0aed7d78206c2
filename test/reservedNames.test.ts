// Reserved names (rule reserved-table-name) and the owner contact (rule contacts-owner):
// what each refuses, and that the refusal is the name or the role alone: the same estate
// with the name changed or an owner added is valid, so the corpus cases
// (test/fixtures/invalid/reserved-table-names, contacts-without-owner) fail for that only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { checkEstate, parseSources } from '../compiler/pipeline.ts';
import { isReservedTableName } from '../compiler/validate/rules/reservedTableNames.ts';
import { FIXTURES, rawFile } from './helpers.ts';

const N = suite('reserved names and owners');
const CORPUS = join(FIXTURES, 'invalid');

function check(files: Record<string, string>) {
  const raw = Object.entries(files).map(([name, text]) => rawFile(name, text));
  const r = checkEstate('tenants', parseSources(raw, null));
  return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
}

N('tenants and tenantc_* are reserved; names that merely start alike are not', () => {
  for (const name of ['tenants', 'tenantc_context_keys', 'tenantc_', 'tenantc_anything']) assert.ok(isReservedTableName(name), name);
  for (const name of ['tenant', 'tenants_archive', 'my_tenants', 'tenantcx', 'tenantc', 'projects']) assert.not.ok(isReservedTableName(name), name);
});

N('the registry table names used by the migration are all reserved', () => {
  // Every table the migration creates in the application schema: a tenant table of the
  // same name would be read as the registry's.
  const migration = readFileSync(join(FIXTURES, '..', '..', 'templates', 'sql', '001-rls-migration.sql.hbs'), 'utf8');
  const created = [...migration.matchAll(/CREATE TABLE IF NOT EXISTS \{\{sqlIdent schema\}\}\.([a-z_]+)/g)].map((m) => m[1]!);
  assert.ok(created.length >= 2, created.join(', '));
  for (const t of created) assert.ok(isReservedTableName(t), `${t} is created by the migration`);
});

N('a reserved table name is the one error; renamed, the same platform is valid', () => {
  const platform = readFileSync(join(CORPUS, 'reserved-table-names', 'platform.yaml'), 'utf8');
  const alpha = readFileSync(join(CORPUS, 'reserved-table-names', 'alpha.yaml'), 'utf8');
  const refused = check({ 'platform.yaml': platform, 'alpha.yaml': alpha });
  assert.is(refused.length, 3, refused.join('\n'));
  assert.ok(refused.every((d) => d.includes('is reserved')));
  const renamed = platform.replace('name: tenants\n', 'name: customers\n').replace('tenantc_context_keys', 'context_keys').replace('tenantc_notes', 'notes');
  assert.equal(check({ 'platform.yaml': renamed, 'alpha.yaml': alpha }), []);
});

N('a tenant without an owner contact is an error at its contacts; with one, valid', () => {
  const platform = readFileSync(join(FIXTURES, 'platform.yaml'), 'utf8');
  const alpha = readFileSync(join(CORPUS, 'contacts-without-owner', 'alpha.yaml'), 'utf8');
  assert.equal(check({ 'platform.yaml': platform, 'alpha.yaml': alpha }), [
    'tenants/alpha.yaml:14:3: contacts has no owner (technical, security): add one with role: owner, the person who decides for alpha',
  ]);
  const owned = alpha.replace('  - { role: security,', '  - { role: owner, name: Boss, email: boss@example.com }\n  - { role: security,');
  assert.equal(check({ 'platform.yaml': platform, 'alpha.yaml': owned }), []);
});

N.run();
