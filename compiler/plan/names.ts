// Names and logical IDs derived from tenant ids, never from order, so that adding or
// removing a tenant never renames another tenant's resources.

/**
 * `globex-eu` → `GlobexEu`. Injective over valid ids: ids are lower-case and every
 * hyphen is followed by a letter (the schema's pattern), so each capital marks exactly
 * one hyphen and the original id can be read back.
 */
export function pascalCase(id: string): string {
  return id
    .split('-')
    .map((seg) => seg.charAt(0).toUpperCase() + seg.slice(1))
    .join('');
}

/** CloudFormation logical IDs are alphanumeric, at most 255 characters. */
export function logicalId(...parts: string[]): string {
  const id = parts.map((p) => (/^[a-z]/.test(p) ? pascalCase(p) : p)).join('');
  if (!/^[A-Za-z0-9]{1,255}$/.test(id)) throw new Error(`internal: invalid logical id ${JSON.stringify(id)}`);
  return id;
}
