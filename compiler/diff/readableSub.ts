// Since a manifest-derived string never enters a Fn::Sub template string (issue 18: it
// is a Sub variable instead, so `${...}` in it is never substituted), the diff's IAM
// lines read `{"Fn::Sub":["arn:${AWS::Partition}:${Service}:${AWS::Region}:${AWS::AccountId}:${Resource}",{"Service":"elasticache","Resource":"user:tessera-t-initech"}]}`,
// where a reviewer wants `{"Fn::Sub":"arn:${AWS::Partition}:elasticache:${AWS::Region}:${AWS::AccountId}:user:tessera-t-initech"}`.
// For display only (text and markdown; JSON keeps the exact value), each string-valued
// variable is written into the template where it is used, when the result means the
// same to CloudFormation: the value holds no `${` (it would become a placeholder),
// `${!Name}` stays a literal, and the template must tokenize back to the same
// placeholders minus those written in (a value that would join a `$` before it into a
// new placeholder is left as a variable). A variable that is not a string (a Ref, a
// GetAtt) stays one. Pure.

const SUB_START = '{"Fn::Sub":[';

/** The end (exclusive) of the JSON object or array starting at `from`, or -1 when the text ends first. */
function jsonEnd(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

type Part = { readonly literal: string } | { readonly name: string };

/** A Fn::Sub template as literal text and placeholders (`${!x}` is the literal `${x}`). */
function tokens(template: string): Part[] {
  const out: Part[] = [];
  const re = /\$\{([^}]*)\}/g;
  let at = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (m[1]!.startsWith('!')) continue;
    out.push({ literal: template.slice(at, m.index) }, { name: m[1]! });
    at = m.index + m[0].length;
  }
  out.push({ literal: template.slice(at) });
  return out;
}

const placeholders = (template: string) => tokens(template).flatMap((p) => ('name' in p ? [p.name] : []));

/** `{"Fn::Sub": [template, vars]}` with its string variables written in; null when nothing may be. */
function shortened(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  const sub = (value as Record<string, unknown>)['Fn::Sub'];
  if (keys.length !== 1 || !Array.isArray(sub) || sub.length !== 2) return null;
  const [template, vars] = sub as [unknown, unknown];
  if (typeof template !== 'string' || typeof vars !== 'object' || vars === null || Array.isArray(vars)) return null;
  const written = new Map(
    Object.entries(vars as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string' && !e[1].includes('${')),
  );
  if (written.size === 0) return null;
  const result = tokens(template)
    .map((p) => ('literal' in p ? p.literal : written.has(p.name) ? written.get(p.name)! : `\${${p.name}}`))
    .join('');
  // The same placeholders, in order, but those written in: else the display would mean something else.
  const kept = placeholders(template).filter((n) => !written.has(n));
  if (JSON.stringify(placeholders(result)) !== JSON.stringify(kept)) return null;
  const rest = Object.fromEntries(Object.entries(vars as Record<string, unknown>).filter(([k]) => !written.has(k)));
  return { 'Fn::Sub': Object.keys(rest).length ? [result, rest] : result };
}

/** `text` with every `{"Fn::Sub":[template,{vars}]}` (compact JSON, as the diff writes values) shown shorter where it may be. */
export function readableSubs(text: string): string {
  if (!text.includes(SUB_START)) return text;
  let out = '';
  let at = 0;
  for (let start = text.indexOf(SUB_START); start !== -1; start = text.indexOf(SUB_START, at)) {
    const end = jsonEnd(text, start);
    if (end === -1) break;
    out += text.slice(at, start);
    let value: unknown;
    try {
      value = JSON.parse(text.slice(start, end));
    } catch {
      value = undefined;
    }
    const short = value === undefined ? null : shortened(value);
    out += short === null ? text.slice(start, end) : JSON.stringify(short);
    at = end;
  }
  return out + text.slice(at);
}
