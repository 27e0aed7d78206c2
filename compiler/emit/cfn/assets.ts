// Nested templates are named by content hash in the assets bucket, so deploy uploads
// the compiled files unchanged and an unchanged tenant keeps an unchanged TemplateURL
// (CloudFormation then leaves its nested stack alone).
import { createHash } from 'node:crypto';
import { sub, type Intrinsic } from './template.ts';

export const ASSET_PREFIX = 'tenantc';

/** SHA-256 of a text or bytes, as hex: what names a template in the bucket and proves a reused one. */
export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function assetKey(content: string): string {
  return assetKeyOfDigest(sha256Hex(content));
}

/** The key of a template whose SHA-256 (hex) is known already (a reused template's, checked against its bytes). */
export function assetKeyOfDigest(sha256: string): string {
  return `${ASSET_PREFIX}/${sha256}.template.json`;
}

export function templateUrl(key: string): Intrinsic {
  return sub('https://${AssetsBucketName}.s3.${AWS::Region}.${AWS::URLSuffix}/${TemplateKey}', { TemplateKey: key });
}
