// The deployed record: what the last successful rollout of a stack deployed, kept in the
// assets bucket (tenantc/deployed/<stack>.assets.json). The next deploy starts from it:
// which templates are in the bucket already (deploy/assets.ts), which host names and
// which tenant statuses are deployed (deploy/nameHandover.ts, deploy/lifecycle.ts),
// which nested stacks already carry the stack policy. It is also deploy's journal of
// relaxed stack policies: before a deploy relaxes one for an allowed replacement or
// removal it writes the stack here, and clears it once the policy is strict again, so a
// deploy killed in between (SIGKILL, a lost runner) is repaired by the next one.
// It remembers, apart from any lock, every tenant a rollout removed, so that an id
// coming back is a restore to deploy whatever the compiled output says (deploy/restore.ts),
// and journals the restores an allow let through until their rollout is recorded, so a
// plain re-run of an interrupted deploy is not refused what was allowed.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AssetsManifest } from '../compiler/outputFormat.ts';
import { isMissing } from './concurrent.ts';
import type { Aws } from './aws.ts';

export const DEPLOYED_FORMAT = 'tenantc-deployed/1';

export const deployedRecordKey = (stack: string) => `tenantc/deployed/${stack}.assets.json`;

export interface DeployedRecord {
  readonly format: typeof DEPLOYED_FORMAT;
  /** The assets manifest of the last successful rollout; null before the first. */
  readonly manifest: AssetsManifest | null;
  /** Stacks (ids) whose policy a deploy relaxed and has not restored yet. */
  readonly relaxed: readonly string[];
  /** Tenants a rollout removed (their stack left the output), by id: the incarnation they had (null: not recorded) and the day. */
  readonly removed: Readonly<Record<string, RemovedTenantRecord>>;
  /**
   * Restores an allow let through whose rollout is not recorded yet (an interrupted
   * deploy), each for the output it was allowed in (the SHA-256 of its assets.json): a
   * re-run of that output is not asked again; another output is.
   */
  readonly restoring: readonly RestoringRecord[];
}

export interface RestoringRecord {
  readonly tenant: string;
  readonly incarnation: number;
  readonly assets: string;
}

export interface RemovedTenantRecord {
  readonly incarnation: number | null;
  /** YYYY-MM-DD, of the deploy that removed it. */
  readonly on: string;
}

/** The bucket is not there: deploy was never bootstrapped in this account and Region. */
export class BucketMissingError extends Error {
  constructor(readonly bucket: string) {
    super(`bucket ${bucket} does not exist: run \`tenantc bootstrap --assets-bucket ${bucket}\` once in this account and Region, then deploy again`);
    this.name = 'BucketMissingError';
  }
}

function isAssetsManifest(v: unknown): v is AssetsManifest {
  return typeof v === 'object' && v !== null && 'root' in v && 'nested' in v;
}

/** The record, or null when the stack was never deployed from this bucket. */
export async function readDeployedRecord(aws: Aws, bucket: string, stack: string): Promise<DeployedRecord | null> {
  let text: string;
  try {
    const r = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: deployedRecordKey(stack) }));
    text = await r.Body!.transformToString();
  } catch (e) {
    if (e instanceof Error && e.name === 'NoSuchBucket') throw new BucketMissingError(bucket);
    if (isMissing(e)) return null;
    throw e;
  }
  const value = JSON.parse(text) as unknown;
  // Deploys before this format recorded the bare assets manifest (no statuses, no journal).
  if (isAssetsManifest(value)) return { format: DEPLOYED_FORMAT, manifest: value, relaxed: [], removed: {}, restoring: [] };
  const r = value as Partial<DeployedRecord>;
  if (r.format !== DEPLOYED_FORMAT)
    throw new Error(`s3://${bucket}/${deployedRecordKey(stack)} is not a deployed record this tenantc reads (format ${JSON.stringify(r.format ?? null)})`);
  // Records before removals and restores were kept remember none.
  return { format: DEPLOYED_FORMAT, manifest: r.manifest ?? null, relaxed: r.relaxed ?? [], removed: r.removed ?? {}, restoring: r.restoring ?? [] };
}

export async function writeDeployedRecord(aws: Aws, bucket: string, stack: string, record: Omit<DeployedRecord, 'format'>): Promise<void> {
  const body = `${JSON.stringify({ format: DEPLOYED_FORMAT, ...record })}\n`;
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: deployedRecordKey(stack), Body: body, ContentType: 'application/json' }));
}
