// Which names a template refers to (Ref, GetAtt, and ${...} in Fn::Sub), so a nested
// template declares exactly the parameters it uses, and a parent passes exactly those.
export function referencedNames(value: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (input: unknown): void => {
    // Intrinsics are objects with toJSON: look at their JSON form.
    const v = input !== null && typeof input === 'object' && typeof (input as { toJSON?: unknown }).toJSON === 'function' ? (input as { toJSON(): unknown }).toJSON() : input;
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'Ref' && typeof child === 'string') out.add(child);
      else if (k === 'Fn::GetAtt' && Array.isArray(child)) out.add(String(child[0]));
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(child) ? String(child[0]) : String(child);
        for (const m of text.matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) out.add(m[1]!);
        if (Array.isArray(child)) walk(child[1]);
      } else walk(child);
    }
  };
  walk(value);
  return out;
}

/**
 * The same question asked of serialized JSON: a scan of the text instead of a walk of
 * the objects (compile serializes each tenant template once, and at 5,000 tenants the
 * walk cost more than the serialization). Used only to pick which declared parameters
 * a template needs, so names that are not parameters are harmless.
 */
export function referencedNamesInJson(json: string): Set<string> {
  const out = new Set<string>();
  for (const m of json.matchAll(/"Ref":"([^"]+)"|"Fn::GetAtt":\["([^"]+)"|\$\{([A-Za-z0-9]+)[.}]/g)) out.add((m[1] ?? m[2] ?? m[3])!);
  return out;
}
