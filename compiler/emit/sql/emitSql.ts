// Row-Level Security SQL, rendered from templates/sql/ with every manifest value
// passed through sqlIdent or sqlLiteral.
import type { EstatePlan } from '../../plan/model.ts';
import type { OutputFile } from '../output.ts';
import { renderTemplate } from '../render.ts';

export function emitSql(plan: EstatePlan): OutputFile[] {
  const p = plan.platform;
  const roles = p.names.databaseRoles;
  const context = {
    platformName: p.name,
    schema: p.database.schema,
    ownerRole: roles.owner,
    appRole: roles.app,
    registrarRole: roles.registrar,
    reaperRole: roles.reaper,
    privateStatistics: p.database.tenantStatistics === 'private',
    // The table whose freshly created policies the catalog check compares every other with.
    firstTable: p.database.tenantTables[0]!.name,
    tables: p.database.tenantTables.map((t) => ({ name: t.name, description: t.description, index: `${t.name}_tenant_id_idx`.slice(0, 63) })),
    tenants: plan.tenants.map((t) => ({ id: t.id, name: t.name, tier: t.tier.name, status: t.status, restoredFrom: t.lifecycle.restoredFrom })),
  };
  return [
    { path: 'sql/001-rls-migration.sql', content: renderTemplate('sql/001-rls-migration.sql.hbs', context) },
    { path: 'sql/002-tenants.sql', content: renderTemplate('sql/002-tenants.sql.hbs', context) },
    { path: 'sql/check-rls.sql', content: renderTemplate('sql/check-rls.sql.hbs', context) },
  ];
}
