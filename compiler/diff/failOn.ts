// The --fail-on gate of a pull request: destructive or widening changes are refused
// unless an override names them with a reason. Overrides come from the pull request
// (the workflow reads `tenantc-allow:` lines of its description), so the reason is
// written where reviewers read it, and the diff comment repeats it.
import type { EstateDiff, FailOnKind, ResourceChange, Risk, StackChange } from './model.ts';
import { FAIL_ON_KINDS } from './model.ts';

export interface Override {
  readonly kind: FailOnKind;
  /** `tenant:<id>`, a logical id, or a template path. */
  readonly target: string;
  readonly reason: string;
}

export interface GateFinding {
  readonly kind: FailOnKind;
  /** The tenant the change belongs to, or null for the shared estate. */
  readonly tenant: string | null;
  readonly template: string;
  /** The resource, or null for a finding about the whole stack. */
  readonly logicalId: string | null;
  readonly description: string;
}

export interface GateResult {
  readonly kinds: readonly FailOnKind[];
  readonly blocking: readonly GateFinding[];
  readonly allowed: readonly { readonly finding: GateFinding; readonly override: Override }[];
  /** Overrides that matched nothing: reported so that a stale one is noticed. */
  readonly unused: readonly Override[];
}

const OVERRIDE = /^\s*([a-z]+)\s+(tenant:[a-z0-9-]+|[^\s:]+)\s*:\s*(.+?)\s*$/;

/** `removal tenant:globex: customer left, export confirmed (OPS-12)` → an Override, or an error message. */
export function parseOverride(text: string): Override | string {
  const m = OVERRIDE.exec(text);
  if (!m) return `"${text}" is not an override: write "<kind> <target>: <reason>", e.g. "removal tenant:globex: customer left (OPS-12)"`;
  const kind = m[1]!;
  const target = m[2]!;
  const reason = m[3]!;
  if (!(FAIL_ON_KINDS as readonly string[]).includes(kind)) return `"${text}": kind "${kind}" is not one of ${FAIL_ON_KINDS.join(', ')}`;
  if (reason.length < 10) return `"${text}": the reason must say why (at least 10 characters)`;
  return { kind: kind as FailOnKind, target, reason };
}

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

function stackFindings(stack: StackChange, tenantOf: (r: ResourceChange) => string | null, tenant: string | null): GateFinding[] {
  const out: GateFinding[] = [];
  const at = (kind: FailOnKind, r: ResourceChange | null, description: string) =>
    out.push({ kind, tenant: r ? (tenantOf(r) ?? tenant) : tenant, template: stack.template, logicalId: r?.logicalId ?? null, description });
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

/** Every finding of every kind in the diff, in diff order. */
const DOMAIN_STAGE = /^domains\/([a-z0-9-]+)\.template\.json$/;

export function gateFindings(diff: EstateDiff, tenantByStackId: ReadonlyMap<string, string>): GateFinding[] {
  const out: GateFinding[] = [];
  for (const t of diff.tenants) if (t.stack) out.push(...stackFindings(t.stack, () => null, t.id));
  // A tenant's nested stack in its group belongs to the tenant: `tenant:<id>` covers it.
  // So does its domain stage (domains/<id>.template.json), a stack of its own.
  for (const s of diff.estate) out.push(...stackFindings(s, (r) => tenantByStackId.get(r.logicalId) ?? null, DOMAIN_STAGE.exec(s.template)?.[1] ?? null));
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

function covers(o: Override, f: GateFinding): boolean {
  if (o.kind !== f.kind) return false;
  if (o.target.startsWith('tenant:')) return f.tenant === o.target.slice('tenant:'.length);
  return o.target === f.logicalId || o.target === f.template;
}

export function evaluateGate(findings: readonly GateFinding[], kinds: readonly FailOnKind[], overrides: readonly Override[]): GateResult {
  const blocking: GateFinding[] = [];
  const allowed: { finding: GateFinding; override: Override }[] = [];
  const used = new Set<Override>();
  for (const f of findings) {
    if (!kinds.includes(f.kind)) continue;
    const o = overrides.find((x) => covers(x, f));
    if (o) {
      used.add(o);
      allowed.push({ finding: f, override: o });
    } else blocking.push(f);
  }
  return { kinds, blocking, allowed, unused: overrides.filter((o) => !used.has(o)) };
}
