// What the runtime's AWS pieces share: the SDK client settings the application passes
// (region, endpoint, request handler, the fleet's own credentials), and credentials as
// the SDK takes them. The AWS SDK clients are the application's own (optional peer
// dependencies), loaded only by the pieces that call AWS.

/** Settings passed to every SDK client the runtime makes (STS, SSM): the SDK's own client configuration. */
export type AwsClientConfig = Readonly<Record<string, unknown>>;

/** Temporary credentials, in the SDK's shape. */
export interface TenantCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type CredentialsProvider = () => Promise<TenantCredentials>;

/** `arn:aws:sts::111122223333:assumed-role/x/y` → its partition and account. */
export function arnParts(arn: string): { partition: string; account: string } {
  const [, partition, , , account] = arn.split(':');
  if (!partition || !account || !/^\d{12}$/.test(account)) throw new Error(`not an ARN with an account: ${arn}`);
  return { partition, account };
}
