import type { Diagnostic } from '../../diagnostics.ts';
import type { SourceFile } from '../../load/sourceFile.ts';
import type { Rule } from '../rule.ts';

export const uniqueTenantIds: Rule = {
  id: 'tenant-id-duplicate',
  codes: ['tenant-id-duplicate'],
  title: 'Tenant ids are unique',
  reason: 'The id is the isolation key everywhere (RLS tenant_id, S3 prefix, Redis key pattern, IAM tag): two tenants with one id would share data.',
  check({ tenants }) {
    const first = new Map<string, SourceFile>();
    const out: Diagnostic[] = [];
    for (const { source, value } of tenants) {
      const prior = first.get(value.id);
      if (prior) out.push(source.diagnostic('tenant-id-duplicate', ['id'], `id "${value.id}" is already used by ${prior.locate(['id'])}`));
      else first.set(value.id, source);
    }
    return out;
  },
};
