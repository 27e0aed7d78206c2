// Proof that the templates CloudFormation reads are the bytes of this output. A template
// key holds the SHA-256 of its bytes (compiler/outputFormat.ts, ASSET_KEY), but a key is
// only a name: anyone with write access to the bucket could put other bytes under it.
// So an object is never trusted for its key: S3 is asked for the SHA-256 it computed on
// upload (ChecksumSHA256, which deploy sends with every template), or the bytes are read
// and hashed; and before an adopted change set executes, the template CloudFormation
// holds for each stack it changes (GetTemplate of the change set: what it will run) is
// compared with this output's. What runs afterwards is what GetTemplate of the deployed
// stacks says, never what the bucket holds.
import { createHash } from 'node:crypto';
import { ASSET_KEY } from '../compiler/outputFormat.ts';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { inParallel, isMissing } from './concurrent.ts';
import type { Aws } from './aws.ts';
import { DESCRIBE_CONCURRENCY, type ChangeSetNode } from './changeSet.ts';
import type { CompiledForDeploy } from './compiledOutput.ts';

/** The SHA-256 of `bytes` as S3's x-amz-checksum-sha256 carries it (base64). */
export const sha256Base64 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64');

/**
 * The x-amz-checksum-sha256 of a template of the output, read from its key: the key
 * names the SHA-256 of the bytes (compiler/outputFormat.ts, ASSET_KEY), and
 * readCompiledOutput proved every key against its file's bytes, so they are not hashed
 * again for each upload and proof.
 */
export function keyChecksum(key: string): string {
  const hex = ASSET_KEY.exec(key)?.[1];
  if (!hex) throw new Error(`${key} is not a content-hash key of a template`);
  return Buffer.from(hex, 'hex').toString('base64');
}

export type ObjectProof = 'equal' | 'missing' | { readonly different: string };

/** Whether the object at the content-hash `key` holds the bytes the key names: by S3's stored checksum when it has one, else by reading it. */
export async function proveObject(aws: Aws, bucket: string, key: string): Promise<ObjectProof> {
  const want = keyChecksum(key);
  try {
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    // A checksum of the whole object (not a multipart composite, "…-N") proves the bytes.
    if (head.ChecksumSHA256 && !head.ChecksumSHA256.includes('-'))
      return head.ChecksumSHA256 === want ? 'equal' : { different: `its SHA-256 is ${head.ChecksumSHA256}, the output's is ${want}` };
    const got = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const read = got.Body ? await got.Body.transformToByteArray() : new Uint8Array();
    const have = sha256Base64(read);
    return have === want ? 'equal' : { different: `its bytes hash to ${have}, the output's to ${want}` };
  } catch (e) {
    if (isMissing(e)) return 'missing';
    throw e;
  }
}

/** Another's bytes under a key of this output: deploy stops, whatever it was doing. */
export class TemplateMismatchError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `${problems.length === 1 ? 'a template' : `${problems.length} templates`} in the bucket or the change set ${problems.length === 1 ? 'is' : 'are'} not this output's bytes (someone with write access to the bucket, or another deploy, changed ${problems.length === 1 ? 'it' : 'them'}): ${problems.join('; ')}`,
    );
    this.name = 'TemplateMismatchError';
  }
}

/** JSON with its keys sorted: equal for the same template whatever order or spacing CloudFormation gives it back in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The output's template of each stack path ('' the root), looked up once per change set rather than searched per stack. */
function entriesByStack(compiled: CompiledForDeploy): ReadonlyMap<string, { key: string; file: string }> {
  return new Map<string, { key: string; file: string }>([['', compiled.manifest.root], ...compiled.manifest.nested.map((n) => [n.stack, n] as const)]);
}

/**
 * Before an adopted change set executes: every stack it changes, its template as the
 * change set holds it (GetTemplate with ChangeSetName: what CloudFormation will run) and
 * as the bucket holds it, each the bytes of this output. Returns the problems, none when proven.
 */
export async function proveChangeSetTemplates(
  aws: Aws,
  bucket: string,
  tree: ChangeSetNode,
  compiled: CompiledForDeploy,
  options: {
    /** Compare each change set's own template too (GetTemplate): for an adopted change set. */
    readonly changeSetTemplates: boolean;
    /** Keys this run uploaded (conditional, checksummed) moments ago: not asked again. */
    readonly uploadedNow?: ReadonlySet<string>;
  } = { changeSetTemplates: true },
): Promise<string[]> {
  const nodes: ChangeSetNode[] = [];
  const walk = (n: ChangeSetNode) => {
    nodes.push(n);
    n.children.forEach(walk);
  };
  walk(tree);
  const entries = entriesByStack(compiled);
  const problems: string[] = [];
  await inParallel(
    nodes,
    async (n) => {
      const where = n.path === '' ? 'the root stack' : `nested stack ${n.path}`;
      const entry = entries.get(n.path);
      if (!entry) {
        // CloudFormation makes nested change sets only for stacks of the template it read:
        // one this output lacks means the change set is not this output's.
        if (options.changeSetTemplates) problems.push(`the change set changes ${where}, which this output does not have`);
        return;
      }
      const bytes = compiled.bodies.get(entry.key)!;
      if (options.changeSetTemplates) {
        const held = await aws.cfn.send(new GetTemplateCommand({ StackName: n.stackId, ChangeSetName: n.id, TemplateStage: 'Original' }));
        let same = false;
        try {
          same = canonicalJson(JSON.parse(held.TemplateBody ?? '')) === canonicalJson(JSON.parse(bytes.toString('utf8')));
        } catch {
          same = false;
        }
        if (!same) problems.push(`the change set's template for ${where} is not ${entry.file} of this output`);
      }
      if (options.uploadedNow?.has(entry.key)) return;
      const object = await proveObject(aws, bucket, entry.key);
      if (object === 'missing') problems.push(`${entry.key} (${entry.file}) is gone from the bucket`);
      else if (object !== 'equal') problems.push(`${entry.key} (${entry.file}): ${object.different}`);
    },
    DESCRIBE_CONCURRENCY,
  );
  return problems.sort();
}
