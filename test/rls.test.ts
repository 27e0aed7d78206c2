// Row-Level Security, proven on PostgreSQL: the compiled migration applied to the
// real server (when reachable) and to embedded PGlite, then attacked as the
// application role. Every assertion here fails if the isolation it names is removed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DB_CLUSTER, emitDatabase } from '../compiler/emit/cfn/database.ts';
import { emitSql } from '../compiler/emit/sql/emitSql.ts';
import { databaseRoles } from '../compiler/plan/names.ts';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import { PLACEMENT_LOCK_FILE } from '../compiler/load/readManifests.ts';
import { RESEED, withTenant } from '../runtime/withTenant.ts';
import { FIXTURES, minimalEstateAs, rawFile } from './helpers.ts';
import { enterTenant, pgliteBackend, readContextKey, rejects, serverBackend, useServer, type Backend, type Session } from './support/databases.ts';

const PLATFORM = `rls${process.pid}`;
const ROLES = databaseRoles(PLATFORM);

/** The SQL compile writes for the minimal fixture estate (acme, initech), under this run's platform name. */
function compiledSql(dropTenant?: string): Record<string, string> {
  const raw = minimalEstateAs(PLATFORM).filter((f) => f.name !== `${dropTenant}.yaml`);
  const r = compileSources('tenants', parseSources(raw));
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return Object.fromEntries(emitSql(r.plan).map((f) => [f.path.replace('sql/', ''), f.content]));
}

const SQL = compiledSql();

/**
 * The registration SQL once initech, removed on 2026-11-20, is brought back on purpose
 * (its manifest's restoredFrom, the lock's removed entry): what the lifecycle walk of
 * test/lifecycle.test.ts compiles, on the minimal estate.
 */
function restoredSql(): string {
  const raw = minimalEstateAs(PLATFORM).map((f) =>
    f.name === 'initech.yaml' ? rawFile(f.name, `${Buffer.from(f.bytes!).toString('utf8')}restoredFrom: "2026-11-20"\n`) : f,
  );
  const lock = readFileSync(join(FIXTURES, 'estates', 'minimal', PLACEMENT_LOCK_FILE), 'utf8')
    .replace(/^ {2}initech: .*\n/m, '')
    .concat('removed:\n  initech: { removed: "2026-11-20", albShard: 0, ruleSlot: 1 }\n');
  const r = compileSources('tenants', parseSources(raw, rawFile(PLACEMENT_LOCK_FILE, lock)));
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return emitSql(r.plan).find((f) => f.path === 'sql/002-tenants.sql')!.content;
}

async function catalogSnapshot(s: Session): Promise<unknown> {
  const [row] = await s.query<{ snap: unknown }>(
    `SELECT json_build_object(
      'relations', (SELECT json_agg(json_build_array(c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl::text, pg_get_userbyid(c.relowner)) ORDER BY c.relname)
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'app'),
      'policies', (SELECT json_agg(json_build_array(tablename, policyname, permissive, roles::text, cmd, qual, with_check) ORDER BY tablename, policyname) FROM pg_policies WHERE schemaname = 'app'),
      'columns', (SELECT json_agg(json_build_array(table_name, column_name, data_type, is_nullable, column_default) ORDER BY table_name, ordinal_position) FROM information_schema.columns WHERE table_schema = 'app'),
      'functions', (SELECT json_agg(json_build_array(p.proname, p.prosecdef, p.proacl::text, md5(p.prosrc)) ORDER BY p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'app'),
      'roles', (SELECT json_agg(json_build_array(rolname, rolsuper, rolbypassrls, rolcanlogin) ORDER BY rolname) FROM pg_roles WHERE rolname IN ($1, $2)),
      'members', (SELECT json_agg(json_build_array(pg_get_userbyid(roleid), pg_get_userbyid(member)) ORDER BY pg_get_userbyid(roleid), pg_get_userbyid(member))
                  FROM pg_auth_members WHERE pg_get_userbyid(member) IN ($1, $2)),
      'schema', (SELECT json_build_array(nspacl::text, pg_get_userbyid(nspowner)) FROM pg_namespace WHERE nspname = 'app'),
      'tenants', (SELECT json_agg(json_build_array(id, name, tier, status, lock_space) ORDER BY id) FROM app.tenants),
      'contextKey', (SELECT json_agg(json_build_array(slot, md5(key)) ORDER BY slot) FROM app.tenantc_context_keys),
      'roleSettings', (SELECT json_agg(setconfig) FROM pg_db_role_setting WHERE setrole = (SELECT oid FROM pg_roles WHERE rolname = $2)),
      'builtins', (SELECT json_agg(json_build_array(p.oid::regprocedure::text, p.proacl::text) ORDER BY p.oid::regprocedure::text) FROM pg_proc p
                   WHERE p.pronamespace = 'pg_catalog'::regnamespace AND (p.proname LIKE 'lo\_%' OR p.proname LIKE 'pg\_%advisory%' OR p.proname IN ('pg_terminate_backend', 'pg_stat_get_activity'))),
      'schemas', (SELECT json_agg(json_build_array(nspname, nspacl::text) ORDER BY nspname) FROM pg_namespace WHERE nspname !~ '^pg_(toast|temp_|toast_temp_)')
    ) AS snap`,
    [ROLES.owner, ROLES.app],
  );
  return row!.snap;
}

async function gaps(s: Session): Promise<string[]> {
  return (await s.query<{ object: string; problem: string }>('SELECT object, problem FROM app.tenantc_rls_gaps()')).map((r) => `${r.object}: ${r.problem}`);
}

function rlsSuite(name: string, open: () => Promise<Backend>): void {
  const S = suite(`rls on ${name}`);
  let db: Backend;
  /** The database's tenant-context key: what the application holds. */
  let key: string;

  /** Runs fn in a transaction whose tenant is `tenant`, set and proven as withTenant does. */
  async function asTenant<T>(s: Session, tenant: string | null, fn: () => Promise<T>): Promise<T> {
    await s.exec('BEGIN');
    try {
      if (tenant !== null) await enterTenant(s, key, tenant);
      return await fn();
    } finally {
      await s.exec('ROLLBACK');
    }
  }

  S.before(async () => {
    db = await open();
    await db.admin.exec(SQL['001-rls-migration.sql']!);
    await db.admin.exec(SQL['002-tenants.sql']!);
    key = await readContextKey(db.admin);
    // Seed one row per tenant per table, as the tenant itself would write it.
    for (const tenant of ['acme', 'initech']) {
      await db.admin.exec('BEGIN');
      await enterTenant(db.admin, key, tenant);
      await db.admin.exec(`SET LOCAL ROLE ${ROLES.app}`);
      for (const table of ['projects', 'documents', 'invoices']) await db.admin.exec(`INSERT INTO app.${table} DEFAULT VALUES`);
      await db.admin.exec('COMMIT');
    }
  });
  S.after(async () => {
    await db?.close();
  });

  S('the migration leaves no gap, and applying it twice equals applying it once', async () => {
    assert.equal(await gaps(db.admin), []);
    const once = await catalogSnapshot(db.admin);
    await db.admin.exec(SQL['001-rls-migration.sql']!);
    await db.admin.exec(SQL['002-tenants.sql']!);
    assert.equal(await catalogSnapshot(db.admin), once);
    assert.equal(await gaps(db.admin), []);
  });

  S('the application role is not superuser, cannot bypass RLS and is not a member of the owner', async () => {
    const [r] = await db.admin.query<{ rolsuper: boolean; rolbypassrls: boolean; member: boolean }>(
      `SELECT rolsuper, rolbypassrls, pg_has_role($1, $2, 'MEMBER') AS member FROM pg_roles WHERE rolname = $1`,
      [ROLES.app, ROLES.owner],
    );
    assert.equal(r, { rolsuper: false, rolbypassrls: false, member: false });
  });

  S('a tenant sees, changes and deletes only its own rows', async () => {
    const app = await db.app();
    try {
      await asTenant(app, 'acme', async () => {
        const rows = await app.query<{ tenant_id: string }>('SELECT tenant_id FROM app.projects');
        assert.equal(
          rows.map((r) => r.tenant_id),
          ['acme'],
        );
        assert.equal(await app.query('SELECT id, status FROM app.current_tenant()'), [{ id: 'acme', status: 'active' }], 'only its own registry row');
        const updated = await app.query(`UPDATE app.invoices SET tenant_id = tenant_id WHERE tenant_id = 'initech' RETURNING id`);
        assert.is(updated.length, 0, "UPDATE of another tenant's row touches nothing");
        const deleted = await app.query(`DELETE FROM app.documents WHERE tenant_id = 'initech' RETURNING id`);
        assert.is(deleted.length, 0, "DELETE of another tenant's row touches nothing");
      });
      await asTenant(app, 'acme', () =>
        rejects(app.query(`INSERT INTO app.projects (tenant_id) VALUES ('initech')`), /row-level security/, 'INSERT for another tenant'),
      );
      await asTenant(app, 'acme', () =>
        rejects(app.query(`UPDATE app.projects SET tenant_id = 'initech'`), /row-level security/, 'moving a row to another tenant'),
      );
      // The other tenant's rows are all still there.
      await asTenant(app, 'initech', async () => {
        assert.is((await app.query('SELECT 1 FROM app.invoices')).length, 1);
        assert.is((await app.query('SELECT 1 FROM app.documents')).length, 1);
      });
    } finally {
      await app.close();
    }
  });

  S('with no tenant set nothing is visible and nothing can be written (fail-closed)', async () => {
    const app = await db.app();
    try {
      await asTenant(app, null, async () => {
        for (const table of ['projects', 'documents', 'comments', 'invoices', 'audit_events']) {
          assert.is((await app.query(`SELECT 1 FROM app.${table}`)).length, 0, table);
        }
        assert.is((await app.query('SELECT 1 FROM app.current_tenant()')).length, 0, 'the registry');
      });
      await asTenant(app, null, () => rejects(app.query('INSERT INTO app.projects DEFAULT VALUES'), /null value|row-level security/, 'INSERT with no tenant'));
      await asTenant(app, null, () =>
        rejects(app.query(`INSERT INTO app.projects (tenant_id) VALUES ('acme')`), /row-level security/, 'INSERT naming a tenant with none set'),
      );
      // A transaction-local setting is gone after COMMIT: the next transaction on the
      // same (pooled) connection starts with no tenant.
      await app.exec('BEGIN');
      await enterTenant(app, key, 'acme');
      await app.exec('COMMIT');
      assert.is((await app.query('SELECT 1 FROM app.projects')).length, 0, 'no tenant leaks into the next transaction');
    } finally {
      await app.close();
    }
  });

  S('a tenant id holding quotes or backslashes cannot escape', async () => {
    const app = await db.app();
    try {
      for (const hostile of [`acme' OR '1'='1`, `acme\\' OR tenant_id <> '`, `initech'--`, `\\x61cme`, `acme\\`, `' OR true --`]) {
        await asTenant(app, hostile, async () => {
          try {
            const rows = await app.query('SELECT tenant_id FROM app.projects');
            assert.is(rows.length, 0, `${hostile} saw rows`);
          } catch (e) {
            // Rejected by the tenant_id domain: an error, never another tenant's rows.
            assert.match((e as Error).message, /tenant_id/);
          }
        });
      }
    } finally {
      await app.close();
    }
  });

  S('the application role cannot turn RLS off or become the owner', async () => {
    const app = await db.app();
    try {
      await rejects(app.exec('ALTER TABLE app.projects DISABLE ROW LEVEL SECURITY'), /must be owner/, 'DISABLE ROW LEVEL SECURITY');
      await rejects(app.exec('ALTER TABLE app.projects NO FORCE ROW LEVEL SECURITY'), /must be owner/, 'NO FORCE');
      await rejects(app.exec('DROP POLICY tenant_read ON app.projects'), /must be owner/, 'DROP POLICY');
      await rejects(app.exec(`SET ROLE ${ROLES.owner}`), /permission denied/, 'SET ROLE to the owner');
      await rejects(app.exec('CREATE TABLE app.mine (x int)'), /permission denied/, 'CREATE in the schema');
      await asTenant(app, 'acme', async () => {
        await app.exec('SET LOCAL row_security = off');
        await rejects(app.query('SELECT 1 FROM app.projects'), /row-level security/, 'row_security = off');
      });
      await rejects(app.query(`SELECT app.tenantc_register_tenant('acme', 'x', 'premium', 'active')`), /permission denied/, 'the registration function');
    } finally {
      await app.close();
    }
  });

  S('views and SECURITY DEFINER functions made by the owner do not get around the policies', async () => {
    await db.admin.exec(`
      SET ROLE ${ROLES.owner};
      CREATE VIEW app.all_projects AS SELECT * FROM app.projects;
      CREATE FUNCTION app.count_invoices() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT count(*) FROM app.invoices';
      GRANT SELECT ON app.all_projects TO ${ROLES.app};
      GRANT EXECUTE ON FUNCTION app.count_invoices() TO ${ROLES.app};
      RESET ROLE;`);
    const app = await db.app();
    try {
      await asTenant(app, 'acme', async () => {
        assert.equal(
          (await app.query<{ tenant_id: string }>('SELECT tenant_id FROM app.all_projects')).map((r) => r.tenant_id),
          ['acme'],
        );
        assert.equal(await app.query('SELECT app.count_invoices()::int AS n'), [{ n: 1 }]);
      });
    } finally {
      await app.close();
      await db.admin.exec('DROP VIEW app.all_projects; DROP FUNCTION app.count_invoices();');
    }
    assert.equal(await gaps(db.admin), []);
  });

  S('a view made by a superuser does leak, and the catalog check reports it', async () => {
    await db.admin.exec(`CREATE VIEW app.leaky_projects AS SELECT * FROM app.projects; GRANT SELECT ON app.leaky_projects TO ${ROLES.app};`);
    const app = await db.app();
    try {
      await asTenant(app, 'acme', async () => {
        const seen = (await app.query<{ tenant_id: string }>('SELECT tenant_id FROM app.leaky_projects ORDER BY 1')).map((r) => r.tenant_id);
        assert.equal(seen, ['acme', 'initech'], 'the pitfall is real: the view runs as a superuser');
      });
    } finally {
      await app.close();
    }
    const reported = await gaps(db.admin);
    await db.admin.exec('DROP VIEW app.leaky_projects');
    assert.ok(
      reported.some((g) => /leaky_projects: view runs as .*bypasses row-level security/.test(g)),
      reported.join('\n'),
    );
    await db.admin.exec(`CREATE VIEW app.safe_projects WITH (security_invoker = true) AS SELECT * FROM app.projects`);
    assert.equal(await gaps(db.admin), [], 'a security_invoker view is fine');
    await db.admin.exec('DROP VIEW app.safe_projects');
  });

  S('an unprotected table added by hand is reported by the catalog check', async () => {
    await db.admin.exec(`SET ROLE ${ROLES.owner}; CREATE TABLE app.notes (id int, tenant_id text); CREATE TABLE app.audit_copy (id int); RESET ROLE;`);
    const reported = await gaps(db.admin);
    await db.admin.exec('DROP TABLE app.notes; DROP TABLE app.audit_copy;');
    assert.equal(reported, [
      'app.audit_copy: no policy',
      'app.audit_copy: no tenant_id column',
      'app.audit_copy: row-level security is not enabled',
      'app.audit_copy: row-level security is not forced: the owner bypasses it',
      'app.notes: no policy',
      'app.notes: row-level security is not enabled',
      'app.notes: row-level security is not forced: the owner bypasses it',
      "app.notes: the planner keeps statistics on column id: an estimate (EXPLAIN ... WHERE id = ...) tells one tenant which values other tenants' rows hold (run the migration again: it sets SET STATISTICS 0 on every column)",
      'app.notes: the planner keeps statistics on tenant_id: an estimate tells one tenant how many rows another has',
    ]);
  });

  /** Runs `sql` as the application role for `tenant`, inside the admin's open transaction. */
  async function asAppIn(tenant: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    // In a savepoint: a refused statement rolls back to it (role and tenant included)
    // and the admin's transaction goes on.
    await db.admin.exec(`SAVEPOINT as_app; SET LOCAL ROLE ${ROLES.app}`);
    await enterTenant(db.admin, key, tenant);
    try {
      const rows = await db.admin.query(sql, params);
      await db.admin.exec('RESET ROLE; RELEASE SAVEPOINT as_app');
      return rows;
    } catch (e) {
      await db.admin.exec('ROLLBACK TO SAVEPOINT as_app; RELEASE SAVEPOINT as_app');
      throw e;
    }
  }

  S("keys include the tenant: taking another tenant's next ids blocks nothing and tells nothing", async () => {
    await db.admin.exec('BEGIN');
    try {
      const [row] = await db.admin.query<{ last: string }>(`SELECT max(id)::text AS last FROM app.projects WHERE tenant_id = 'initech'`);
      // acme takes initech's existing id and the ids its sequence hands out next.
      const [seq] = await db.admin.query<{ next: string }>(`SELECT (last_value + 1)::text AS next FROM app.projects_id_seq`);
      for (const id of [Number(row!.last), Number(seq!.next), Number(seq!.next) + 1]) {
        await asAppIn('acme', 'INSERT INTO app.projects (id) OVERRIDING SYSTEM VALUE VALUES ($1)', [id]);
      }
      for (let i = 0; i < 3; i++) await asAppIn('initech', 'INSERT INTO app.projects DEFAULT VALUES');
      assert.is((await asAppIn('initech', 'SELECT 1 FROM app.projects')).length, 4, "initech's inserts all succeed");
    } finally {
      await db.admin.exec('ROLLBACK');
    }
    // The mutation: the key on id alone, as it was. The same attack now blocks initech.
    await db.admin.exec('BEGIN');
    try {
      await db.admin.exec('ALTER TABLE app.projects DROP CONSTRAINT projects_pkey; ALTER TABLE app.projects ADD PRIMARY KEY (id)');
      const [seq] = await db.admin.query<{ next: string }>(`SELECT (last_value + 1)::text AS next FROM app.projects_id_seq`);
      await asAppIn('acme', 'INSERT INTO app.projects (id) OVERRIDING SYSTEM VALUE VALUES ($1)', [Number(seq!.next)]);
      await rejects(asAppIn('initech', 'INSERT INTO app.projects DEFAULT VALUES'), /duplicate key/, "with the key on id alone, acme blocks initech's insert");
      assert.ok(
        (await gaps(db.admin)).includes(
          'app.projects: primary key projects_pkey does not have tenant_id among its key columns: one tenant learns whether another has a value, and can block its inserts (make tenant_id its first key column)',
        ),
      );
    } finally {
      await db.admin.exec('ROLLBACK');
    }
  });

  S('a platform migration that reopens paths around the policies: each path is real, and the catalog check reports each', async () => {
    const fixture = readFileSync(join(FIXTURES, 'sql', 'platform-migration-with-gaps.sql'), 'utf8')
      .replaceAll('tenantc_owner_placeholder', ROLES.owner)
      .replaceAll('tenantc_app_placeholder', ROLES.app)
      .replaceAll('tenantc_registrar_placeholder', ROLES.registrar);
    await db.admin.exec('BEGIN');
    try {
      await db.admin.exec(fixture);
      // The registrar's own: a view, a function, and an overload under the name of one of
      // tenantc's functions (a check that allows by name lets it through).
      await db.admin.exec(`SET LOCAL ROLE ${ROLES.registrar}; CREATE VIEW app.all_tenants AS SELECT id, status FROM app.tenants;
        CREATE FUNCTION app.tenant_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT count(*) FROM app.tenants';
        CREATE FUNCTION app.tenantc_register_tenant(p_id text) RETURNS SETOF text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT name FROM app.tenants';
        GRANT EXECUTE ON FUNCTION app.tenantc_register_tenant(text) TO ${ROLES.app}; RESET ROLE;`);
      // The paths are real. An oracle on another tenant's values (a unique column; a
      // unique key whose tenant_id is only included; an exclusion constraint), which is
      // also a way to block its inserts:
      await asAppIn('initech', `UPDATE app.projects SET code = 'SECRET-7'`);
      await asAppIn('initech', `UPDATE app.documents SET slug = 'merger-plan'`);
      await asAppIn('initech', `UPDATE app.invoices SET period = tstzrange('2026-03-01', '2026-04-01')`);
      await asAppIn('initech', 'INSERT INTO app.comments DEFAULT VALUES');
      await asAppIn('acme', 'INSERT INTO app.comments DEFAULT VALUES');
      for (const [sql, what] of [
        [`INSERT INTO app.projects (code) VALUES ('SECRET-7')`, 'acme learns initech has SECRET-7'],
        [`INSERT INTO app.documents (slug) VALUES ('merger-plan')`, 'acme learns initech has a document merger-plan'],
        [`INSERT INTO app.invoices (period) VALUES (tstzrange('2026-03-15', '2026-03-16'))`, "acme bisects initech's period"],
      ] as const) {
        await db.admin.exec('SAVEPOINT oracle');
        await rejects(asAppIn('acme', sql), /duplicate key|conflicting key value violates exclusion constraint/, what);
        await db.admin.exec('ROLLBACK TO SAVEPOINT oracle');
      }
      // A reference into another tenant's rows:
      const [theirs] = await db.admin.query<{ id: string }>(`SELECT id::text FROM app.projects WHERE tenant_id = 'initech' LIMIT 1`);
      await asAppIn('acme', 'INSERT INTO app.documents (project_id) VALUES ($1)', [Number(theirs!.id)]);
      // Another tenant's rows through a policy that has tenantc's name, and through the admin's view in another schema:
      assert.equal((await asAppIn('acme', 'SELECT DISTINCT tenant_id FROM app.comments ORDER BY 1')).length, 2, 'the renamed policy shows initech');
      assert.equal((await asAppIn('acme', 'SELECT DISTINCT tenant_id FROM reports.all_invoices')).length, 2, 'the view in reports shows initech');
      // The registry, through the overload:
      assert.equal((await asAppIn('acme', `SELECT * FROM app.tenantc_register_tenant('x')`)).length, 2, 'the overload lists every tenant');
      // One tenant's row count, for anyone to read, in the partial index's size:
      await asAppIn('initech', 'INSERT INTO app.audit_events SELECT FROM generate_series(1, 6)');
      await db.admin.exec('ANALYZE app.audit_events');
      assert.equal(
        await asAppIn('acme', `SELECT reltuples::int AS n FROM pg_class WHERE relname = 'audit_events_initech'`),
        [{ n: 6 }],
        "initech's 6 audit events",
      );
      const reported = await gaps(db.admin);
      for (const expected of [
        /^app\.projects: unique index projects_code_key does not have tenant_id among its key columns/,
        /^app\.projects: unique index projects_id_key does not have tenant_id among its key columns/,
        /^app\.documents: unique index documents_slug_key does not have tenant_id among its key columns/,
        /^app\.invoices: exclusion constraint invoices_period_excl does not compare tenant_id with =/,
        /^app\.documents: foreign key documents_project_id_fkey to app\.projects does not pair tenant_id with tenant_id/,
        /^app\.comments: policy tenant_read \(FOR SELECT, TO PUBLIC\) is not one of tenantc's: .* its USING is true$/,
        /^app\.audit_events: index audit_events_initech has a predicate on tenant_id/,
        /^app\.comments: rule comments_log rewrites queries as the table's owner/,
        new RegExp(`^app\\.invoices: ${ROLES.app} is granted TRUNCATE: TRUNCATE empties the table past row-level security`),
        new RegExp(`^app\\.invoices_id_seq: ${ROLES.app} is granted USAGE on a sequence`),
        /^reports\.all_invoices: view runs as \S+, which bypasses row-level security/,
        /^app\.all_tenants: view runs as the registrar/,
        /^app\.tenant_count\(\): function runs as the registrar/,
        /^app\.tenantc_register_tenant\(text\): function runs as the registrar/,
      ])
        assert.ok(
          reported.some((g) => expected.test(g)),
          `${expected} in:\n${reported.join('\n')}`,
        );
    } finally {
      await db.admin.exec('ROLLBACK');
    }
    assert.equal(await gaps(db.admin), [], 'the compiled migration alone reports nothing');
  });

  S('a function of tenantc changed in its body, or an index expression over tenant_id, is reported', async () => {
    await db.admin.exec('BEGIN');
    try {
      // The registrar's current_tenant_id() with a body that trusts app.tenant_id alone.
      await db.admin.exec(`GRANT CREATE ON SCHEMA app TO ${ROLES.registrar}; SET LOCAL ROLE ${ROLES.registrar};
        CREATE OR REPLACE FUNCTION app.current_tenant_id() RETURNS app.tenant_id LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
          AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::app.tenant_id $$;
        SET LOCAL ROLE ${ROLES.owner}; CREATE INDEX projects_tenant_lower ON app.projects (lower(tenant_id)); RESET ROLE;`);
      const reported = await gaps(db.admin);
      assert.ok(
        reported.includes(
          "app.current_tenant_id(): function runs as the registrar, which sees every tenant's registry row and the tenant-context key: only tenantc's own may (this one differs from them in signature or body)",
        ),
        reported.join('\n'),
      );
      assert.ok(
        reported.some((g) => /^app\.projects: index projects_tenant_lower has an expression over tenant_id/.test(g)),
        reported.join('\n'),
      );
    } finally {
      await db.admin.exec('ROLLBACK');
    }
  });

  S('the reaper: the application role cannot become it, and a reaper widened or changed is reported', async () => {
    assert.equal(
      (
        await db.admin.query<{ member: boolean; inherits: boolean }>(
          `SELECT pg_has_role($1, $2, 'MEMBER') AS member, pg_has_role($2, $1, 'MEMBER') AS inherits`,
          [ROLES.app, ROLES.reaper],
        )
      )[0],
      { member: false, inherits: true },
      'the reaper is a member of the application role, never the reverse',
    );
    // The application role cannot be made a member of the reaper: PostgreSQL refuses a circular membership.
    await rejects(db.admin.exec(`GRANT ${ROLES.reaper} TO ${ROLES.app}`), /is a member of role/, 'the application role in the reaper');
    for (const [mutation, expected] of [
      [
        `GRANT pg_signal_backend TO ${ROLES.reaper}`,
        `${ROLES.reaper}: the reaper role is a member of pg_signal_backend: it may end sessions of roles other than the application's (it needs membership in the application role only)`,
      ],
      [
        `GRANT CREATE ON SCHEMA app TO ${ROLES.reaper}; SET LOCAL ROLE ${ROLES.reaper};
         CREATE OR REPLACE FUNCTION app.tenantc_end_session(p_pid integer, p_transaction_start bigint, p_token text) RETURNS text
           LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ SELECT pg_terminate_backend(p_pid)::text $$; RESET ROLE`,
        "app.tenantc_end_session(integer,bigint,text): function runs as the reaper, which may end every tenant's sessions: only tenantc's own may (this one differs from it in signature or body)",
      ],
    ] as const) {
      await db.admin.exec('BEGIN');
      try {
        await db.admin.exec(mutation);
        const reported = await gaps(db.admin);
        assert.ok(reported.includes(expected), `${expected} in:\n${reported.join('\n')}`);
      } finally {
        await db.admin.exec('ROLLBACK');
      }
    }
    assert.equal(await gaps(db.admin), []);
  });

  S('the registry: the application reads its own row through current_tenant(), never the table, and no statistic describes another tenant', async () => {
    // The planner attack of the issue: the histogram's selectivity, amplified by a join.
    const probe = (bound: string) =>
      `EXPLAIN (FORMAT JSON) SELECT 1 FROM app.tenants t LEFT JOIN generate_series(1::bigint, 1e17::bigint) g ON t.id <= '${bound}'`;
    const app = await db.app();
    try {
      await asTenant(app, 'acme', () => rejects(app.query('SELECT id FROM app.tenants'), /permission denied for table tenants/, 'SELECT on the registry'));
      await asTenant(app, 'acme', () => rejects(app.query(probe('cyberdyne')), /permission denied for table tenants/, 'EXPLAIN over the registry'));
      await asTenant(app, 'acme', async () => {
        assert.equal(await app.query('SELECT id, name, tier, status FROM app.current_tenant()'), [
          { id: 'acme', name: 'Acme Corporation', tier: 'premium', status: 'active' },
        ]);
      });
    } finally {
      await app.close();
    }
    await db.admin.exec('ANALYZE app.tenants');
    assert.equal(await db.admin.query(`SELECT attname FROM pg_stats WHERE schemaname = 'app' AND tablename = 'tenants'`), [], 'ANALYZE keeps nothing');
    // The mutation: the registry readable by the application, with its statistics, as it was.
    await db.admin.exec('BEGIN');
    try {
      await db.admin.exec(`GRANT SELECT ON app.tenants TO ${ROLES.app}; ALTER POLICY tenant_isolation ON app.tenants TO ${ROLES.owner}, ${ROLES.app};
        ALTER TABLE app.tenants ALTER COLUMN id SET STATISTICS -1; ANALYZE app.tenants`);
      const estimate = async (bound: string) => {
        const [plan] = await asAppIn('acme', probe(bound));
        return (Object.values(plan!)[0] as { Plan: { 'Plan Rows': number } }[])[0]!.Plan['Plan Rows'];
      };
      assert.is((await asAppIn('acme', 'SELECT id FROM app.tenants')).length, 1, 'acme sees one row');
      assert.ok((await estimate('b')) < (await estimate('cyberdyne')), "the estimates place another tenant's id between b and cyberdyne... ");
      assert.ok((await estimate('cyberdyne')) < (await estimate('z')), '...and between cyberdyne and z');
      const reported = await gaps(db.admin);
      assert.ok(
        reported.includes(`app.tenants: ${ROLES.app} is granted SELECT: the application reads the registry only through current_tenant(), its own row`),
        reported.join('\n'),
      );
      assert.ok(
        reported.includes(
          'app.tenants: the planner keeps statistics on column id of the registry: an estimate over it describes other tenants (run the migration again)',
        ),
      );
    } finally {
      await db.admin.exec('ROLLBACK');
    }
  });

  S("the registry: the owner's views and functions show the current tenant only; the registrar alone sees every tenant", async () => {
    await db.admin.exec(`SET ROLE ${ROLES.owner};
      CREATE VIEW app.tenant_directory AS SELECT id, name, status FROM app.tenants;
      CREATE FUNCTION app.tenant_names() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT name FROM app.tenants';
      GRANT SELECT ON app.tenant_directory TO ${ROLES.app}; GRANT EXECUTE ON FUNCTION app.tenant_names() TO ${ROLES.app};
      RESET ROLE;`);
    const app = await db.app();
    try {
      await asTenant(app, 'acme', async () => {
        assert.equal(
          (await app.query<{ id: string }>('SELECT id FROM app.tenant_directory')).map((r) => r.id),
          ['acme'],
        );
        assert.is((await app.query('SELECT * FROM app.tenant_names()')).length, 1);
      });
      await asTenant(app, null, async () => assert.equal(await app.query('SELECT id FROM app.tenant_directory'), []));
    } finally {
      await app.close();
    }
    await db.admin.exec('BEGIN');
    try {
      await db.admin.exec(`SET LOCAL ROLE ${ROLES.registrar}`);
      assert.is((await db.admin.query('SELECT id FROM app.tenants')).length, 2, 'the registrar sees every tenant');
      await db.admin.exec('RESET ROLE');
      // The mutation: the owner's registry policy as it was. The owner's view then lists everyone.
      await db.admin.exec(`CREATE POLICY tenant_registry ON app.tenants AS PERMISSIVE FOR ALL TO ${ROLES.owner} USING (true) WITH CHECK (true)`);
      assert.is((await asAppIn('acme', 'SELECT id FROM app.tenant_directory')).length, 2, 'with the old policy the view leaks every tenant');
      assert.ok((await gaps(db.admin)).some((g) => /^app\.tenants: policy tenant_registry \(FOR ALL, TO \w+\) is not one of tenantc's/.test(g)));
    } finally {
      await db.admin.exec('ROLLBACK');
      await db.admin.exec('DROP VIEW app.tenant_directory; DROP FUNCTION app.tenant_names();');
    }
  });

  S('the planner tells no tenant how many rows another has (database.tenantStatistics: private), and pg_stats shows it nothing', async () => {
    await db.admin.exec('BEGIN');
    try {
      await asAppIn('initech', 'INSERT INTO app.audit_events SELECT FROM generate_series(1, 400)');
      await db.admin.exec('ANALYZE app.audit_events');
      const estimate = async (tenant: string) => {
        const [plan] = await asAppIn('acme', `EXPLAIN (FORMAT JSON) SELECT * FROM app.audit_events WHERE tenant_id = $1`, [tenant]);
        return (Object.values(plan!)[0] as { Plan: { 'Plan Rows': number } }[])[0]!.Plan['Plan Rows'];
      };
      assert.is(await estimate('initech'), await estimate('zzz-nobody'), 'the estimate for initech is the estimate for a tenant that does not exist');
      assert.equal(
        await asAppIn('acme', `SELECT attname FROM pg_stats WHERE schemaname = 'app' AND tablename = 'audit_events'`),
        [],
        'pg_stats hides row-secured tables',
      );
      // The mutation: statistics kept (tenantStatistics: shared). initech's count shows.
      await db.admin.exec('ALTER TABLE app.audit_events ALTER COLUMN tenant_id SET STATISTICS -1; ANALYZE app.audit_events');
      assert.ok((await estimate('initech')) > 100, `with statistics, acme sees initech's ~400 rows (${await estimate('initech')})`);
      assert.ok(
        (await gaps(db.admin)).includes('app.audit_events: the planner keeps statistics on tenant_id: an estimate tells one tenant how many rows another has'),
      );
    } finally {
      await db.admin.exec('ROLLBACK');
    }
  });

  S("no column of a tenant table keeps statistics: acme's estimates say nothing of the values in initech's rows", async () => {
    // A platform migration adds a column and an expression index (README: columns are the
    // platform's); initech fills it; autovacuum or anyone's ANALYZE gathers statistics.
    await db.admin.exec(`ALTER TABLE app.projects ADD COLUMN name text NOT NULL DEFAULT '';
      CREATE INDEX projects_lower_name ON app.projects (lower(name)); SET ROLE ${ROLES.owner}; CREATE STATISTICS app.projects_name_stx ON id, name FROM app.projects; RESET ROLE`);
    try {
      await db.admin.exec('BEGIN');
      await asAppIn('initech', `INSERT INTO app.projects (name) SELECT 'initech-merger-target' FROM generate_series(1, 300)`);
      await asAppIn('acme', `INSERT INTO app.projects (name) SELECT 'p' || g FROM generate_series(1, 300) g`);
      await db.admin.exec('COMMIT; ANALYZE app.projects');
      const pool = await db.appPool();
      const estimate = (where: string) =>
        withTenant(
          pool.pool,
          'acme',
          async (c) => {
            // The join multiplies the qual's selectivity by a trillion: no clamp to one row hides it (issue 19's probe).
            const [row] = (await c.query(`EXPLAIN (FORMAT JSON) SELECT 1 FROM app.projects LEFT JOIN generate_series(1::bigint, 1e12::bigint) g ON ${where}`))
              .rows;
            return (Object.values(row!)[0] as { Plan: { 'Plan Rows': number } }[])[0]!.Plan['Plan Rows'];
          },
          { contextKey: key },
        );
      try {
        // The mutation: the column as the platform migration added it, statistics kept.
        const [held, nobody] = [await estimate(`name = 'initech-merger-target'`), await estimate(`name = 'a-value-nobody-has'`)];
        assert.ok(held > 10 * nobody, `acme's estimates tell initech's value (half the rows: ${held}) from one nobody has (${nobody})`);
        assert.ok(
          (await estimate(`lower(name) = 'initech-merger-target'`)) > 10 * (await estimate(`lower(name) = 'a-value-nobody-has'`)),
          "the index's expression statistics too",
        );
        const reported = await gaps(db.admin);
        for (const expected of [
          'app.projects: the planner keeps statistics on column name: an estimate',
          'app.projects: the planner keeps statistics on expression column 1 of index projects_lower_name',
          'app.projects: extended statistics projects_name_stx keep values of every tenant',
        ])
          assert.ok(
            reported.some((g) => g.startsWith(expected)),
            `${expected} in:\n${reported.join('\n')}`,
          );
        // The defence: the migration, run again after the platform's, forgets them.
        await db.admin.exec(SQL['001-rls-migration.sql']!);
        await db.admin.exec('ANALYZE app.projects');
        assert.equal(await gaps(db.admin), []);
        assert.is(
          await estimate(`name = 'initech-merger-target'`),
          await estimate(`name = 'a-value-nobody-has'`),
          "initech's value is estimated as a value nobody has",
        );
        assert.is(await estimate(`lower(name) = 'initech-merger-target'`), await estimate(`lower(name) = 'a-value-nobody-has'`));
      } finally {
        await pool.end();
      }
    } finally {
      await db.admin.exec(`DROP STATISTICS IF EXISTS app.projects_name_stx; DROP INDEX IF EXISTS app.projects_lower_name;
        DELETE FROM app.projects WHERE name <> ''; ALTER TABLE app.projects DROP COLUMN name`);
    }
  });

  S("the application role holds no privilege on sequences (last_value would count every tenant's inserts)", async () => {
    const app = await db.app();
    try {
      await rejects(app.query('SELECT last_value FROM app.projects_id_seq'), /permission denied/, 'last_value');
      await rejects(app.query(`SELECT nextval('app.projects_id_seq')`), /permission denied/, 'nextval');
    } finally {
      await app.close();
    }
  });

  S('suspended and offboarded tenants read their rows and write nothing; an unregistered id sees nothing', async () => {
    const register = (status: string) =>
      db.admin.exec(`SET ROLE ${ROLES.registrar}; SELECT app.tenantc_register_tenant('acme', 'Acme', 'premium', '${status}'); RESET ROLE;`);
    try {
      for (const status of ['suspended', 'offboarded']) {
        await register(status);
        const app = await db.app();
        try {
          await asTenant(app, 'acme', async () => {
            assert.is((await app.query('SELECT 1 FROM app.invoices')).length, 1, `${status}: reads`);
            assert.is((await app.query('UPDATE app.invoices SET tenant_id = tenant_id RETURNING 1')).length, 0, `${status}: UPDATE touches nothing`);
            assert.is((await app.query('DELETE FROM app.invoices RETURNING 1')).length, 0, `${status}: DELETE touches nothing`);
          });
          await asTenant(app, 'acme', () => rejects(app.query('INSERT INTO app.invoices DEFAULT VALUES'), /row-level security/, `${status}: INSERT`));
          await asTenant(app, 'umbrella', async () => assert.is((await app.query('SELECT 1 FROM app.invoices')).length, 0, 'an id never registered'));
        } finally {
          await app.close();
        }
      }
    } finally {
      await register('active');
    }
  });

  S("a removed tenant's rows stay, readable and writable by nobody, and its id is never registered again", async () => {
    await db.admin.exec(compiledSql('initech')['002-tenants.sql']!);
    const rows = await db.admin.query<{ id: string; status: string; removed: boolean }>(
      'SELECT id, status, removed_at IS NOT NULL AS removed FROM app.tenants ORDER BY id',
    );
    assert.equal(rows, [
      { id: 'acme', status: 'active', removed: false },
      { id: 'initech', status: 'removed', removed: true },
    ]);
    const [count] = await db.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM app.projects WHERE tenant_id = 'initech'`);
    assert.ok(count!.n >= 1, 'its data stays');
    const app = await db.app();
    try {
      await asTenant(app, 'initech', async () => {
        for (const table of ['projects', 'documents', 'invoices']) assert.is((await app.query(`SELECT 1 FROM app.${table}`)).length, 0, table);
        assert.is((await app.query('SELECT 1 FROM app.current_tenant()')).length, 0, 'the registry');
      });
      await asTenant(app, 'initech', () => rejects(app.query('INSERT INTO app.projects DEFAULT VALUES'), /row-level security/, 'INSERT as a removed tenant'));
    } finally {
      await app.close();
    }
    // A new customer given the removed id: refused, with the date, whatever the manifests say.
    await rejects(
      db.admin.exec(SQL['002-tenants.sql']!),
      /tenant id initech was removed on \d{4}-\d{2}-\d{2}: a removed id is never given to another tenant/,
      'registering initech again',
    );
    // The refused script stopped inside its transaction: end it, as psql's ON_ERROR_STOP would.
    await db.admin.exec('ROLLBACK');
  });

  S("restored on purpose (restoredFrom): the same tenant reads and writes its own rows again, and still nobody else's", async () => {
    const restore = restoredSql();
    assert.match(restore, "tenantc_restore_tenant('initech')");
    await db.admin.exec(restore);
    const app = await db.app();
    try {
      await asTenant(app, 'initech', async () => {
        const own = await app.query<{ tenant_id: string }>('SELECT tenant_id FROM app.projects');
        assert.ok(own.length >= 1, 'its rows are its own again');
        assert.ok(
          own.every((r) => r.tenant_id === 'initech'),
          'and only its own',
        );
        await app.query('INSERT INTO app.projects DEFAULT VALUES');
      });
      await asTenant(app, 'acme', async () => {
        assert.is((await app.query(`SELECT 1 FROM app.projects WHERE tenant_id = 'initech'`)).length, 0, 'acme still sees nothing of initech');
      });
    } finally {
      await app.close();
    }
  });

  S('large objects are closed to the application role, and the check reports any it owns', async () => {
    const app = await db.app();
    try {
      for (const call of [
        `SELECT lo_from_bytea(0, 'x')`,
        'SELECT lo_create(0)',
        'SELECT lo_get(1)',
        `SELECT lo_put(1, 0, 'x')`,
        'SELECT lo_unlink(1)',
        'SELECT lo_open(1, 262144)',
      ]) {
        await asTenant(app, 'acme', () => rejects(app.query(call), /permission denied for function lo_/, call));
      }
    } finally {
      await app.close();
    }
    // The mutation: the lo_* functions as PostgreSQL ships them. initech's large object
    // is then acme's to list, read, overwrite and unlink: one owner, no policies.
    await db.admin.exec('BEGIN');
    try {
      await db.admin.exec('GRANT EXECUTE ON FUNCTION lo_from_bytea(oid, bytea), lo_get(oid), lo_put(oid, bigint, bytea), lo_unlink(oid) TO PUBLIC');
      const [made] = await asAppIn('initech', `SELECT lo_from_bytea(0, convert_to('initech payroll', 'UTF8'))::text AS oid`);
      assert.ok(
        (await asAppIn('acme', 'SELECT oid::text FROM pg_largeobject_metadata')).some((r) => r.oid === made!.oid),
        'acme lists it',
      );
      assert.equal(await asAppIn('acme', `SELECT convert_from(lo_get($1::oid), 'UTF8') AS v`, [made!.oid]), [{ v: 'initech payroll' }], 'acme reads it');
      await asAppIn('acme', `SELECT lo_put($1::oid, 0, convert_to('acme', 'UTF8'))`, [made!.oid]);
      const reported = await gaps(db.admin);
      assert.ok(
        reported.includes(
          `${ROLES.app}: the application role owns 1 large object(s): any tenant reads, overwrites and unlinks them (move the data into a tenant table)`,
        ),
        reported.join('\n'),
      );
      assert.ok(
        reported.some((g) =>
          g.startsWith(`${ROLES.app}: the application role may call lo_from_bytea, lo_get, lo_put, lo_unlink: large objects have no row-level security`),
        ),
        reported.join('\n'),
      );
    } finally {
      await db.admin.exec('ROLLBACK');
    }
  });

  S('role-level settings a tenant gives the shared role are reported, and the migration clears them', async () => {
    const app = await db.app();
    try {
      // Any role may set its own defaults: the attack is one statement each.
      await app.exec('ALTER ROLE CURRENT_USER SET default_transaction_read_only = on');
      await app.exec(`ALTER ROLE CURRENT_USER SET lock_timeout = '1ms'`);
    } finally {
      await app.close();
    }
    const settings = () => db.admin.query<{ setconfig: string[] }>('SELECT setconfig FROM pg_db_role_setting WHERE setrole = $1::regrole', [ROLES.app]);
    try {
      assert.equal(await gaps(db.admin), [
        `${ROLES.app}: the application role has role-level settings (temp_file_limit=5GB, log_parameter_max_length=0, default_transaction_read_only=on, lock_timeout=1ms): every new session of every tenant starts with them (run the migration again: it clears them)`,
      ]);
      // The mutation: the migration without its clearing step leaves them.
      await db.admin.exec(SQL['001-rls-migration.sql']!.replace(/^SELECT pg_temp\.tenantc_clear_role_settings\(.*\);$/m, ''));
      assert.equal(await settings(), [
        { setconfig: ['temp_file_limit=5GB', 'log_parameter_max_length=0', 'default_transaction_read_only=on', 'lock_timeout=1ms'] },
      ]);
      await db.admin.exec(SQL['001-rls-migration.sql']!);
      assert.equal(await settings(), [{ setconfig: ['temp_file_limit=5GB', 'log_parameter_max_length=0'] }], 'only the limits the migration sets');
      assert.equal(await gaps(db.admin), []);
    } finally {
      await db.admin.exec(`ALTER ROLE ${ROLES.app} RESET ALL`);
      await db.admin.exec(SQL['001-rls-migration.sql']!);
    }
  });

  S("temp_file_limit and log_parameter_max_length = 0 are the application role's, and no tenant lifts them", async () => {
    const settings = () => db.admin.query<{ setconfig: string[] }>('SELECT setconfig FROM pg_db_role_setting WHERE setrole = $1::regrole', [ROLES.app]);
    const app = await db.app();
    try {
      for (const sql of ['SET temp_file_limit = -1', 'SET log_parameter_max_length = -1']) {
        await rejects(app.exec(sql), /permission denied to set parameter/, sql);
      }
      // A role may reset its own defaults, but not a superuser's setting among them.
      await app.exec('ALTER ROLE CURRENT_USER RESET ALL');
      if (db.name === 'server') {
        const fresh = await db.app();
        try {
          assert.equal(await fresh.query(`SELECT current_setting('temp_file_limit') AS t, current_setting('log_parameter_max_length') AS l`), [
            { t: '5GB', l: '0' },
          ]);
        } finally {
          await fresh.close();
        }
      }
    } finally {
      await app.close();
    }
    assert.equal(await settings(), [{ setconfig: ['temp_file_limit=5GB', 'log_parameter_max_length=0'] }]);
    // The mutation: the migration without the step. The role keeps PostgreSQL's
    // defaults: no limit on temporary files, bind parameters logged in full.
    await db.admin.exec(`ALTER ROLE ${ROLES.app} RESET ALL`);
    try {
      await db.admin.exec(SQL['001-rls-migration.sql']!.replace(/^SELECT pg_temp\.tenantc_limit_app_role\(.*\);$/m, ''));
      assert.equal(await settings(), []);
      if (db.name === 'server') {
        const fresh = await db.app();
        try {
          assert.equal(await fresh.query(`SELECT current_setting('temp_file_limit') AS t, current_setting('log_parameter_max_length') AS l`), [
            { t: '-1', l: '-1' },
          ]);
        } finally {
          await fresh.close();
        }
      }
    } finally {
      await db.admin.exec(SQL['001-rls-migration.sql']!);
    }
  });

  S("no schema is the application role's to create in: a function planted in public would run in another tenant's request", async () => {
    const plant = [
      'CREATE TABLE public.loot (v text)',
      // An exact match for upper(tenant_id), so it wins over pg_catalog.upper(text).
      `CREATE FUNCTION public.upper(app.tenant_id) RETURNS text LANGUAGE sql
        AS $f$ INSERT INTO public.loot SELECT string_agg(i.tenant_id || ':' || i.id, ',') FROM app.invoices i; SELECT pg_catalog.upper($1::text) $f$`,
    ];
    const app = await db.app();
    try {
      for (const sql of plant) await asTenant(app, 'acme', () => rejects(app.exec(sql), /permission denied for schema public/, sql));
    } finally {
      await app.close();
    }
    // The mutation: public open to every role, as before PostgreSQL 15.
    await db.admin.exec('BEGIN');
    try {
      await db.admin.exec('GRANT CREATE ON SCHEMA public TO PUBLIC');
      for (const sql of plant) await asAppIn('acme', sql);
      // initech's own request, a query without a schema on the function.
      await asAppIn('initech', 'SELECT upper(tenant_id) FROM app.projects');
      assert.match(String((await asAppIn('acme', 'SELECT v FROM public.loot'))[0]?.v), /initech:/, "acme reads initech's invoices");
      const reported = await gaps(db.admin);
      for (const expected of [
        'public: the application role may create objects in this schema',
        'public.loot: owned by the application role',
        'public.upper(app.tenant_id): owned by the application role',
        'public.loot: the application role may write it and it has no row-level security',
      ])
        assert.ok(
          reported.some((g) => g.startsWith(expected)),
          `${expected} in:\n${reported.join('\n')}`,
        );
    } finally {
      await db.admin.exec('ROLLBACK');
    }
  });

  S("pg_stat_statements (every tenant's statements, with row counts) is revoked by the migration; installed after it, the check reports it", async () => {
    if (db.name !== 'server') return; // PGlite ships no pg_stat_statements.
    await db.admin.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    try {
      assert.ok(
        (await gaps(db.admin)).includes(
          `${ROLES.app}: the application role may call pg_stat_statements, pg_stat_statements_info: they show every statement of the role, every tenant's, with row counts (revoke EXECUTE from PUBLIC as a superuser)`,
        ),
      );
      await db.admin.exec(SQL['001-rls-migration.sql']!);
      assert.equal(await gaps(db.admin), []);
      const app = await db.app();
      try {
        await asTenant(app, 'acme', () =>
          rejects(app.query('SELECT query FROM pg_stat_statements'), /permission denied for function pg_stat_statements/, 'pg_stat_statements'),
        );
      } finally {
        await app.close();
      }
    } finally {
      await db.admin.exec('DROP EXTENSION pg_stat_statements');
    }
  });

  S(
    "other tenants' sessions are invisible: pg_locks, pg_blocking_pids and pg_stat_get_backend_* are revoked, and the check reports them re-granted",
    async () => {
      const pool = await db.appPool();
      // initech's request, in flight on its own connection (server only: PGlite has one
      // session): it holds a lock on app.invoices and an advisory key of its own space.
      const other = db.name === 'server' ? await db.app() : undefined;
      const attack = (tenant: string, sql: string) => withTenant(pool.pool, tenant, async (c) => (await c.query(sql)).rows, { contextKey: key });
      const LOCKS = `SELECT l.locktype, l.relation::regclass::text AS rel, l.objid FROM pg_locks l WHERE l.pid <> pg_backend_pid()`;
      const BACKENDS = `SELECT pg_stat_get_backend_pid(b) AS pid, pg_stat_get_backend_xact_start(b) AS xact_start
      FROM pg_stat_get_backend_idset() b WHERE pg_stat_get_backend_pid(b) <> pg_backend_pid()`;
      try {
        let otherPid: number | undefined;
        if (other) {
          await other.exec('BEGIN');
          await enterTenant(other, key, 'initech');
          await other.query('SELECT count(*) FROM app.invoices');
          await other.query('SELECT app.tenant_advisory_xact_lock(424242)');
          otherPid = Number((await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid);
        }
        for (const [sql, fn] of [
          [LOCKS, 'pg_lock_status'],
          ['SELECT pg_blocking_pids(1)', 'pg_blocking_pids'],
          [BACKENDS, 'pg_stat_get_backend_idset'],
          ['SELECT pg_stat_get_backend_wait_event(1)', 'pg_stat_get_backend_wait_event'],
          [`SELECT * FROM pg_stat_get_progress_info('VACUUM')`, 'pg_stat_get_progress_info'],
          ['SELECT pid, query FROM pg_stat_activity', 'pg_stat_get_activity'],
        ] as const) {
          await rejects(attack('acme', sql), new RegExp(`permission denied for function ${fn}`), sql);
        }
        // The mutation: the functions as PostgreSQL ships them (EXECUTE to PUBLIC).
        await db.admin.exec(`GRANT EXECUTE ON FUNCTION pg_lock_status(), pg_blocking_pids(integer), pg_stat_get_backend_idset(),
        pg_stat_get_backend_pid(integer), pg_stat_get_backend_xact_start(integer) TO PUBLIC`);
        try {
          if (other) {
            const locks = await attack('acme', LOCKS);
            assert.ok(
              locks.some((l) => l.rel === 'app.invoices'),
              `acme sees that initech's request reads app.invoices: ${JSON.stringify(locks)}`,
            );
            assert.ok(
              locks.some((l) => l.locktype === 'advisory' && Number(l.objid) === 424242),
              "acme sees initech's advisory key",
            );
            const backends = await attack('acme', BACKENDS);
            assert.ok(
              backends.some((b) => b.pid === otherPid && b.xact_start !== null),
              `acme sees when initech's transaction began: ${JSON.stringify(backends)}`,
            );
          }
          const reported = await gaps(db.admin);
          for (const expected of [
            `${ROLES.app}: the application role may call pg_blocking_pids, pg_lock_status: they show every session's locks`,
            `${ROLES.app}: the application role may call pg_stat_get_backend_idset, pg_stat_get_backend_pid, pg_stat_get_backend_xact_start: they show, session by session`,
          ])
            assert.ok(
              reported.some((g) => g.startsWith(expected)),
              `${expected} in:\n${reported.join('\n')}`,
            );
        } finally {
          await db.admin.exec(`REVOKE EXECUTE ON FUNCTION pg_lock_status(), pg_blocking_pids(integer), pg_stat_get_backend_idset(),
          pg_stat_get_backend_pid(integer), pg_stat_get_backend_xact_start(integer) FROM PUBLIC`);
        }
        assert.equal(await gaps(db.admin), []);
      } finally {
        if (other) {
          await other.exec('ROLLBACK');
          await other.close();
        }
        await pool.end();
      }
    },
  );

  S("setseed is revoked: the seed outlives the request, so acme would choose the next request's random()", async () => {
    const pool = await db.appPool();
    // withTenant's cleanup reseeds random() (RESEED, against SET seed, test/withTenant.test.ts);
    // these requests go without it, so the seed stands or falls by setseed's privilege alone.
    const unreseeded = {
      async connect() {
        const client = await pool.pool.connect();
        const query = client.query.bind(client) as (...a: unknown[]) => unknown;
        return Object.assign(Object.create(client), {
          query: (config: unknown, ...rest: unknown[]) => query(typeof config === 'string' ? config.replace(`${RESEED};`, '') : config, ...rest),
          release: client.release.bind(client),
        });
      },
    } as Pick<typeof pool.pool, 'connect'>;
    const request = (tenant: string, sql: string) => withTenant(unreseeded, tenant, async (c) => (await c.query(sql)).rows, { contextKey: key });
    try {
      await rejects(request('acme', 'SELECT setseed(0.42)'), /permission denied for function setseed/, 'setseed');
      // The mutation: setseed as PostgreSQL ships it. acme seeds, initech's request draws.
      await db.admin.exec('GRANT EXECUTE ON FUNCTION setseed(double precision) TO PUBLIC');
      try {
        await request('acme', 'SELECT setseed(0.42)');
        const [drawn] = await request('initech', 'SELECT random() AS r');
        await request('acme', 'SELECT setseed(0.42)');
        const [predicted] = await request('acme', 'SELECT random() AS r');
        assert.is(drawn!.r, predicted!.r, "acme knows initech's random() in advance");
        assert.ok((await gaps(db.admin)).some((g) => g.startsWith(`${ROLES.app}: the application role may call setseed: the seed outlives the request`)));
      } finally {
        await db.admin.exec('REVOKE EXECUTE ON FUNCTION setseed(double precision) FROM PUBLIC');
      }
    } finally {
      await pool.end();
    }
  });

  S('not stopped by PostgreSQL: MERGE ... ON true tells a tenant whether other tenants have rows in a table, and nothing more', async () => {
    const merge = 'MERGE INTO app.invoices t USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE';
    await db.admin.exec('BEGIN');
    try {
      await db.admin.exec('SAVEPOINT merge');
      // The USING of the DELETE policy is checked, not applied as a filter, on rows the
      // join reaches without reading a column: initech's row raises, with no value in the message.
      await rejects(asAppIn('acme', merge), /^target row violates row-level security policy \(USING expression\) for table "invoices"$/, 'MERGE over initech');
      await db.admin.exec('ROLLBACK TO SAVEPOINT merge');
      await db.admin.exec(`DELETE FROM app.invoices WHERE tenant_id <> 'acme'`);
      assert.equal(await asAppIn('acme', merge), [], 'with no other tenant in the table, it deletes acme rows only');
    } finally {
      await db.admin.exec('ROLLBACK');
    }
  });

  S('not stopped: shared sequences and table sizes count every tenant together (never one tenant)', async () => {
    await db.admin.exec('BEGIN');
    try {
      const insert = async () => Number((await asAppIn('acme', 'INSERT INTO app.audit_events DEFAULT VALUES RETURNING id'))[0]!.id);
      const first = await insert();
      await asAppIn('initech', 'INSERT INTO app.audit_events SELECT FROM generate_series(1, 3)');
      assert.is((await insert()) - first - 1, 3, 'the gap between two of acme ids is what the estate inserted meanwhile');
      await db.admin.exec('ANALYZE app.audit_events');
      assert.equal(
        await asAppIn('acme', `SELECT reltuples::int AS n FROM pg_class WHERE oid = 'app.audit_events'::regclass`),
        [{ n: 5 }],
        'all tenants, together',
      );
    } finally {
      await db.admin.exec('ROLLBACK');
    }
  });

  S('not stopped: a role changes its own password; the compiled cluster signs the application in with IAM, which makes it harmless', async () => {
    const app = await db.app();
    try {
      await app.exec(`ALTER ROLE CURRENT_USER PASSWORD 'chosen-by-acme'`);
    } finally {
      await app.close();
      await db.admin.exec(`ALTER ROLE ${ROLES.app} PASSWORD NULL`);
    }
    const r = compileSources('tenants', parseSources(minimalEstateAs(PLATFORM)));
    assert.ok(r.ok);
    if (!r.ok) return;
    const cluster = emitDatabase(r.plan).resources[DB_CLUSTER] as { Properties: { EnableIAMDatabaseAuthentication?: boolean } };
    assert.is(cluster.Properties.EnableIAMDatabaseAuthentication, true);
    assert.match(SQL['001-rls-migration.sql']!, `SELECT pg_temp.tenantc_grant_if_role_exists('rds_iam', '${ROLES.app}');`);
  });

  S.run();
}

rlsSuite('PGlite (embedded)', () => pgliteBackend(ROLES.app));
if (useServer('RLS proofs', 'they ran on PGlite only'))
  rlsSuite('PostgreSQL server', () => serverBackend(PLATFORM, ROLES.app, ROLES.owner, [ROLES.registrar, ROLES.reaper]));
