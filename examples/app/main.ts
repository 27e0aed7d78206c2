// npm run example -- --local --port N [--out DIR] [--fleet shared|<premium tenant id>]
// Serves the reference app on 127.0.0.1:N against local PostgreSQL, Redis and moto
// (local.ts) until Ctrl-C, which removes what it made. Log lines (JSON) go to stdout.
import { parseArgs } from 'node:util';
import { jsonLinesLog } from '../../runtime/index.ts';
import { startLocalApp } from './local.ts';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        local: { type: 'boolean' },
        port: { type: 'string', default: '8080' },
        out: { type: 'string', default: 'out' },
        fleet: { type: 'string', default: 'shared' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`npm run example: ${(e as Error).message}\n`);
    return 2;
  }
  if (!args.local) {
    process.stderr.write(
      'npm run example: only --local is implemented here. In AWS the same app takes tenantRuntime() with the instance\'s credentials and FLEET (docs/isolation.md, "Tenant context in application code").\n',
    );
    return 2;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`npm run example: --port ${args.port} is not a port\n`);
    return 2;
  }
  const local = await startLocalApp({ outDir: args.out, port, fleet: args.fleet, log: jsonLinesLog() });
  const served = Object.entries(local.hostMap.hosts)
    .filter(([, id]) => local.hostMap.tenants[id]!.fleet === args.fleet)
    .map(([host, id]) => `  ${host} → ${id} (${local.hostMap.tenants[id]!.status})`);
  process.stderr.write(
    [
      `reference app on ${local.url} (fleet ${args.fleet}, database ${local.database}); Ctrl-C stops it and removes what it made`,
      'hosts this fleet serves:',
      ...served,
      `a token: npm run example:token -- --tenant <id> --out ${args.out}`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await local.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`npm run example: ${e.message}\n`);
    process.exit(1);
  },
);
