// The --fail-on gate of a pull request: destructive or widening changes are refused
// unless an override names them with a reason. Overrides come from the pull request
// (the workflow reads `tenantc-allow:` lines of its description), so the reason is
// written where reviewers read it, and the diff comment repeats it.
// The language of an override is compiler/allow.ts, which deploy reads too.
import { type Allow, type AllowSubject, allowsCovering, formatAllow, parseAllow, templateName, unusedAllows } from '../allow.ts';
import type { EstateDiff, FailOnKind, ManifestRisk, NewlySuppressed, ResourceChange, Risk, StackChange } from './model.ts';
import { FAIL_ON_KINDS } from './model.ts';
import { PLATFORM_TEMPLATE } from './manifestRisks.ts';
import { domainHandoverLine, handoverText, restoreLine } from './restore.ts';

/** An override of the gate: an allow, with its reason. */
export type Override = Allow;

export interface GateFinding {
  readonly kind: FailOnKind;
  /** The tenant the change belongs to, or null for the shared estate. */
  readonly tenant: string | null;
  readonly template: string;
  /** The resource, or null for a finding about the whole stack. */
  readonly logicalId: string | null;
  readonly description: string;
  /** For a finding about a whole nested stack: the resource holding it in its parent template (an `estate:` target names that). */
  readonly holder?: { readonly template: string; readonly logicalId: string } | null;
}

export interface GateResult {
  readonly kinds: readonly FailOnKind[];
  readonly blocking: readonly GateFinding[];
  /**
   * Each finding an override lets through, with every override covering it, in the order
   * given (allowsCovering): overlapping overrides (`replacement tenant:acme` and
   * `replacement tenant:acme/tenantUserPool`) are all used, as deploy counts them.
   */
  readonly allowed: readonly { readonly finding: GateFinding; readonly overrides: readonly Override[] }[];
  /**
   * Overrides that match no finding of this change, of any kind: each fails the gate.
   * An allow outlives the change it was written for (a pull request is pushed again,
   * its description is not edited), and one that matches nothing today would approve
   * whatever later matches it, unread. Deploy refuses the same allows as stale
   * (compiler/allow.ts unusedAllows).
   */
  readonly unused: readonly Override[];
  /** Every override given but the unused: what the review accepted, in the order given (the workflow's allow comment repeats them). */
  readonly accepted: readonly Override[];
}

/** The gate refuses the change: a finding no override allows, or an override that allows nothing. */
export const gateFails = (g: GateResult): boolean => g.blocking.length > 0 || g.unused.length > 0;

/** `removal tenant:globex: customer left, export confirmed (OPS-12)` → an Override, or an error message. */
export const parseOverride = (text: string): Override | string => parseAllow(text);

export function parseFailOn(text: string): FailOnKind[] | string {
  const kinds = text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const bad = kinds.filter((k) => !(FAIL_ON_KINDS as readonly string[]).includes(k));
  if (bad.length || kinds.length === 0) return `--fail-on takes a comma-separated list of ${FAIL_ON_KINDS.join(', ')} (got "${text}")`;
  return [...new Set(kinds)] as FailOnKind[];
}

const REPLACES = new Set(['replace', 'may-replace']);
const REMOVES = new Set(['destroy', 'orphan']);

type Holders = ReadonlyMap<string, { readonly template: string; readonly logicalId: string }>;

function stackFindings(stack: StackChange, tenantOf: (r: ResourceChange) => string | null, tenant: string | null, holders: Holders): GateFinding[] {
  const out: GateFinding[] = [];
  const at = (kind: FailOnKind, r: ResourceChange | null, description: string) =>
    out.push({
      kind,
      tenant: r ? (tenantOf(r) ?? tenant) : tenant,
      template: stack.template,
      logicalId: r?.logicalId ?? null,
      description,
      ...(!r && holders.has(stack.template) ? { holder: holders.get(stack.template)! } : {}),
    });
  if (stack.change === 'remove') at('removal', null, `${stack.template}: the stack is deleted (${stack.resources.length} resources)`);
  for (const r of stack.resources) {
    const what = `${stack.template} ${r.logicalId} (${r.type})`;
    if (REPLACES.has(r.impact)) at('replacement', r, `${what} ${r.impact === 'replace' ? 'is replaced' : 'may be replaced'}`);
    if (REMOVES.has(r.impact) && stack.change !== 'remove')
      at('removal', r, `${what} is removed${r.impact === 'orphan' ? ' (retained outside the stack)' : ''}`);
    if (r.stateful && (REPLACES.has(r.impact) || REMOVES.has(r.impact))) {
      at(
        'stateful',
        r,
        `${what} holds data and is ${r.impact === 'orphan' ? 'removed from its stack (retained, orphaned)' : r.impact === 'destroy' ? 'deleted' : 'replaced'}`,
      );
    }
  }
  for (const b of stack.broadening) at('broadening', null, `${stack.template}: ${b}`);
  for (const r of stack.resources) {
    for (const k of r.risks) at(k.kind, r, `${stack.template} ${r.logicalId} (${r.type}) ${riskText(k)}`);
  }
  return out;
}

/** `RetentionInDays 731 → 1: CloudWatch Logs deletes …; rolls out …`: a risk in one line. */
export function riskText(k: Risk): string {
  const values = k.from === undefined ? `(set) ${k.to}` : k.to === undefined ? `${k.from} → (unset)` : `${k.from} → ${k.to}`;
  return `${k.property} ${values}: ${k.says}${k.rollout ? `; ${k.rollout}` : ''}`;
}

/** `tenant acme status "active" → "suspended": its users …`: a manifest risk in one line. */
export const manifestRiskText = (m: ManifestRisk): string =>
  `${m.tenant === null ? 'platform' : `tenant ${m.tenant}`} ${m.field} ${m.from} → ${m.to}: ${m.says}${m.target ? ` (allowed as estate:${PLATFORM_TEMPLATE}/${m.target})` : ''}`;

/** `tenants/newco.template.json tenantUserPool: E405 … is accepted by review.suppressions ("…")`: one line. */
export const newlySuppressedText = (f: NewlySuppressed): string =>
  `${f.template} ${f.resource}: ${f.rule} ${f.message}, now accepted by review.suppressions ("${f.reason}")`;

/** Every finding of every kind in the diff, in diff order. */
const DOMAIN_STAGE = /^domains\/([a-z0-9-]+)\.template\.json$/;

/**
 * `holders`: template file → the nested-stack resource holding it (its parent's template
 * and logical id), from either side's assets manifest, so that `estate:root/tenantGroup1Stack`
 * covers the removal of the group stack as a whole too.
 */
export function gateFindings(diff: EstateDiff, tenantByStackId: ReadonlyMap<string, string>, holders: Holders = new Map()): GateFinding[] {
  const out: GateFinding[] = [];
  for (const t of diff.tenants) if (t.stack) out.push(...stackFindings(t.stack, () => null, t.id, holders));
  // A tenant's nested stack in its group belongs to the tenant: `tenant:<id>` covers it.
  // So does its domain stage (domains/<id>.template.json), a stack of its own.
  for (const s of diff.estate)
    out.push(...stackFindings(s, (r) => tenantByStackId.get(r.logicalId) ?? null, DOMAIN_STAGE.exec(s.template)?.[1] ?? null, holders));
  // A restore is the whole tenant's: `restore tenant:<id>` names it (allow.ts).
  for (const r of diff.restores)
    out.push({
      kind: 'restore',
      tenant: r.tenant,
      template: `tenants/${r.tenant}.template.json`,
      logicalId: null,
      description: `${restoreLine(r)}: ${handoverText(r)} pass to this manifest`,
    });
  // A removed tenant's domain taken by another tenant: the taker's (`handover tenant:<taker>`).
  for (const h of diff.domainHandovers ?? [])
    out.push({ kind: 'handover', tenant: h.tenant, template: `tenants/${h.tenant}.template.json`, logicalId: null, description: domainHandoverLine(h) });
  // Manifest risks no template shows: a tenant's is the tenant's (`tenant:<id>`), the
  // platform's is named by its field (`estate:platform/databaseTenantStatistics`).
  for (const m of diff.manifestRisks ?? [])
    out.push({
      kind: m.kind,
      tenant: m.tenant,
      template: m.tenant === null ? PLATFORM_TEMPLATE : `tenants/${m.tenant}.template.json`,
      logicalId: m.tenant === null ? m.target : null,
      description: manifestRiskText(m),
    });
  // A rule-pack finding newly accepted by a suppression is named by its resource.
  for (const f of diff.newlySuppressed ?? [])
    out.push({ kind: 'weakening', tenant: f.tenant, template: f.template, logicalId: f.resource, description: newlySuppressedText(f) });
  // Deploy refuses a tenant that leaves the output while its deployed status is not
  // offboarded (allow.ts, `lifecycle`): the diff cannot see the deployed status, so this
  // finding never blocks (no --fail-on takes it), but it is what a `lifecycle` allow in
  // the description must match to be one that means something.
  for (const t of diff.tenants)
    if (t.change === 'remove')
      out.push({
        kind: 'lifecycle',
        tenant: t.id,
        template: `tenants/${t.id}.template.json`,
        logicalId: null,
        description: `tenant ${t.id} leaves the output: deploy refuses it unless its deployed status is offboarded`,
      });
  for (const x of diff.stranded) {
    const tenant = /^tenants\/([a-z0-9-]+)\.template\.json$/.exec(x.template)?.[1] ?? null;
    out.push({
      kind: 'stateful',
      tenant,
      template: x.template,
      logicalId: x.logicalId,
      description: `${x.template} ${x.logicalId} (${x.type}) holds data: ${x.reason}`,
    });
  }
  return out;
}

const subject = (f: GateFinding): AllowSubject => ({
  kind: f.kind,
  tenant: f.tenant,
  template: templateName(f.template),
  logicalId: f.logicalId,
  holder: f.holder ? { template: templateName(f.holder.template), logicalId: f.holder.logicalId } : null,
});

export function evaluateGate(findings: readonly GateFinding[], kinds: readonly FailOnKind[], overrides: readonly Override[]): GateResult {
  const blocking: GateFinding[] = [];
  const allowed: { finding: GateFinding; overrides: Override[] }[] = [];
  const used: string[] = [];
  for (const f of findings) {
    // An override that covers a finding the gate does not refuse (its kind not in
    // --fail-on) still says something true about this change, and deploy may need it:
    // it is used. One that covers nothing at all is not.
    const covering = allowsCovering(overrides, subject(f));
    used.push(...covering.map(formatAllow));
    if (!kinds.includes(f.kind)) continue;
    if (covering.length) allowed.push({ finding: f, overrides: covering });
    else blocking.push(f);
  }
  const unused = unusedAllows(overrides, used);
  return { kinds, blocking, allowed, unused, accepted: overrides.filter((o) => !unused.includes(o)) };
}
