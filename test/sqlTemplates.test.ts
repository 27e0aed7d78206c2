// No manifest value reaches SQL or shell unquoted: every mustache in templates/ is a
// quoting helper or a block, and hostile values round-trip through real PostgreSQL.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emitSql } from '../compiler/emit/sql/emitSql.ts';
import { shellQuote, sqlIdent, sqlLiteral } from '../compiler/emit/render.ts';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import { FIXTURES, rawFilesFrom, ROOT } from './helpers.ts';
import { pgliteBackend } from './support/databases.ts';
import { planUnvalidated } from './support/unvalidated.ts';

const T = suite('templates and quoting');

const ALLOWED: Record<string, RegExp> = {
  sql: /^\{\{(sqlIdent|sqlLiteral) [\w./@]+\}\}$|^\{\{[#/](each|if)\b[^}]*\}\}$|^\{\{else\}\}$|^\{\{@index\}\}$/,
  sh: /^\{\{shellQuote \w+\}\}$|^\{\{#if \w+\}\}$|^\{\{\/if\}\}$/,
};

T('no manifest value is placed inside a SQL comment', () => {
  for (const name of readdirSync(join(ROOT, 'templates/sql'))) {
    for (const line of readFileSync(join(ROOT, 'templates/sql', name), 'utf8').split('\n')) {
      const comment = line.indexOf('--');
      if (comment !== -1) assert.not.match(line.slice(comment), /\{\{/, `${name}: ${line}`);
    }
  }
});

T('current_tenant_id() checks the proof without the registry row: no timing oracle of registered ids', () => {
  // The proof's HMAC must refer to no column of the registry row: uncorrelated, PostgreSQL
  // runs it once before the registry is read, for a registered id and an unknown one alike.
  // Correlated (hashing t.id), it ran only when the guessed id was registered, and SQL
  // timing current_tenant_id() over guesses listed every tenant (outside probe, 2026-12-03:
  // 10.0 µs for a registered id, 7.0 µs for an unknown one).
  const sql = readFileSync(join(ROOT, 'templates/sql/001-rls-migration.sql.hbs'), 'utf8');
  const start = sql.indexOf('.current_tenant_id() RETURNS');
  assert.ok(start !== -1, 'current_tenant_id() is defined');
  const body = sql.slice(sql.indexOf('$fn$', start) + 4, sql.indexOf('$fn$;', start));
  const check = body.slice(body.indexOf('EXISTS'));
  assert.ok(check.includes('app.tenant_proof'), 'the EXISTS is the proof check');
  assert.not.match(check, /\bt\.\w/, `the proof check refers to the registry row:\n${check}`);
});

T('every value in templates/ passes through a quoting helper', () => {
  let checked = 0;
  for (const [dir, kind] of [
    ['templates/sql', 'sql'],
    ['templates', 'sh'],
  ] as const) {
    for (const name of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith('.hbs'))) {
      const text = readFileSync(join(ROOT, dir, name), 'utf8');
      for (const m of text.matchAll(/\{\{\{?[^}]*\}?\}\}/g)) {
        assert.match(m[0], ALLOWED[kind]!, `${dir}/${name}: ${m[0]} is not a quoting helper`);
        checked++;
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} mustaches found`);
});

T('the quoting helpers', () => {
  assert.is(sqlIdent('a"b'), '"a""b"');
  assert.is(sqlLiteral("O'Brien"), "'O''Brien'");
  assert.is(sqlLiteral('back\\slash'), "E'back\\\\slash'");
  assert.throws(() => sqlLiteral('nul\0'));
  assert.is(shellQuote("it's"), "'it'\\''s'");
});

T('hostile tenant names round-trip exactly through the compiled SQL, even past the string grammar', async () => {
  const hostile = `Robert'); DROP TABLE app.tenants; -- \\' \\\\ "quoted" $$ $fn$ {{x}}`;
  const hostileDescription = `line one\nDROP TABLE app.tenants; -- */ '; \\`;
  const edit = (name: string, text: string) =>
    name === 'acme.yaml'
      ? text.replace('name: Acme Corporation', () => `name: ${JSON.stringify(hostile)}`)
      : name === 'platform.yaml'
        ? text.replace("description: Projects a tenant's users work in", () => `description: ${JSON.stringify(hostileDescription)}`)
        : text;
  const raw = rawFilesFrom(join(FIXTURES, 'estates', 'minimal')).map((f) => ({
    ...f,
    bytes: Buffer.from(edit(f.name, Buffer.from(f.bytes!).toString('utf8'))),
  }));
  // The grammar refuses both (a name holding "{{", a description over two lines)...
  const refused = compileSources('tenants', parseSources(raw));
  assert.is(refused.ok, false);
  if (refused.ok) return;
  assert.equal(
    refused.diagnostics.map((d) => `${d.file} ${d.message.slice(0, d.message.indexOf(' ('))}`),
    ['tenants/acme.yaml name must not contain "{{"', 'tenants/platform.yaml database.tenantTables[0].description must be one line'],
  );
  // ...and, validation bypassed, the SQL still carries them as data.
  const plan = planUnvalidated(raw.filter((f) => f.name !== 'placement.lock.yaml'));
  const files = Object.fromEntries(emitSql(plan).map((f) => [f.path, f.content]));
  const db = await pgliteBackend('tessera_app');
  try {
    await db.admin.exec(files['sql/001-rls-migration.sql']!);
    await db.admin.exec(files['sql/002-tenants.sql']!);
    const rows = await db.admin.query<{ id: string; name: string }>('SELECT id, name FROM app.tenants ORDER BY id');
    assert.equal(rows, [
      { id: 'acme', name: hostile },
      { id: 'initech', name: 'Initech' },
    ]);
    const [comment] = await db.admin.query<{ d: string }>(`SELECT obj_description('app.projects'::regclass, 'pg_class') AS d`);
    assert.is(comment!.d, hostileDescription);
  } finally {
    await db.close();
  }
});

T.run();
