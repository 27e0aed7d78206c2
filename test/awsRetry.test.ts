// Deploy's AWS clients retry inside the SDK, once: a throttled call is sent again by the
// client's own retry strategy (deploy/aws.ts RETRY), and nothing of deploy retries on top
// of it. aws-sdk-client-mock replaces `send` and so skips the retry middleware; this
// suite talks HTTP to a local server that throttles, so the SDK's own path runs.
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { awsClients } from '../deploy/aws.ts';
import { RETRY } from '../deploy/awsConfig.ts';
import { realClock } from '../deploy/clock.ts';

const R = suite('AWS clients: the SDK retries, once');

/** A CloudFormation endpoint that answers `Throttling` to the first `throttled` requests, then a stack. */
async function throttlingServer(throttled: number): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      res.setHeader('content-type', 'text/xml');
      if (requests <= throttled) {
        res.statusCode = 400;
        res.end(
          '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>',
        );
        return;
      }
      res.end(
        '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>tessera</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/tessera/1</StackId><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-12-01T00:00:00Z</CreationTime></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>',
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

const ENV_KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] as const;
let saved: Partial<Record<(typeof ENV_KEYS)[number], string | undefined>> = {};

R.before.each(() => {
  saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  delete process.env.AWS_PROFILE;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
});
R.after.each(() => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

R('the clients are built with the SDK retry settings deploy documents', async () => {
  const aws = awsClients({ region: 'us-east-1' }, realClock);
  assert.is(await aws.cfn.config.maxAttempts(), RETRY.maxAttempts);
  // The strategy the client runs, not only the setting it was given.
  assert.is(((await aws.cfn.config.retryStrategy()) as { mode?: string }).mode, RETRY.retryMode);
  assert.is(await aws.s3.config.maxAttempts(), RETRY.maxAttempts);
});

R('a throttled call is retried by the SDK until it succeeds: one request per attempt, no outer layer', async () => {
  const { server, url, requests } = await throttlingServer(2);
  try {
    process.env.AWS_ENDPOINT_URL = url;
    const aws = awsClients({ region: 'us-east-1' }, realClock);
    const r = await aws.cfn.send(new DescribeStacksCommand({ StackName: 'tessera' }));
    assert.is(r.Stacks?.[0]?.StackStatus, 'UPDATE_COMPLETE');
    assert.is(requests(), 3, 'two throttled attempts and the one that answered');
    assert.is(r.$metadata.attempts, 3);
  } finally {
    server.close();
  }
});

R('mutation: a client without the retry settings gives up on the first throttle', async () => {
  const { server, url, requests } = await throttlingServer(2);
  try {
    const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
    const bare = new CloudFormationClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1 });
    try {
      await bare.send(new DescribeStacksCommand({ StackName: 'tessera' }));
      assert.unreachable('a single attempt cannot pass the throttle');
    } catch (e) {
      assert.is((e as Error).name, 'Throttling');
    }
    assert.is(requests(), 1);
  } finally {
    server.close();
  }
});

R.run();
