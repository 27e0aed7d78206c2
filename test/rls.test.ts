// Row-Level Security, proven on PostgreSQL: the compiled migration applied to the
// real server (when reachable) and to embedded PGlite, then attacked as the
// application role. Every assertion here fails if the isolation it names is removed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emitSql } from '../compiler/emit/sql/emitSql.ts';
import { databaseRoles } from '../compiler/plan/names.ts';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import { PLACEMENT_LOCK_FILE } from '../compiler/load/readManifests.ts';
import { FIXTURES, minimalEstateAs, rawFile } from './helpers.ts';
import { pgliteBackend, rejects, serverBackend, useServer, type Backend, type Session } from './support/databases.ts';

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
      'tenants', (SELECT json_agg(json_build_array(id, name, tier, status) ORDER BY id) FROM app.tenants)
    ) AS snap`,
    [ROLES.owner, ROLES.app],
  );
  return row!.snap;
}

async function gaps(s: Session): Promise<string[]> {
  return (await s.query<{ object: string; problem: string }>('SELECT object, problem FROM app.tenantc_rls_gaps()')).map((r) => `${r.object}: ${r.problem}`);
}

/** Runs fn in a transaction whose tenant is `tenant` (the documented withTenant flow). */
async function asTenant<T>(s: Session, tenant: string | null, fn: () => Promise<T>): Promise<T> {
  await s.exec('BEGIN');
  try {
    if (tenant !== null) await s.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
    return await fn();
  } finally {
    await s.exec('ROLLBACK');
  }
}

function rlsSuite(name: string, open: () => Promise<Backend>): void {
  const S = suite(`rls on ${name}`);
  let db: Backend;

  S.before(async () => {
    db = await open();
    await db.admin.exec(SQL['001-rls-migration.sql']!);
    await db.admin.exec(SQL['002-tenants.sql']!);
    // Seed one row per tenant per table, as the tenant itself would write it.
    for (const tenant of ['acme', 'initech']) {
      await db.admin.exec('BEGIN');
      await db.admin.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
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
        assert.equal((await app.query('SELECT id FROM app.tenants')).length, 1, 'only its own tenants row');
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
        for (const table of ['projects', 'documents', 'comments', 'invoices', 'audit_events', 'tenants']) {
          assert.is((await app.query(`SELECT 1 FROM app.${table}`)).length, 0, table);
        }
      });
      await asTenant(app, null, () => rejects(app.query('INSERT INTO app.projects DEFAULT VALUES'), /null value|row-level security/, 'INSERT with no tenant'));
      await asTenant(app, null, () =>
        rejects(app.query(`INSERT INTO app.projects (tenant_id) VALUES ('acme')`), /row-level security/, 'INSERT naming a tenant with none set'),
      );
      // A transaction-local setting is gone after COMMIT: the next transaction on the
      // same (pooled) connection starts with no tenant.
      await app.exec('BEGIN');
      await app.query(`SELECT set_config('app.tenant_id', 'acme', true)`);
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
      'app.notes: the planner keeps statistics on tenant_id: an estimate tells one tenant how many rows another has',
    ]);
  });

  /** Runs `sql` as the application role for `tenant`, inside the admin's open transaction. */
  async function asAppIn(tenant: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    // In a savepoint: a refused statement rolls back to it (role and tenant included)
    // and the admin's transaction goes on.
    await db.admin.exec(`SAVEPOINT as_app; SET LOCAL ROLE ${ROLES.app}`);
    await db.admin.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
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
          'app.projects: primary key projects_pkey does not include tenant_id: one tenant learns whether another has a value, and can block its inserts',
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
      await db.admin.exec(`SET LOCAL ROLE ${ROLES.registrar}; CREATE VIEW app.all_tenants AS SELECT id, status FROM app.tenants;
        CREATE FUNCTION app.tenant_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT count(*) FROM app.tenants'; RESET ROLE;`);
      // The paths are real: an oracle on another tenant's values, a reference into its rows.
      await asAppIn('initech', `UPDATE app.projects SET code = 'SECRET-7'`);
      await db.admin.exec('SAVEPOINT oracle');
      await rejects(asAppIn('acme', `INSERT INTO app.projects (code) VALUES ('SECRET-7')`), /duplicate key/, 'acme learns initech has SECRET-7');
      await db.admin.exec('ROLLBACK TO SAVEPOINT oracle');
      const [theirs] = await db.admin.query<{ id: string }>(`SELECT id::text FROM app.projects WHERE tenant_id = 'initech' LIMIT 1`);
      await asAppIn('acme', 'INSERT INTO app.documents (project_id) VALUES ($1)', [Number(theirs!.id)]);
      const reported = await gaps(db.admin);
      for (const expected of [
        /^app\.projects: unique index projects_code_key does not include tenant_id/,
        /^app\.projects: unique index projects_id_key does not include tenant_id/,
        /^app\.documents: foreign key documents_project_id_fkey to app\.projects does not pair tenant_id with tenant_id/,
        /^app\.comments: rule comments_log rewrites queries as the table's owner/,
        new RegExp(`^app\\.invoices: ${ROLES.app} is granted TRUNCATE: TRUNCATE empties the table past row-level security`),
        new RegExp(`^app\\.invoices_id_seq: ${ROLES.app} is granted USAGE on a sequence`),
        /^app\.all_tenants: view runs as the registrar/,
        /^app\.tenant_count: function runs as the registrar/,
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
      assert.ok((await gaps(db.admin)).some((g) => /^app\.tenants: policy tenant_registry is not one of tenantc's/.test(g)));
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
        for (const table of ['projects', 'documents', 'invoices', 'tenants']) assert.is((await app.query(`SELECT 1 FROM app.${table}`)).length, 0, table);
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

  S.run();
}

rlsSuite('PGlite (embedded)', () => pgliteBackend(ROLES.app));
if (useServer('RLS proofs', 'they ran on PGlite only')) rlsSuite('PostgreSQL server', () => serverBackend(PLATFORM, ROLES.app, ROLES.owner, [ROLES.registrar]));
