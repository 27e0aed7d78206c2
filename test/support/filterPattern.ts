// CloudWatch Logs JSON filter patterns, the subset tenantc emits: `{ (<clause>) && ... }`
// where a clause compares one field ($.a.b) with a number or a quoted string. An
// independent reading of the pattern, to prove which events a metric filter counts.
// Anything outside the subset throws, so a pattern tenantc starts to emit is never
// silently misread.

type Event = Record<string, unknown>;

const CLAUSE = /^\(?\s*\$\.([A-Za-z0-9_.]+)\s*(>=|<=|!=|=|>|<)\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*\)?$/;

export function matchesFilterPattern(pattern: string, event: Event): boolean {
  const body = /^\{\s*(.*)\s*\}$/.exec(pattern.trim())?.[1];
  if (body === undefined) throw new Error(`not a JSON filter pattern: ${pattern}`);
  return body.split('&&').every((raw) => {
    const m = CLAUSE.exec(raw.trim());
    if (!m) throw new Error(`clause outside the supported subset: ${raw.trim()}`);
    const [, path, op, literal] = m;
    const value = path!.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Event)[k] : undefined), event);
    if (value === undefined) return false;
    if (literal!.startsWith('"')) {
      const s = JSON.parse(literal!) as string;
      if (op === '=') return value === s;
      if (op === '!=') return value !== s;
      throw new Error(`operator ${op} on a string`);
    }
    const n = Number(literal);
    if (typeof value !== 'number') return false;
    return op === '>=' ? value >= n : op === '<=' ? value <= n : op === '>' ? value > n : op === '<' ? value < n : op === '=' ? value === n : value !== n;
  });
}
