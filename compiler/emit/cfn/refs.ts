// Which names a template refers to (Ref, GetAtt, and ${...} in Fn::Sub), so a nested
// template declares exactly the parameters it uses, and a parent passes exactly those.
// Read from the serialized JSON (test/support/refs.ts walks the objects, as an oracle).

/**
 * A scan of the text instead of a walk of the objects: compile serializes each tenant
 * template once, and at 5,000 tenants a walk cost more than the serialization. Used
 * only to pick which declared parameters a template needs, so names that are not
 * parameters are harmless.
 */
export function referencedNamesInJson(json: string): Set<string> {
  const out = new Set<string>();
  for (const m of json.matchAll(/"Ref":"([^"]+)"|"Fn::GetAtt":\["([^"]+)"|\$\{([A-Za-z0-9]+)[.}]/g)) out.add((m[1] ?? m[2] ?? m[3])!);
  return out;
}
