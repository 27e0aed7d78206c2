// Resolves CloudFormation intrinsics in a compiled template fragment to concrete
// values, given what Ref / GetAtt of each name would return in a deployed account.
// Used to evaluate the policies exactly as compiled, not hand-written copies.
export interface ResolveContext {
  readonly refs: Readonly<Record<string, string>>;
  readonly getAtts?: Readonly<Record<string, string>>;
}

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };

export function resolve(value: unknown, ctx: ResolveContext): unknown {
  const json = JSON.parse(JSON.stringify(value)) as unknown;
  const ref = (name: string): string => {
    const v = PSEUDO[name] ?? ctx.refs[name];
    if (v === undefined) throw new Error(`resolve: no value for Ref ${name}`);
    return v;
  };
  const att = (id: string, attr: string): string => {
    const v = ctx.getAtts?.[`${id}.${attr}`];
    if (v === undefined) throw new Error(`resolve: no value for GetAtt ${id}.${attr}`);
    return v;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1) {
      const [k, arg] = entries[0]!;
      if (k === 'Ref') return ref(String(arg));
      if (k === 'Fn::GetAtt') return att(String((arg as unknown[])[0]), String((arg as unknown[])[1]));
      if (k === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return (walk(parts) as unknown[]).join(sep);
      }
      if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
        return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
          if (name.startsWith('!')) return `\${${name.slice(1)}}`;
          if (vars && name in vars) return String(walk(vars[name]));
          const [id, attr] = name.split(/\.(.*)/s);
          return attr !== undefined ? att(id!, attr) : ref(name);
        });
      }
    }
    return Object.fromEntries(entries.map(([k, child]) => [k, walk(child)]));
  };
  return walk(json);
}
