// One allow language for the review and for deploy. A pull request carries
// `tenantc-allow: <kind> <target>: <reason>` lines in its description; `tenantc diff`
// takes them as --allow (its --fail-on gate), and `tenantc deploy` reads the same lines
// with --allow-file after merge, so a destructive change deploys only as it was
// reviewed. Deploy's own flags are the same allows without a reason:
// `--allow-replace T` is `replacement T`, `--allow-remove T` is `removal T`.
//
// A target names whose resource it is, never a bare logical id: `tenantUserPool` exists
// in every tenant's stack, so allowing it by name would allow it for all of them.
//   tenant:<id>                  everything of that tenant: its stack, its nested stack
//                                in its group, its domain stage
//   tenant:<id>/<logicalId>      one resource of that tenant's
//   estate:<template>/<logicalId> one resource of a shared template, by its path in the
//                                output without `.template.json` (root, groups/group-0,
//                                shards/cache-0, ...)
// Shared by compiler/diff and deploy/ (which imports nothing else of the compiler's
// stages); pure.

/** What deploy refuses on its own that an allow of a kind lifts (docs/deploy.md). */
export type DeployCheck =
  /** The change set replaces a resource that holds data. */
  | 'replace'
  /** The change set removes a resource that holds data, or a nested stack. */
  | 'remove'
  /** A tenant leaves the output while its deployed status is not offboarded. */
  | 'lifecycle'
  /** A removed tenant's id comes back (or its incarnation changes) against the deployed record. */
  | 'restore';

interface KindSpec {
  /** One line for --help and docs/deploy.md. */
  readonly summary: string;
  /** The review reports findings of this kind (diff --fail-on accepts it); false: an allow of it is deploy's alone so far. */
  readonly review: boolean;
  /** Deploy's refusals an allow of this kind lifts; none: the kind is the review's alone. */
  readonly deploy: readonly DeployCheck[];
  /** Its findings are about a whole tenant: its one target is `tenant:<id>`. */
  readonly wholeTenant?: true;
}

/**
 * Every kind of finding an allow can name. Adding a kind is one line here: the diff's
 * --fail-on accepts it, the parsers accept it, and `deploy` says what it lifts.
 */
export const ALLOW_KIND_SPECS = {
  replacement: { summary: 'a resource is replaced', review: true, deploy: ['replace'] },
  removal: { summary: 'a resource or stack is removed', review: true, deploy: ['remove'] },
  broadening: { summary: 'IAM statements or security-group rules widen access', review: true, deploy: [] },
  stateful: {
    summary: 'a database, cache, bucket, table, user pool, key, log group, secret or hosted zone is replaced or removed, or stranded by a replaced VPC',
    review: true,
    deploy: ['replace', 'remove'],
  },
  // The risk table's kinds (compiler/diff/riskTable.ts): a change set shows the property
  // changes behind them no better than a template diff does, so the review is where
  // they are decided and deploy has nothing of its own to lift.
  'data-loss': {
    summary: 'stored data is deleted without replacing anything (retention, expiry, backups, versioning, deletion protection)',
    review: true,
    deploy: [],
  },
  weakening: { summary: 'security is lowered (MFA, passwords, TLS, WAF, encryption, public access, logging)', review: true, deploy: [] },
  interruption: { summary: 'a database, cache or fleet restarts or rolls (with its roll-out order)', review: true, deploy: [] },
  lifecycle: {
    summary: 'a tenant is removed while it is not offboarded (a step of its lifecycle skipped)',
    review: false,
    deploy: ['lifecycle'],
    wholeTenant: true,
  },
  restore: {
    summary: "a removed tenant's id comes back: its S3 prefix, secret path and rows pass to the manifest that names it",
    review: true,
    deploy: ['restore'],
    wholeTenant: true,
  },
  // Not `restore`: deploy's restore check reads the deployed record for ids that come
  // back, and a new tenant taking a removed one's domain is none, so a `restore` allow
  // for it would cover nothing there and be refused as stale. Deploy has no check of its
  // own for it (validate refuses the claim unless the manifest says takesDomainsFrom).
  handover: {
    summary: "a removed tenant's domain passes to another tenant (takesDomainsFrom): whatever still calls it reaches the new one",
    review: true,
    deploy: [],
    wholeTenant: true,
  },
} as const satisfies Record<string, KindSpec>;

export type AllowKind = keyof typeof ALLOW_KIND_SPECS;
export const ALLOW_KINDS = Object.keys(ALLOW_KIND_SPECS) as readonly AllowKind[];
/** The kinds the review reports: what `tenantc diff --fail-on` takes. */
export const REVIEW_KINDS: readonly AllowKind[] = ALLOW_KINDS.filter((k) => ALLOW_KIND_SPECS[k].review);

export const isAllowKind = (k: string): k is AllowKind => Object.hasOwn(ALLOW_KIND_SPECS, k);

export type AllowTarget =
  | { readonly scope: 'tenant'; readonly tenant: string; readonly logicalId: string | null }
  | { readonly scope: 'estate'; readonly template: string; readonly logicalId: string };

export interface Allow {
  readonly kind: AllowKind;
  readonly target: AllowTarget;
  /** Why (required in a pull request's lines; empty for deploy's flags). */
  readonly reason: string;
}

/** The prefix of an allow line in a pull request's description. */
export const ALLOW_LINE_PREFIX = 'tenantc-allow:';
/** A reason says why: at least this many characters. */
export const MIN_REASON = 10;

const TENANT_ID = '[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*';
/** CloudFormation logical ids are alphanumeric. */
const LOGICAL_ID = '[A-Za-z0-9]+';
const TEMPLATE = '[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*';
const TENANT_TARGET = new RegExp(`^tenant:(${TENANT_ID})(?:/(${LOGICAL_ID}))?$`);
const ESTATE_TARGET = new RegExp(`^estate:(${TEMPLATE})/(${LOGICAL_ID})$`);

const GRAMMAR = 'tenant:<id>, tenant:<id>/<logicalId> or estate:<template>/<logicalId>';

/** `tenant:acme/tenantUserPool` → a target, or why it is not one. */
export function parseTarget(text: string): AllowTarget | string {
  const t = TENANT_TARGET.exec(text);
  if (t) return { scope: 'tenant', tenant: t[1]!, logicalId: t[2] ?? null };
  const e = ESTATE_TARGET.exec(text);
  if (e && !e[1]!.endsWith('.template.json')) return { scope: 'estate', template: e[1]!, logicalId: e[2]! };
  if (new RegExp(`^${LOGICAL_ID}$`).test(text))
    return `"${text}" is a bare logical id, which every stack holding one of that name would match: write tenant:<id>/${text} or estate:<template>/${text} (e.g. estate:root/${text})`;
  if (text.startsWith('estate:') && text.includes('.template.json'))
    return `"${text}": name the template without .template.json and add the resource: estate:<template>/<logicalId>`;
  if (text.startsWith('estate:'))
    return `"${text}": an estate target names one resource of a shared template: estate:<template>/<logicalId> (e.g. estate:root/platformDatabaseCluster)`;
  return `"${text}" is not a target: write ${GRAMMAR}`;
}

export function formatTarget(t: AllowTarget): string {
  return t.scope === 'tenant' ? `tenant:${t.tenant}${t.logicalId ? `/${t.logicalId}` : ''}` : `estate:${t.template}/${t.logicalId}`;
}

export const formatAllow = (a: Allow): string => `${a.kind} ${formatTarget(a.target)}${a.reason ? `: ${a.reason}` : ''}`;

function kindError(kind: string): string {
  return `kind "${kind}" is not one of ${ALLOW_KINDS.join(', ')}`;
}

/** Why `target` cannot go with `kind` (a whole-tenant kind names a tenant, never one resource), or null. */
function targetError(kind: AllowKind, target: AllowTarget): string | null {
  const spec: KindSpec = ALLOW_KIND_SPECS[kind];
  if (spec.wholeTenant && (target.scope !== 'tenant' || target.logicalId !== null))
    return `${kind} is about a whole tenant: its target is tenant:<id>, not ${formatTarget(target)}`;
  return null;
}

const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Characters an allow line may not hold anywhere: whitespace other than the ASCII space
 * and tab (NBSP, U+2000–U+200A, U+3000, ...), format characters (zero-width spaces and
 * joiners U+200B–U+200D, bidirectional overrides, the BOM) and control characters. JavaScript's
 * `\s` reads NBSP and U+3000 as spaces, the workflow's scripts and a reviewer's eye may
 * not: one line read two ways is how an allow says one thing and does another, so such
 * a line is refused rather than normalised.
 */
const HIDDEN = /(?![ \t])[\p{White_Space}\p{Cf}\p{Cc}]/u;
const HIDDEN_ALL = new RegExp(HIDDEN.source, 'gu');

/**
 * Why a line holds a character that reads as something it is not, or null. Only
 * ASCII spaces separate; the kind and the target are ASCII (a Cyrillic "а" in
 * `tenant:аcme` is a lookalike); the reason is free text but may hide nothing.
 */
function hiddenCharacter(text: string): string | null {
  const hidden = HIDDEN.exec(text);
  if (hidden)
    return `"${text.replace(HIDDEN_ALL, '\u2423')}" holds ${hex(hidden[0])} at column ${hidden.index + 1}: an allow line is written with ASCII spaces only (no non-breaking, wide, zero-width or control characters), so that it reads the same to every reader`;
  const head = /^\s*\S+\s+\S+/u.exec(text)?.[0] ?? text;
  const lookalike = /[^\x20-\x7e\t]/u.exec(head);
  if (lookalike)
    return `"${text}" holds ${hex(lookalike[0])} at column ${lookalike.index + 1}: an allow's kind and target are ASCII (a character that only looks like one names nothing)`;
  return null;
}

/** `removal tenant:globex: customer left, export confirmed (OPS-12)` → an Allow, or why it is not one. */
export function parseAllow(text: string): Allow | string {
  return hiddenCharacter(text) ?? parseAllowGrammar(text);
}

/**
 * The grammar alone, without the hidden-character check: exported so that a test shows
 * what the check refuses that the grammar would read (NBSP is `\s` to JavaScript).
 */
export function parseAllowGrammar(text: string): Allow | string {
  const m = /^\s*([a-z-]+)\s+(\S+?)\s*:\s+(.*?)\s*$/.exec(text) ?? /^\s*([a-z-]+)\s+(\S+?):?\s*$/.exec(text);
  if (!m) return `"${text}" is not an allow: write "<kind> <target>: <reason>", e.g. "removal tenant:globex: customer left (OPS-12)"`;
  const [, kind, targetText, reason = ''] = m as unknown as [string, string, string, string | undefined];
  if (!isAllowKind(kind)) return `"${text}": ${kindError(kind)}`;
  const target = parseTarget(targetText);
  if (typeof target === 'string') return `"${text}": ${target}`;
  const wrong = targetError(kind, target);
  if (wrong) return `"${text}": ${wrong}`;
  if (reason.length < MIN_REASON) return `"${text}": the reason must say why (at least ${MIN_REASON} characters after "${formatTarget(target)}: ")`;
  return { kind, target, reason };
}

/** A deploy flag's value (`--allow-replace tenant:acme/tenantUserPool`) as the allow of `kind`, with no reason. */
export function flagAllow(kind: AllowKind, text: string): Allow | string {
  const target = parseTarget(text);
  if (typeof target === 'string') return target;
  return targetError(kind, target) ?? { kind, target, reason: '' };
}

/**
 * The `tenantc-allow:` lines of a text (a pull request's description): each parsed,
 * with its 1-based line for errors. Other lines are not read.
 */
export function allowLines(text: string): { readonly line: number; readonly allow: Allow | string }[] {
  const out: { line: number; allow: Allow | string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^[ \t]*tenantc-allow:[ \t]*(.*)$/.exec(raw);
    if (m) out.push({ line: i + 1, allow: parseAllow(m[1]!) });
    else if (looksLikeAllowLine(raw)) {
      // Read by no one, or by one reader and not another (the workflow's scripts, deploy):
      // an error, never a line silently skipped.
      const hidden = HIDDEN.exec(raw) ?? /[^\x20-\x7e\t]/u.exec(raw);
      out.push({
        line: i + 1,
        allow: hidden
          ? `"${raw.replace(HIDDEN_ALL, '\u2423')}" looks like a ${ALLOW_LINE_PREFIX} line but holds ${hex(hidden[0])} at column ${hidden.index + 1}: write it with ASCII characters and spaces only`
          : `"${raw}" looks like a ${ALLOW_LINE_PREFIX} line but is not one: write "${ALLOW_LINE_PREFIX} <kind> <target>: <reason>" at the start of the line, in lower case, nothing before it but spaces`,
      });
    }
  });
  return out;
}

/**
 * A line that would read as `tenantc-allow:` once its hidden characters are dropped and
 * its lookalikes folded (NFKC folds fullwidth letters and wide colons; dashes and the
 * Cyrillic letters of "tenantc" are folded by hand).
 */
function looksLikeAllowLine(raw: string): boolean {
  const folded = raw
    .normalize('NFKC')
    .replace(HIDDEN_ALL, ' ')
    .replace(/[\u2010-\u2015\u2212\ufe63\uff0d]/g, '-')
    .replace(/[\u0430\u0435\u043e\u0441\u0440\u0442\u043d]/g, (c) => ({ а: 'a', е: 'e', о: 'o', с: 'c', р: 'p', т: 't', н: 'n' })[c] ?? c)
    .toLowerCase();
  // A list, quote or heading mark before it, another separator or none, another case:
  // a reader still takes it for an allow line.
  return /^[\s>*+\-`#]*tenantc[\s_-]*allow\s*:/.test(folded);
}

/**
 * What an allow is matched against: one finding of the review, named by its kind, or one
 * thing a check of deploy's refuses, named by the check (every kind whose
 * ALLOW_KIND_SPECS entry lists the check lifts it: `replacement` and `stateful` lift a
 * stateful replacement).
 */
export type AllowSubject = ({ readonly kind: AllowKind; readonly check?: undefined } | { readonly check: DeployCheck; readonly kind?: undefined }) & {
  /** The tenant the resource belongs to, or null for the shared estate. */
  readonly tenant: string | null;
  /** Its template's path in the output without `.template.json`. */
  readonly template: string;
  /** The resource; null for a finding about a whole stack (see `holder`). */
  readonly logicalId: string | null;
  /** For a whole stack: the nested-stack resource that holds it in its parent template. */
  readonly holder?: { readonly template: string; readonly logicalId: string } | null;
};

/** The output path of a template without `.template.json`: `groups/group-0`. */
export const templateName = (file: string): string => file.replace(/\.template\.json$/, '');

export function covers(a: Allow, s: AllowSubject): boolean {
  if (s.check !== undefined ? !(ALLOW_KIND_SPECS[a.kind].deploy as readonly DeployCheck[]).includes(s.check) : a.kind !== s.kind) return false;
  const t = a.target;
  if (t.scope === 'tenant') return s.tenant === t.tenant && (t.logicalId === null || t.logicalId === s.logicalId);
  if (s.logicalId !== null) return t.template === s.template && t.logicalId === s.logicalId;
  return s.holder != null && t.template === s.holder.template && t.logicalId === s.holder.logicalId;
}

/**
 * Every allow that covers `s`, in the order given: the one matcher of the review's gate
 * (compiler/diff/failOn.ts) and of deploy's checks (deploy/guard.ts, lifecycle.ts,
 * restore.ts). Every one, never the first: allows may overlap (`replacement tenant:acme`
 * and `replacement tenant:acme/tenantUserPool`, or `replacement` and `stateful` of one
 * resource, which the review asks for as two findings), and each that covers something
 * is used on both sides. Taking the first would leave the second unused in one place and
 * used in the other: a change the review passed, refused by deploy as stale.
 */
export function allowsCovering(allows: readonly Allow[], s: AllowSubject): Allow[] {
  return allows.filter((a) => covers(a, s));
}

/**
 * The allows that covered nothing: those whose text (formatAllow) is not in `used`, the
 * allows allowsCovering returned for some subject, as a report's `allowedBy` holds them.
 * The review fails each (`unused override`), deploy refuses each (stale, exit 3): an
 * allow outlives the change it was written for, and one that covers nothing today would
 * approve whatever later matches it, unread.
 */
export function unusedAllows(allows: readonly Allow[], used: Iterable<string>): Allow[] {
  const seen = new Set(used);
  return allows.filter((a) => !seen.has(formatAllow(a)));
}
