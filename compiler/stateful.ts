// Resource types that hold tenant data or identities. Replacing or removing one loses
// that data (or, where the template retains it, orphans it outside any stack), so the
// diff flags them and deploy refuses them unless the operator names them. Shared by
// compiler/diff and deploy/ (which imports nothing else of the compiler's stages).
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::S3::Bucket',
  'AWS::DynamoDB::Table',
  'AWS::Cognito::UserPool',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::SecretsManager::Secret',
  'AWS::Route53::HostedZone',
]);

export function isStateful(type: string | undefined): boolean {
  return type !== undefined && STATEFUL_TYPES.has(type);
}
