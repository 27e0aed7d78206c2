// Stable serialization: key order is the order emitters build objects in (which is
// fixed and independent of input order); arrays keep their order; two-space indent
// and a final newline. JSON.stringify calls toJSON on intrinsic functions.
export function serializeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
