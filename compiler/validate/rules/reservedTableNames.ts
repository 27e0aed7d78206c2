import type { Rule } from '../rule.ts';

/**
 * Table names the migration owns in the application schema (templates/sql/
 * 001-rls-migration.sql.hbs): `tenants` is the registry every tenant_id references and
 * its context keys live in `tenantc_context_keys`; every table, function and type of
 * tenantc's own is named `tenantc_*`. A tenant table of such a name would be handed to
 * the migration as tenant data: `CREATE TABLE IF NOT EXISTS` keeps the registry's shape
 * and the migration then adds tenant_id and a policy that reads it, on the table the
 * isolation checks trust.
 */
export const RESERVED_TABLE = { exact: ['tenants'], prefix: 'tenantc_' } as const;

export const isReservedTableName = (name: string): boolean => RESERVED_TABLE.exact.includes(name as 'tenants') || name.startsWith(RESERVED_TABLE.prefix);

export const reservedTableNames: Rule = {
  id: 'reserved-table-name',
  codes: ['reserved-name'],
  title: "A tenant table is not named like tenantc's own",
  reason:
    "The tenant registry (`tenants`) and tenantc's own objects (`tenantc_*`) live in the application schema; a tenant table of that name would make the migration treat the registry as tenant data and its RLS checks cover the wrong table.",
  check({ platforms }) {
    return platforms.flatMap(({ source, value }) =>
      value.database.tenantTables.flatMap((t, i) =>
        isReservedTableName(t.name)
          ? [
              source.diagnostic(
                'reserved-name',
                ['database', 'tenantTables', i, 'name'],
                `database.tenantTables[${i}].name "${t.name}" is reserved: ${t.name === 'tenants' ? `"tenants" is the tenant registry the migration creates in schema "${value.database.schema}"` : `names starting with "${RESERVED_TABLE.prefix}" are tenantc's own`}; name the table something else`,
              ),
            ]
          : [],
      ),
    );
  },
};
