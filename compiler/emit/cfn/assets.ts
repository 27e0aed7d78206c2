// Nested templates are named by content hash in the assets bucket, so deploy uploads
// the compiled files unchanged and an unchanged tenant keeps an unchanged TemplateURL
// (CloudFormation then leaves its nested stack alone).
import * as crypto from 'node:crypto';
import { sub, type Intrinsic } from './template.ts';

export const ASSET_PREFIX = 'tenantc';

/**
 * crypto.hash (Node 20.12 and later): the same digest in one call, without a Hash object
 * per text. Most texts hashed here are a few kB (a tenant's template, the text its
 * reuse digest is taken of, thousands per compile), where making that object is a good
 * part of the cost. A string is hashed as its UTF-8 bytes either way.
 */
const hashOnce = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash;

/** SHA-256 of a text or bytes, as hex: what names a template in the bucket and proves a reused one. */
export function sha256Hex(content: string | Buffer): string {
  return hashOnce ? hashOnce('sha256', content, 'hex') : crypto.createHash('sha256').update(content).digest('hex');
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
