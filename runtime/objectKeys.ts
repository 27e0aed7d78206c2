// tenantObjectKey(tenant, name): the S3 key of an object the application names, always
// under the tenant's prefix. A name is a relative path of plain segments: no empty
// segment, no `.` or `..`, nothing that is not a letter, digit, `-`, `_` or `.`, so a
// name like `../tenants/b/x` is refused outright rather than sent to S3, which would
// store it as a literal key (S3 resolves no path) but would make logs and listings lie.
// The prefix confines the key; the session policy and the bucket policy refuse any other
// prefix to the tenant's credentials regardless (sessionPolicy.ts, storage.ts).
import type { RuntimeTenant } from '../compiler/outputFormat.ts';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** S3's limit on a key's length, in bytes (our names are ASCII). */
const MAX_KEY = 1024;

export function tenantObjectKey(tenant: Pick<RuntimeTenant, 's3Prefix'>, name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return null;
  const segments = name.split('/');
  if (!segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) return null;
  const key = `${tenant.s3Prefix}${name}`;
  return key.length <= MAX_KEY ? key : null;
}
