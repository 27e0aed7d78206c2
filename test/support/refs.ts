// The names a template fragment refers to, found by walking its objects: the oracle
// that compile's text scan (compiler/emit/cfn/refs.ts) is checked against.
export function referencedNames(value: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (input: unknown): void => {
    // Intrinsics are objects with toJSON: look at their JSON form.
    const v =
      input !== null && typeof input === 'object' && typeof (input as { toJSON?: unknown }).toJSON === 'function'
        ? (input as { toJSON(): unknown }).toJSON()
        : input;
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'Ref' && typeof child === 'string') out.add(child);
      else if (k === 'Fn::GetAtt' && Array.isArray(child)) out.add(String(child[0]));
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(child) ? String(child[0]) : String(child);
        // A name the Sub's own variables define refers to nothing outside it.
        const own = Array.isArray(child) ? (child[1] as Record<string, unknown>) : {};
        for (const m of text.matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) if (!Object.hasOwn(own, m[1]!)) out.add(m[1]!);
        if (Array.isArray(child)) walk(child[1]);
      } else walk(child);
    }
  };
  walk(value);
  return out;
}
