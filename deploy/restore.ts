// A removed tenant's id coming back, as deploy sees it. The review refuses a restore
// no `tenantc-allow: restore tenant:<id>` line allows (compiler/diff/restore.ts); deploy
// refuses it again on its own evidence, before anything is uploaded, so that what hands
// a removed tenant's S3 prefix, secret path and rows to another manifest is a reviewed
// act even when the review was skipped or merged around. Its evidence is the deployed
// record, never the lock a pull request commits:
//   - a tenant stack whose incarnation differs from the deployed one: its removal was
//     never deployed (removed and restored in two pull requests merged before one
//     deploy), and the rollout swaps its log group and secret for the new incarnation's;
//   - a tenant stack whose id a rollout removed (the record remembers it): whatever the
//     output says, down to a lock edited to forget the removal (incarnation 1 again);
//   - a tenant stack of incarnation 2 or more that is not deployed: a restore compiled
//     long before this deploy, or a record older than these checks.
// A restore allowed once is journalled in the record until its rollout is recorded, so
// a plain re-run of an interrupted deploy goes on; once recorded, the tenant is deployed
// at that incarnation and nothing is asked again.
import { type Allow, allowsCovering, formatAllow, templateName } from '../compiler/allow.ts';
import type { AssetsManifest } from '../compiler/outputFormat.ts';
import type { DeployedRecord, RemovedTenantRecord, RestoringRecord } from './record.ts';
import { quotedAllows } from './render.ts';

export interface RestoreFinding {
  readonly tenant: string;
  /** Its incarnation in the output. */
  readonly incarnation: number;
  /** The removal day its manifest names (restoredFrom); null when it names none. */
  readonly restoredFrom: string | null;
  /** What the record says that makes it a restore. */
  readonly why: string;
  /** Every allow that covers it, as written, in the order given (compiler/allow.ts allowsCovering). */
  readonly allowedBy: readonly string[];
  /** An earlier deploy of this output allowed it and was interrupted before its record (the journal). */
  readonly journalled: boolean;
}

/** Let through: by an allow of this deploy, or by the journal of an earlier one. */
export const restoreAllowed = (f: RestoreFinding): boolean => f.allowedBy.length > 0 || f.journalled;

/**
 * Restores of this output against the record of the last rollout, each with what allows
 * it. `assets`: the SHA-256 of this output's assets.json, which the journal is read for.
 */
export function restoresIn(record: DeployedRecord | null, now: AssetsManifest, assets: string, allows: readonly Allow[]): RestoreFinding[] {
  const deployed = new Map((record?.manifest?.nested ?? []).flatMap((n) => (n.tenant ? [[n.tenant, n] as const] : [])));
  const out: RestoreFinding[] = [];
  for (const n of now.nested) {
    if (!n.tenant) continue;
    const incarnation = n.incarnation ?? 1;
    const was = deployed.get(n.tenant);
    const gone = record?.removed[n.tenant];
    let why: string | null = null;
    if (was) {
      if (was.incarnation === undefined) {
        if (incarnation > 1) why = `its deployed stack's incarnation is not recorded (a record older than restores), and the output's is ${incarnation}`;
      } else if (was.incarnation < incarnation) {
        why = `its deployed stack is incarnation ${was.incarnation}: its removal was never deployed, and this rollout gives it incarnation ${incarnation}`;
      } else if (was.incarnation > incarnation) {
        why = `its deployed stack is incarnation ${was.incarnation} and the output's ${incarnation}: the lock that compiled it lost the removal, and the names of what the tenant kept would go back to an earlier incarnation's`;
      }
    } else if (gone) {
      why = `a deploy removed it on ${gone.on}${gone.incarnation === null ? '' : ` (incarnation ${gone.incarnation})`}${incarnation === 1 ? ', and the output brings the id back as a new tenant (its lock no longer records the removal)' : ''}`;
    } else if (incarnation > 1) {
      why = `it is not deployed, and the output brings it back as incarnation ${incarnation}`;
    }
    if (why === null) continue;
    const by = allowsCovering(allows, { check: 'restore', tenant: n.tenant, template: templateName(n.file), logicalId: null });
    const journalled = record?.restoring.some((r) => r.tenant === n.tenant && r.incarnation === incarnation && r.assets === assets) ?? false;
    out.push({
      tenant: n.tenant,
      incarnation,
      restoredFrom: n.restoredFrom ?? null,
      why,
      allowedBy: by.map(formatAllow),
      journalled,
    });
  }
  return out.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}

export function restoreFindingLines(findings: readonly RestoreFinding[]): string[] {
  return findings.map((f) => {
    const by = f.allowedBy.length
      ? `; by ${quotedAllows(f.allowedBy)}`
      : f.journalled
        ? '; by the allow of an earlier deploy of this output, interrupted before its record'
        : '';
    return `  ${restoreAllowed(f) ? 'allowed: ' : ''}${f.tenant} is a restore${f.restoredFrom ? ` (restoredFrom ${f.restoredFrom})` : ''}: ${f.why}${by}`;
  });
}

/** The journal before this rollout: the record's, with each restore this deploy allowed, for this output. */
export function restoringJournal(record: DeployedRecord | null, findings: readonly RestoreFinding[], assets: string): RestoringRecord[] {
  const out = [...(record?.restoring ?? [])];
  for (const f of findings) {
    if (restoreAllowed(f) && !out.some((r) => r.tenant === f.tenant && r.incarnation === f.incarnation && r.assets === assets))
      out.push({ tenant: f.tenant, incarnation: f.incarnation, assets });
  }
  return out;
}

/**
 * The record's memory of removed tenants after a rollout from `last` to `now`: those it
 * removed join it (dated `today`), those back in the output leave it.
 */
export function removedAfter(record: DeployedRecord | null, now: AssetsManifest, today: string): Record<string, RemovedTenantRecord> {
  const present = new Set(now.nested.flatMap((n) => (n.tenant ? [n.tenant] : [])));
  const out: Record<string, RemovedTenantRecord> = {};
  for (const [id, r] of Object.entries(record?.removed ?? {})) if (!present.has(id)) out[id] = r;
  for (const n of record?.manifest?.nested ?? []) {
    if (n.tenant && !present.has(n.tenant)) out[n.tenant] = { incarnation: n.incarnation ?? null, on: today };
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
