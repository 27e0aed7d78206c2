import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { asList, statements, text } from './shared.ts';

/** A deny that keeps tenants apart in a resource policy leaves no action out. */
export const crossTenantDenyCoversService: SecurityRule = {
  id: 'E304',
  types: ['AWS::S3::BucketPolicy'],
  title: "Every cross-tenant deny in a resource policy covers all of the service's actions",
  reason:
    "A deny that lists actions lets every other action through: a tenant principal with a broad identity policy could read or change other tenants' object versions, tags, ACLs and retention, or list their uploads.",
  fix: 'Deny "s3:*" (or use NotAction) outside the principal\'s own prefix (storage.ts tenantDataBucketPolicyDocument).',
  check(template, name) {
    const out = [];
    for (const [id, r] of resourcesOf(this, template)) {
      const partial = statements(r.Properties?.PolicyDocument).filter((s) => {
        if (s.Effect !== 'Deny' || !text(s.Condition).includes('aws:PrincipalTag/tenant-id')) return false;
        // A deny scoped by its condition to a prefix (the listing deny) is whole within that scope.
        if (s.NotAction !== undefined) return false;
        const actions = asList(s.Action).map(String);
        return !actions.includes('s3:*') && !(actions.length === 1 && actions[0] === 's3:ListBucket' && text(s.Condition).includes('s3:prefix'));
      });
      out.push(
        finding(
          this,
          name,
          id,
          partial.length === 0,
          partial.length ? `${partial.map((s) => s.Sid ?? '?').join(', ')} lists actions instead of covering s3:*` : 'cross-tenant denies cover s3:*',
        ),
      );
    }
    return out;
  },
};
