// The stack differ in its own thread. Loading the CloudFormation registry that
// @aws-cdk/cloudformation-diff reads (~0.3 s) starts as soon as `tenantc diff` starts,
// on the second core, while the main thread compiles both sides; the main thread then
// sends the templates that differ and gets plain StackChange values back.
import { parentPort } from 'node:worker_threads';
import { diffStack } from './diffStack.ts';
import type { StackChange } from './model.ts';

export interface StackPair {
  readonly template: string;
  readonly before: string | null;
  readonly after: string | null;
}

if (!parentPort) throw new Error('stackWorker.ts runs as a worker thread');
const port = parentPort;
// Warm up: a modified resource makes cloudformation-diff load the registry now.
diffStack(
  'warm-up',
  '{"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"a"}}}}',
  '{"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"b"}}}}',
);
port.on('message', (pairs: readonly StackPair[]) => {
  try {
    const changes: (StackChange | null)[] = pairs.map((p) => diffStack(p.template, p.before, p.after));
    port.postMessage({ ok: true, changes });
  } catch (e) {
    port.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
