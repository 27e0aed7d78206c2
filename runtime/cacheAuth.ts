// The password of an IAM-authenticated ElastiCache user: a SigV4-presigned `connect`
// request for the user on the replication group, signed with the tenant's credentials
// (elasticache:Connect on its own user and group only: its role and session policies),
// valid 15 minutes for opening connections (Amazon ElastiCache User Guide,
// "Authenticating with IAM"). No password exists that could leak.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { TenantCredentials } from './aws.ts';

type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Bytes): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** SHA-256, or HMAC-SHA-256 with a secret, in the shape @smithy/signature-v4 takes. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: Bytes) {
    this.hash = this.make();
  }
  private make(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Bytes): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.make();
  }
}

/** Seconds an IAM authentication token is valid for (ElastiCache's limit). */
export const CACHE_TOKEN_SECONDS = 900;

export async function elastiCacheIamToken(input: {
  readonly replicationGroupId: string;
  readonly userId: string;
  readonly region: string;
  readonly credentials: TenantCredentials;
  readonly signingDate?: Date;
}): Promise<string> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const signer = new SignatureV4({ service: 'elasticache', region: input.region, credentials: input.credentials, sha256: Sha256 });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: input.replicationGroupId,
      path: '/',
      query: { Action: 'connect', User: input.userId },
      headers: { host: input.replicationGroupId },
    },
    { expiresIn: CACHE_TOKEN_SECONDS, ...(input.signingDate ? { signingDate: input.signingDate } : {}) },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  // The token is the presigned URL without its scheme.
  return `${input.replicationGroupId}/?${query}`;
}
