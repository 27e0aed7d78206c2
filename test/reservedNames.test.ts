// Reserved names (rules reserved-table-name, reserved-tenant-id) and the owner contact (rule contacts-owner):
// what each refuses, and that the refusal is the name or the role alone: the same estate
// with the name changed or an owner added is valid, so the corpus cases
// (test/fixtures/invalid/reserved-table-names, contacts-without-owner) fail for that only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { checkEstate, parseSources } from '../compiler/pipeline.ts';
import { ManifestText } from '../compiler/plan/manifestText.ts';
import { tagMap, tags } from '../compiler/emit/cfn/template.ts';
import { TENANT_TAG_KEY, tenantTagPairs } from '../compiler/plan/isolation.ts';
import { isReservedTableName } from '../compiler/validate/rules/reservedTableNames.ts';
import { RESERVED_TENANT_IDS } from '../compiler/validate/rules/reservedTenantIds.ts';
import { SHARED_FLEET } from '../compiler/plan/runtimeHosts.ts';
import { compiledFrom, FIXTURES, rawFile } from './helpers.ts';

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

N("a tenant's tags are emitted on its resources, after the platform's, and never replace its tenant-id tag", () => {
  const r = compiledFrom(join(FIXTURES, 'estates', 'minimal'));
  const acme = r.plan.tenants.find((t) => t.id === 'acme')!;
  assert.ok(acme.tags.length > 0, 'the fixture tenant has tags of its own');
  const template = JSON.parse(r.files.find((f) => f.path === 'tenants/acme.template.json')!.content) as {
    Resources: Record<string, { Properties?: { Tags?: unknown } }>;
  };
  let tagged = 0;
  for (const [id, res] of Object.entries(template.Resources)) {
    const list = res.Properties?.Tags;
    if (!Array.isArray(list)) continue;
    tagged++;
    const keys = list.map((t: { Key: string }) => t.Key);
    assert.equal(new Set(keys.map((k) => k.toLowerCase())).size, keys.length, `${id}: no key twice, in any case`);
    const tenantIds = list
      .filter((t: { Key: string }) => t.Key.toLowerCase() === TENANT_TAG_KEY)
      .map((t: { Key: string; Value: string }) => ({ Key: t.Key, Value: t.Value }));
    assert.equal(tenantIds, [{ Key: TENANT_TAG_KEY, Value: 'acme' }], `${id}: one tenant-id tag, the tenant's`);
    // Resources tagged with the platform's tags carry the tenant's beside them (the rest,
    // like the role's own ABAC tags, get them from the stack's tags: group.ts).
    if (!keys.includes('platform')) continue;
    for (const [k, v] of acme.tags)
      assert.ok(
        list.some((t: { Key: string; Value: string }) => t.Key === ManifestText.rawText(k) && t.Value === ManifestText.rawText(v)),
        `${id} carries ${ManifestText.rawText(k)}`,
      );
  }
  assert.ok(tagged >= 3, `${tagged} tagged resources`);
  // The mutation: a tenant tag named like tenantc's own (the schema refuses it) let
  // through would, in a tag map, replace the tenant's id the isolation conditions read.
  // The emitter stops instead.
  for (const key of ['tenant-id', 'Tenant-ID']) {
    const pairs = tenantTagPairs([], { id: 'acme', tags: [[new ManifestText(key), new ManifestText('globex')]] });
    assert.throws(() => tagMap(pairs), /twice on one resource/, key);
    assert.throws(() => tags(pairs), /twice on one resource/, key);
  }
  assert.throws(() => tags(tenantTagPairs([['cost-center', 'a']], { id: 'acme', tags: [[new ManifestText('Cost-Center'), new ManifestText('b')]] })), /twice/);
});

N('a tenant id naming the pooled fleet (`shared`) is refused, premium or standard; another id is valid', () => {
  // A premium tenant `shared` had its dedicated fleet named like the pooled one in the
  // runtime's host map: that fleet passed the runtime's fleet check for every pooled
  // tenant's host, and the pooled fleet for its.
  assert.ok(RESERVED_TENANT_IDS.has(SHARED_FLEET), "the host map's pooled fleet name is reserved");
  const platform = readFileSync(join(FIXTURES, 'platform.yaml'), 'utf8');
  const owned = readFileSync(join(CORPUS, 'contacts-without-owner', 'alpha.yaml'), 'utf8').replace(
    '  - { role: security,',
    '  - { role: owner, name: Boss, email: boss@example.com }\n  - { role: security,',
  );
  for (const tier of ['standard', 'premium']) {
    const shared = owned.replace('id: alpha', 'id: shared').replace('alpha.tessera.app', 'shared.tessera.app').replace('tier: standard', `tier: ${tier}`);
    assert.equal(check({ 'platform.yaml': platform, 'shared.yaml': shared }), [
      `tenants/shared.yaml:2:5: id "shared" is reserved: it is the pooled app fleet's name (the runtime host map, FLEET in the fleets' user data, instance tags); choose another id`,
    ]);
    assert.equal(check({ 'platform.yaml': platform, 'shared-co.yaml': shared.replace('id: shared', 'id: shared-co') }), [], 'shared-co is not reserved');
  }
});

N.run();
