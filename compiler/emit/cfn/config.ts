// Configuration layer: SSM parameters the application reads at start-up, under
// /<platform>/platform/. CloudFormation cannot create SecureString parameters, so
// nothing secret goes here: secrets live in Secrets Manager.
import type { EstatePlan } from '../../plan/model.ts';
import { DB_CLUSTER } from './database.ts';
import { REGISTRY_TABLE } from './registry.ts';
import { MULTI_TENANT_DISTRIBUTION, TENANT_DATA_BUCKET } from './storage.ts';
import { getAtt, ref, tagMap, type LayerOutput, type ResourceOf, type Resources, type Value } from './template.ts';

export function emitPlatformConfig(plan: EstatePlan): LayerOutput {
  const p = plan.platform;
  const param = (name: string, value: Value, description: string, fullName = `${p.names.configPath}${name}`): ResourceOf<'AWS::SSM::Parameter'> => ({
    Type: 'AWS::SSM::Parameter',
    Properties: {
      Name: fullName,
      Type: 'String',
      Value: value,
      Description: description,
      Tier: 'Standard',
      Tags: tagMap(p.tags),
    },
  });
  const r: Resources = {
    platformApexDomainParameter: param('apex-domain', p.apexDomain, 'Apex domain of the platform'),
    platformUserContentDomainParameter: param('user-content-domain', p.userContentDomain, 'Tenant-writable content is served from <tenant id>.<this domain>'),
    platformDatabaseWriterParameter: param('database/writer-endpoint', getAtt(DB_CLUSTER, 'Endpoint.Address'), 'Aurora writer endpoint'),
    platformDatabaseReaderParameter: param('database/reader-endpoint', getAtt(DB_CLUSTER, 'ReadEndpoint.Address'), 'Aurora reader endpoint'),
    platformDatabaseNameParameter: param('database/name', p.database.databaseName, 'Database name'),
    platformRegistryTableParameter: param('registry-table', ref(REGISTRY_TABLE), 'DynamoDB tenant registry'),
    platformDataBucketParameter: param('tenant-data-bucket', ref(TENANT_DATA_BUCKET), 'Tenant data bucket', p.names.dataBucketParameter),
    platformDistributionParameter: param('distribution-id', ref(MULTI_TENANT_DISTRIBUTION), 'Multi-tenant CloudFront distribution'),
  };
  return { resources: r };
}
