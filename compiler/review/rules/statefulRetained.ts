import { finding, resourceEntries, type SecurityRule } from '../rule.ts';

/** Resources that hold tenant data or identities, and the policies that keep it. */
const STATEFUL: Record<string, readonly string[]> = {
  'AWS::S3::Bucket': ['Retain'],
  'AWS::DynamoDB::Table': ['Retain', 'Snapshot'],
  'AWS::RDS::DBCluster': ['Retain', 'Snapshot'],
  'AWS::ElastiCache::ReplicationGroup': ['Retain', 'Snapshot'],
  'AWS::Cognito::UserPool': ['Retain'],
  'AWS::Logs::LogGroup': ['Retain'],
  'AWS::SecretsManager::Secret': ['Retain'],
  'AWS::KMS::Key': ['Retain'],
  'AWS::Route53::HostedZone': ['Retain'],
};

export const statefulRetained: SecurityRule = {
  id: 'E301',
  types: Object.keys(STATEFUL),
  title: 'Stateful resources are retained or snapshotted on delete and on replacement',
  reason: 'Removing a tenant file, offboarding a tenant or a replacing update must never delete its data: DeletionPolicy and UpdateReplacePolicy both say so.',
  fix: 'Set both DeletionPolicy and UpdateReplacePolicy to Retain (or Snapshot where the type supports it) on the resource.',
  check(template, name) {
    return resourceEntries(template)
      .filter(([, r]) => r.Type in STATEFUL)
      .map(([id, r]) => {
        const allowed = STATEFUL[r.Type]!;
        const ok = allowed.includes(String(r.DeletionPolicy)) && allowed.includes(String(r.UpdateReplacePolicy));
        return finding(
          this,
          name,
          id,
          ok,
          ok
            ? `${r.DeletionPolicy}/${r.UpdateReplacePolicy}`
            : `DeletionPolicy ${String(r.DeletionPolicy)}, UpdateReplacePolicy ${String(r.UpdateReplacePolicy)}; expected ${allowed.join(' or ')}`,
        );
      });
  },
};
