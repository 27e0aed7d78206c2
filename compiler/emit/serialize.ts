// Stable serialization: key order is the order emitters build objects in (which is
// fixed and independent of input order); arrays keep their order; two-space indent
// and a final newline. JSON.stringify calls toJSON on intrinsic functions.
export function serializeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Compact form, for the thousands of nested tenant and group templates: read by
 * CloudFormation and by diff tooling, not by people, and 40 % smaller, which is most
 * of compile's time and memory at 5,000 tenants. Tests re-indent them to compare.
 */
export function serializeCompactJson(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
