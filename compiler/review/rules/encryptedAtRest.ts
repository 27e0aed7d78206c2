import { finding, resourceEntries, type SecurityRule } from '../rule.ts';

type P = Record<string, unknown>;
const CHECKS: Record<string, (p: P) => boolean> = {
  'AWS::S3::Bucket': (p) => Array.isArray((p.BucketEncryption as P | undefined)?.ServerSideEncryptionConfiguration),
  'AWS::RDS::DBCluster': (p) => p.StorageEncrypted === true && p.KmsKeyId !== undefined,
  'AWS::ElastiCache::ReplicationGroup': (p) =>
    p.AtRestEncryptionEnabled === true && p.TransitEncryptionEnabled === true && p.TransitEncryptionMode === 'required',
  'AWS::DynamoDB::Table': (p) => (p.SSESpecification as P | undefined)?.SSEEnabled === true && (p.SSESpecification as P).KMSMasterKeyId !== undefined,
  'AWS::Logs::LogGroup': (p) => p.KmsKeyId !== undefined,
  'AWS::SQS::Queue': (p) => p.KmsMasterKeyId !== undefined,
  'AWS::SNS::Topic': (p) => p.KmsMasterKeyId !== undefined,
  'AWS::SecretsManager::Secret': (p) => p.KmsKeyId !== undefined,
  'AWS::KMS::Key': (p) => p.EnableKeyRotation === true,
};

export const encryptedAtRest: SecurityRule = {
  id: 'E302',
  types: Object.keys(CHECKS),
  title: 'Data at rest is encrypted (with our KMS keys, rotated), caches in transit too',
  reason: 'A snapshot, a log export or a copied volume must be useless without a key whose grants we control.',
  fix: "Encrypt with the estate's KMS key of that kind of data (keys.ts), with rotation on; for caches also require TLS in transit.",
  check(template, name) {
    return resourceEntries(template)
      .filter(([, r]) => r.Type in CHECKS)
      .map(([id, r]) => {
        const ok = CHECKS[r.Type]!(r.Properties ?? {});
        return finding(this, name, id, ok, ok ? 'encrypted' : `${r.Type} is not encrypted as required`);
      });
  },
};
