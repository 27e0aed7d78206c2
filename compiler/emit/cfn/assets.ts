// Nested templates are named by content hash in the assets bucket, so deploy uploads
// the compiled files unchanged and an unchanged tenant keeps an unchanged TemplateURL
// (CloudFormation then leaves its nested stack alone).
import { createHash } from 'node:crypto';
import { sub, type Intrinsic } from './template.ts';

export const ASSET_PREFIX = 'tenantc';

export function assetKey(content: string): string {
  return `${ASSET_PREFIX}/${createHash('sha256').update(content).digest('hex')}.template.json`;
}

export function templateUrl(key: string): Intrinsic {
  return sub('https://${AssetsBucketName}.s3.${AWS::Region}.${AWS::URLSuffix}/${TemplateKey}', { TemplateKey: key });
}
