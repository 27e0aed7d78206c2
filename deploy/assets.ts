// Uploading the compiled templates. Each goes under its content-hash key, so a key
// that exists holds exactly those bytes and is never uploaded again. Which keys exist
// is known without listing the bucket: after every successful rollout deploy records
// the assets manifest it deployed (tenantc/deployed/<stack>.assets.json), its keys are
// there (the bootstrap bucket policy denies deleting templates), and only keys new since
// then are checked (HEAD) and uploaded. A one-tenant change on a 500-tenant estate
// checks and uploads the handful of templates that changed, whatever the estate's size.
// Without a record (a first deploy), the bucket's template keys are listed once.
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AssetsManifest } from '../compiler/outputFormat.ts';
import type { Aws } from './aws.ts';
import type { CompiledForDeploy } from './compiledOutput.ts';

/** Requests in flight at once: S3 takes thousands per second per prefix. */
const CONCURRENCY = 16;

export interface UploadSummary {
  /** Keys uploaded now. */
  readonly uploaded: readonly string[];
  /** Keys of this output already in the bucket. */
  readonly present: number;
  /** How deploy knew: the record of the last rollout, or a listing of the bucket. */
  readonly knownFrom: 'deployed-record' | 'bucket-listing';
}

export function isMissing(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return e instanceof Error && (e.name === 'NoSuchKey' || e.name === 'NotFound' || status === 404);
}

/** Runs `fn` over `items`, `concurrency` at a time; the first error stops the workers taking more. */
export async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>, concurrency = CONCURRENCY): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
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

/** `onUpload` hears each key uploaded, with how many uploads there are in all. */
export async function uploadAssets(
  aws: Aws,
  bucket: string,
  record: AssetsManifest | null,
  compiled: CompiledForDeploy,
  onUpload: (key: string, count: number) => unknown,
): Promise<UploadSummary> {
  const all = [...compiled.bodies.keys()];
  const deployed = record ? new Set([record.root.key, ...record.nested.map((t) => t.key), ...(record.domains ?? []).map((t) => t.key)]) : null;
  let missing: string[];
  if (deployed) {
    missing = [];
    await inParallel(
      all.filter((k) => !deployed.has(k)),
      async (key) => {
        try {
          await aws.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        } catch (e) {
          if (!isMissing(e)) throw e;
          missing.push(key);
        }
      },
    );
  } else {
    const listed = await listedKeys(aws, bucket);
    missing = all.filter((k) => !listed.has(k));
  }
  missing.sort();
  await inParallel(missing, async (key) => {
    await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: compiled.bodies.get(key)!, ContentType: 'application/json' }));
    onUpload(key, missing.length);
  });
  return { uploaded: missing, present: all.length - missing.length, knownFrom: deployed ? 'deployed-record' : 'bucket-listing' };
}
