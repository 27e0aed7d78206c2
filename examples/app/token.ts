// npm run example:token -- --tenant ID [--user NAME] [--out DIR]
// Prints an access token signed by the tenant's local user pool (localPools.ts): the
// pools of the output directory the app was started with (the same --out).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RUNTIME_HOSTS_FILE, readHostMap } from '../../runtime/index.ts';
import { localPools, localStateDir, mintLocalToken } from './localPools.ts';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { tenant: { type: 'string' }, user: { type: 'string', default: 'alice' }, out: { type: 'string', default: 'out' } } }).values;
  } catch (e) {
    process.stderr.write(`npm run example:token: ${(e as Error).message}\n`);
    return 2;
  }
  if (!args.tenant) {
    process.stderr.write('npm run example:token: --tenant ID is required\n');
    return 2;
  }
  const map = readHostMap(join(args.out, RUNTIME_HOSTS_FILE));
  if (!Object.hasOwn(map.tenants, args.tenant)) {
    process.stderr.write(`npm run example:token: no tenant ${args.tenant} in ${args.out}/${RUNTIME_HOSTS_FILE}\n`);
    return 1;
  }
  const pools = await localPools(localStateDir(args.out, map), map);
  process.stdout.write(`${mintLocalToken(pools, args.tenant, { user: args.user })}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`npm run example:token: ${e.message}\n`);
    process.exit(1);
  },
);
