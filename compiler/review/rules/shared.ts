// Small readers the rules share: tags, statements, names of things in templates.
import type { TemplateResource } from '../rule.ts';

export interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function statements(doc: unknown): Statement[] {
  return asList((doc as { Statement?: unknown } | undefined)?.Statement) as Statement[];
}

/** Whichever of CloudFormation's tag properties the resource uses: a list of Key/Value, or a map. */
function rawTags(r: TemplateResource): unknown {
  const p = r.Properties ?? {};
  return p.Tags ?? p.UserPoolTags ?? p.HostedZoneTags;
}

/** A resource's tags as a map, whichever of CloudFormation's tag shapes it uses. */
export function tagsOf(r: TemplateResource): Record<string, unknown> {
  const raw = rawTags(r);
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((t: { Key: string; Value: unknown }) => [t.Key, t.Value]));
  return (raw as Record<string, unknown> | undefined) ?? {};
}

/** The tenant a resource belongs to (its tenant-id tag), or null for platform resources. */
export function tenantOf(r: TemplateResource): string | null {
  // Read in place rather than through tagsOf: every rule asks this of every resource of
  // thousands of templates, and building a map each time was a visible share of compile.
  const raw = rawTags(r);
  let id: unknown;
  if (Array.isArray(raw)) {
    // The last one wins, as in tagsOf (and in CloudFormation's map of them).
    for (const t of raw as { Key: string; Value: unknown }[]) if (t.Key === 'tenant-id') id = t.Value;
  } else id = (raw as Record<string, unknown> | undefined)?.['tenant-id'];
  return typeof id === 'string' ? id : null;
}

/** Text of a value that may be an intrinsic: enough for rules that look for a marker in it. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
