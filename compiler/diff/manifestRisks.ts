// Risks a template diff cannot show: manifest changes whose effect lives in the SQL, in
// what a status means, or in the data a name points at. Like the risk table
// (riskTable.ts), which change is which kind is data: one entry per fact, with the
// documentation that says so, tested entry by entry (test/manifestRisks.test.ts).
import { compareStrings } from '../diagnostics.ts';
import type { TenantStatus } from '../manifest.ts';
import type { EstatePlan, TenantPlan } from '../plan/model.ts';
import { TENANT_STATUS_MEANING } from '../plan/status.ts';
import type { ManifestRisk, RiskKind } from './model.ts';

interface EntryBase {
  /** Stable id, kebab-case. */
  readonly id: string;
  readonly kind: RiskKind;
  /** The manifest field as its author writes it. */
  readonly field: string;
  readonly risky: (before: unknown, after: unknown) => boolean;
  readonly says: string;
  /** The documentation that says so (PostgreSQL's for SQL; README for what a status means). */
  readonly reference: string;
}

/** A field of the platform manifest; allowed as `estate:platform/<target>`. */
export interface PlatformEntry extends EntryBase {
  readonly scope: 'platform';
  /** The allow target's logical-id part (alphanumeric, allow.ts): `databaseTenantStatistics`. */
  readonly target: string;
  readonly value: (p: EstatePlan['platform']) => unknown;
}

/** A field of a tenant's manifest; allowed as `tenant:<id>`. */
export interface TenantEntry extends EntryBase {
  readonly scope: 'tenant';
  readonly value: (t: TenantPlan) => unknown;
}

export type ManifestRiskEntry = PlatformEntry | TenantEntry;

const REF = {
  plannerStats: 'https://www.postgresql.org/docs/current/planner-stats.html',
  schemas: 'https://www.postgresql.org/docs/current/ddl-schemas.html',
  lifecycle: 'README.md#tenant-lifecycle',
  natGateway: 'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html',
  waf: 'https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works.html',
  albAccessLogs: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html',
  threatProtection: 'https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-threat-protection.html',
} as const;

/** The order of threat protection's modes, weakest first. */
const THREAT_PROTECTION = ['off', 'audit', 'enforced'];

/** What a tenant's status means (plan/status.ts), for a value the table reads as unknown. */
const meaning = (status: unknown) => TENANT_STATUS_MEANING[status as TenantStatus];

export const MANIFEST_RISK_TABLE: readonly ManifestRiskEntry[] = [
  {
    id: 'tenant-statistics-shared',
    scope: 'platform',
    kind: 'weakening',
    field: 'database.tenantStatistics',
    target: 'databaseTenantStatistics',
    value: (p) => p.database.tenantStatistics,
    risky: (a, b) => a === 'private' && b === 'shared',
    says: "the planner keeps statistics on tenant_id: any tenant's EXPLAIN estimates tell how many rows every other tenant has",
    reference: REF.plannerStats,
  },
  {
    id: 'database-schema-renamed',
    scope: 'platform',
    kind: 'data-loss',
    field: 'database.schema',
    target: 'databaseSchema',
    value: (p) => p.database.schema,
    risky: (a, b) => a !== undefined && a !== b,
    says: 'the migration creates the tenant tables and the registry empty in the new schema and the app reads only that one: every tenant row stays behind in the old schema, unread',
    reference: REF.schemas,
  },
  {
    // The schema's rename, table by table: the migration creates and protects only the
    // tables the manifest lists, and drops none, so a table left out (or renamed) keeps
    // every tenant's rows where the app no longer reads them.
    id: 'tenant-table-dropped',
    scope: 'platform',
    kind: 'data-loss',
    field: 'database.tenantTables',
    target: 'databaseTenantTables',
    value: (p) => p.database.tenantTables.map((t) => t.name),
    risky: (a, b) => Array.isArray(a) && Array.isArray(b) && a.some((name) => !b.includes(name)),
    says: 'a tenant table leaves the manifest (removed or renamed): the migration no longer creates or protects it and the app reads only the tables listed, so every tenant row in it stays behind, unread',
    reference: REF.schemas,
  },
  {
    // The template diff shows this as VPC endpoints removed, NAT gateways and routes
    // added: removals a pull request allows for cost, the opening itself never named.
    id: 'app-egress-opened',
    scope: 'platform',
    kind: 'broadening',
    field: 'network.appEgress',
    target: 'networkAppEgress',
    value: (p) => p.appEgress,
    risky: (a, b) => a === 'endpoints' && b === 'internet',
    says: 'the app subnets route to the internet through NAT gateways: an app instance (a compromised one, or a request made to fetch a URL) can send tenant data anywhere, where before it reached only the AWS services with VPC endpoints',
    reference: REF.natGateway,
  },
  {
    id: 'edge-waf-off',
    scope: 'platform',
    kind: 'weakening',
    field: 'edge.waf',
    target: 'edgeWaf',
    value: (p) => p.edge.waf,
    risky: (a, b) => a === true && b === false,
    says: "the web ACLs leave every load balancer and the distribution: no rate limit per client IP and no managed rules in front of any tenant's hosts",
    reference: REF.waf,
  },
  {
    id: 'edge-access-logs-off',
    scope: 'platform',
    kind: 'weakening',
    field: 'edge.accessLogs',
    target: 'edgeAccessLogs',
    value: (p) => p.edge.accessLogs,
    risky: (a, b) => a === true && b === false,
    says: 'the load balancers and the distribution stop writing access logs: requests from then on leave no record to investigate an incident with',
    reference: REF.albAccessLogs,
  },
  {
    id: 'identity-threat-protection-lowered',
    scope: 'platform',
    kind: 'weakening',
    field: 'identity.threatProtection',
    target: 'identityThreatProtection',
    value: (p) => p.identity.threatProtection,
    risky: (a, b) => THREAT_PROTECTION.indexOf(String(b)) < THREAT_PROTECTION.indexOf(String(a)),
    says: "every tenant's user pool stops blocking (audit) or even scoring (off) risky sign-ins and compromised credentials",
    reference: REF.threatProtection,
  },
  {
    id: 'tenant-suspended-or-offboarded',
    scope: 'tenant',
    kind: 'interruption',
    field: 'status',
    value: (t) => t.status,
    // Served before, not after (active → suspended or offboarded), read from what each status means.
    risky: (a, b) => meaning(a).signIn && !meaning(b).signIn,
    says: "the tenant's users lose the service: its hosts answer 403 (suspended) or are no longer routed (offboarded), and sign-in is refused",
    reference: REF.lifecycle,
  },
  {
    id: 'tenant-offboarded',
    scope: 'tenant',
    kind: 'interruption',
    field: 'status',
    value: (t) => t.status,
    // Not served, but still able to act, then no longer (suspended → offboarded).
    risky: (a, b) => !meaning(a).signIn && meaning(a).credentials && !meaning(b).credentials,
    says: "the suspended tenant's credentials are switched off and its fleet scaled to zero; deleting its file next removes it for good",
    reference: REF.lifecycle,
  },
];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every entry the change from `base` to `head` matches: platform entries first, then tenants by id. */
export function manifestRisks(base: EstatePlan | null, head: EstatePlan | null): ManifestRisk[] {
  if (!base || !head) return [];
  const out: ManifestRisk[] = [];
  const at = (e: ManifestRiskEntry, tenant: string | null, a: unknown, b: unknown) => {
    if (same(a, b) || !e.risky(a, b)) return;
    out.push({
      kind: e.kind,
      rule: e.id,
      tenant,
      field: e.field,
      target: e.scope === 'platform' ? e.target : null,
      from: JSON.stringify(a),
      to: JSON.stringify(b),
      says: e.says,
      reference: e.reference,
    });
  };
  for (const e of MANIFEST_RISK_TABLE) if (e.scope === 'platform') at(e, null, e.value(base.platform), e.value(head.platform));
  const before = new Map(base.tenants.map((t) => [t.id, t]));
  for (const t of [...head.tenants].sort((x, y) => compareStrings(x.id, y.id))) {
    const a = before.get(t.id);
    if (!a) continue;
    for (const e of MANIFEST_RISK_TABLE) if (e.scope === 'tenant') at(e, t.id, e.value(a), e.value(t));
  }
  return out;
}

/** The template-like name a platform risk is allowed by: `estate:platform/<target>`. */
export const PLATFORM_TEMPLATE = 'platform';
