import { finding, resourcesOf, type SecurityRule } from '../rule.ts';

export const bucketsPrivate: SecurityRule = {
  id: 'E303',
  types: ['AWS::S3::Bucket'],
  title: 'Buckets block all public access and own their objects',
  reason: 'Tenant data and access logs are never public; CloudFront reads through Origin Access Control, not a public bucket.',
  fix: 'Set all four PublicAccessBlockConfiguration flags to true and OwnershipControls to BucketOwnerEnforced.',
  check(template, name) {
    return resourcesOf(this, template).map(([id, r]) => {
      const b = (r.Properties?.PublicAccessBlockConfiguration ?? {}) as Record<string, unknown>;
      const owned = JSON.stringify(r.Properties?.OwnershipControls ?? '').includes('BucketOwnerEnforced');
      const ok = b.BlockPublicAcls === true && b.BlockPublicPolicy === true && b.IgnorePublicAcls === true && b.RestrictPublicBuckets === true && owned;
      return finding(this, name, id, ok, ok ? 'private' : 'public access not fully blocked, or ACLs still in use');
    });
  },
};
