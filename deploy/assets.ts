// Uploading the compiled templates. Each goes under its content-hash key, so a key
// that exists holds exactly those bytes and is never uploaded again. Which keys exist
// is known without listing the bucket: after every successful rollout deploy records
// the assets manifest it deployed (tenantc/deployed/<stack>.assets.json), its keys are
// there (the bootstrap bucket policy denies deleting templates), and only keys new since
// then are checked (HEAD) and uploaded. A one-tenant change on a 500-tenant estate
// checks and uploads the handful of templates that changed, whatever the estate's size.
// Without a record (a first deploy), the bucket's template keys are listed once.
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AssetsManifest } from '../compiler/outputFormat.ts';
import type { Aws } from './aws.ts';
import type { CompiledForDeploy } from './compiledOutput.ts';
import { inParallel } from './concurrent.ts';
import { keyChecksum, proveObject, TemplateMismatchError } from './templateProof.ts';

export interface UploadSummary {
  /** Keys uploaded now. */
  readonly uploaded: readonly string[];
  /** Keys of this output already in the bucket. */
  readonly present: number;
  /** How deploy knew: the record of the last rollout, or a listing of the bucket. */
  readonly knownFrom: 'deployed-record' | 'bucket-listing';
}

async function listedKeys(aws: Aws, bucket: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let token: string | undefined;
  do {
    const page = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tenantc/', ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.add(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** S3's answer to a conditional write whose condition failed: the key exists (412), or another write to it is in flight (409). */
export function isConditionFailed(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return e instanceof Error && (e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || status === 412 || status === 409);
}

/**
 * `onUpload` hears each key uploaded, with how many uploads there are in all.
 *
 * A key of this output found in the bucket is proven to hold this output's bytes (its
 * stored SHA-256, or its bytes read), never trusted for its name. Each upload carries
 * its SHA-256 (S3 refuses bytes that do not match it, and stores it for later proofs)
 * and If-None-Match: * (S3 refuses to write over an existing key, so an upload never
 * replaces what a change set already read: a key that appeared meanwhile is proven
 * instead). The keys the deployed record lists are not asked again: the stacks running
 * them are the anchor (GetTemplate), and a change set that would read other bytes under
 * them shows them as changed; before an adopted change set executes, every template it
 * runs is proven (deploy/templateProof.ts).
 */
export async function uploadAssets(
  aws: Aws,
  bucket: string,
  record: AssetsManifest | null,
  compiled: CompiledForDeploy,
  onUpload: (key: string, count: number) => unknown,
): Promise<UploadSummary> {
  const all = [...compiled.bodies.keys()];
  const deployed = record ? new Set([record.root.key, ...record.nested.map((t) => t.key), ...(record.domains ?? []).map((t) => t.key)]) : null;
  const problems: string[] = [];
  const prove = async (key: string): Promise<boolean> => {
    const proof = await proveObject(aws, bucket, key);
    if (proof === 'missing') return false;
    if (proof !== 'equal') problems.push(`${key}: ${proof.different}`);
    return true;
  };
  let missing: string[] = [];
  if (deployed) {
    await inParallel(
      all.filter((k) => !deployed.has(k)),
      async (key) => {
        if (!(await prove(key))) missing.push(key);
      },
    );
  } else {
    const listed = await listedKeys(aws, bucket);
    await inParallel(
      all.filter((k) => listed.has(k)),
      async (key) => {
        if (!(await prove(key))) missing.push(key);
      },
    );
    missing = [...missing, ...all.filter((k) => !listed.has(k))];
  }
  if (problems.length) throw new TemplateMismatchError(problems.sort());
  missing.sort();
  const uploaded: string[] = [];
  await inParallel(missing, async (key) => {
    const bytes = compiled.bodies.get(key)!;
    try {
      await aws.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentType: 'application/json',
          ChecksumSHA256: keyChecksum(key),
          IfNoneMatch: '*',
        }),
      );
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      // Written by someone else since it was found missing: proven like any other.
      if (!(await prove(key))) throw e;
      return;
    }
    uploaded.push(key);
    onUpload(key, missing.length);
  });
  if (problems.length) throw new TemplateMismatchError(problems.sort());
  uploaded.sort();
  return { uploaded, present: all.length - uploaded.length, knownFrom: deployed ? 'deployed-record' : 'bucket-listing' };
}
