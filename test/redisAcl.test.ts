// The access strings compile emits for standard tenants' cache users, applied with
// ACL SETUSER on a real Redis 7 (REDIS_URL, default 127.0.0.1:6379; when none answers
// the test starts its own redis-server on a Unix socket in a temporary directory, so
// no port can collide). Tenant A may use its own keys and channels and nothing that
// reaches tenant B or the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tenantCacheAccessString } from '../compiler/plan/isolation.ts';

const R = suite('redis ACL');
const A = `ra${process.pid}`;
const B = `rb${process.pid}`;
const PASSWORD = `pw-${process.pid}-${Date.now()}`;
let admin: Redis;
let asA: Redis;
let ownServer: ChildProcess | null = null;
let ownDir: string | null = null;
/** Where Redis answers: host and port, or the Unix socket of the test's own server. */
let server: Pick<RedisOptions, 'host' | 'port' | 'path'> = { host: '127.0.0.1', port: 6379 };
/**
 * A tenant's connection. No ready check: it runs INFO, which a tenant user may not
 * (that is the point), and ioredis would print a warning on every connection.
 */
const asTenant = (id: string) =>
  new Redis({ ...server, username: `t-${id}`, password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false });

async function tryConnect(at: typeof server): Promise<Redis | null> {
  const c = new Redis({ ...at, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.ping();
    return c;
  } catch {
    c.disconnect();
    return null;
  }
}

async function denied(p: Promise<unknown>, what: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, /NOPERM|no permissions/i, what);
    return;
  }
  assert.unreachable(`${what} was allowed`);
}

R.before(async () => {
  if (process.env.REDIS_URL) {
    const u = new URL(process.env.REDIS_URL);
    server = { host: u.hostname, port: Number(u.port || 6379) };
  }
  let c = await tryConnect(server);
  if (!c) {
    ownDir = mkdtempSync(join(tmpdir(), 'tenantc-redis-'));
    server = { path: join(ownDir, 'redis.sock') };
    // Port 0: no TCP listener at all, only the socket.
    ownServer = spawn('redis-server', ['--port', '0', '--unixsocket', server.path!, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    ownServer.on('error', () => undefined);
    for (let i = 0; i < 50 && !c; i++) {
      await new Promise((r) => setTimeout(r, 100));
      c = await tryConnect(server);
    }
    if (!c) throw new Error('no Redis at 127.0.0.1:6379 (or REDIS_URL) and redis-server could not be started: install Redis 7 or set REDIS_URL');
  }
  admin = c;
  const [major] = String(((await admin.info('server')).match(/redis_version:(\d+)/) ?? [])[1]);
  assert.ok(Number(major) >= 7, 'Redis 7 or later is needed for channel and selector rules');
  for (const id of [A, B]) {
    await admin.call('ACL', 'SETUSER', `t-${id}`, 'reset', `>${PASSWORD}`, ...tenantCacheAccessString(id, 'redis').split(' '));
  }
  await admin.set(`tenant:${B}:secret`, 'b-data');
  asA = asTenant(A);
  await asA.connect();
});

R.after(async () => {
  asA?.disconnect();
  if (admin) {
    await admin.call('ACL', 'DELUSER', `t-${A}`, `t-${B}`).catch(() => undefined);
    await admin.del(`tenant:${A}:k`, `tenant:${A}:k2`, `tenant:${B}:secret`, `tenant:${B}:k`).catch(() => undefined);
    admin.disconnect();
  }
  ownServer?.kill();
  if (ownDir) rmSync(ownDir, { recursive: true, force: true });
});

R('the access string is what ElastiCache receives', () => {
  assert.is(
    tenantCacheAccessString('acme', 'redis'),
    'on ~tenant:acme:* &tenant:acme:* -@all +@read +@write +@keyspace +@string +@hash +@list +@set +@sortedset +@stream +@bitmap +@hyperloglog +@geo +@transaction +@pubsub +@connection -@dangerous -@admin -@scripting -scan -randomkey -dbsize -pubsub -select -move -copy -client -wait -object -memory -lolwut',
  );
  assert.is(tenantCacheAccessString('acme', 'redis', false).split(' ')[0], 'off', "an offboarded tenant's user cannot authenticate");
  assert.is(tenantCacheAccessString('acme', 'valkey'), `${tenantCacheAccessString('acme', 'redis')} -waitaof`, 'Valkey denies WAITAOF too');
});

/**
 * WAITAOF (Redis 7.2, every Valkey) is WAIT's twin: in @connection, allowed by the
 * categories, so it is denied by name where it exists. Where it does not (Redis 7.0,
 * ElastiCache's Redis OSS engines), naming it makes the whole ACL rule fail, which is why
 * only the Valkey access string carries it. Whichever server this is, the matching half
 * of that claim is proven on it.
 */
R('WAITAOF is denied where the server has it, and not named where it does not', async () => {
  const [info] = (await admin.call('COMMAND', 'INFO', 'waitaof')) as unknown[];
  const user = `t-${A}-waitaof`;
  try {
    if (info === null) {
      const refused = await admin.call('ACL', 'SETUSER', user, 'reset', ...tenantCacheAccessString(A, 'valkey').split(' ')).then(
        () => 'applied',
        (e: Error) => e.message,
      );
      assert.match(refused, /'-waitaof': Unknown command/, 'a rule naming WAITAOF on a server without it');
      assert.ok(await admin.call('ACL', 'SETUSER', user, 'reset', ...tenantCacheAccessString(A, 'redis').split(' ')), "the Redis engine's string applies");
    } else {
      await admin.call('ACL', 'SETUSER', user, 'reset', ...tenantCacheAccessString(A, 'valkey').split(' '));
      assert.match(String(await admin.call('ACL', 'DRYRUN', user, 'WAITAOF', '0', '0', '0')), /no permissions/, 'WAITAOF with the Valkey string');
      await admin.call('ACL', 'SETUSER', user, 'reset', ...tenantCacheAccessString(A, 'valkey').replace(' -waitaof', '').split(' '));
      assert.is(String(await admin.call('ACL', 'DRYRUN', user, 'WAITAOF', '0', '0', '0')), 'OK', 'without the rule, WAITAOF runs');
    }
  } finally {
    await admin.call('ACL', 'DELUSER', user).catch(() => undefined);
  }
});

/**
 * Every command and subcommand the access string allows, with the tenant's own keys
 * and channels, each reviewed: none reveals another tenant's keys, channels, values,
 * counts, connections or users. Harmless on their own: COMMAND (metadata), ECHO, PING,
 * HELLO (protocol; tracking needs CLIENT, denied), READONLY/READWRITE/ASKING (cluster
 * routing). WAIT, OBJECT, MEMORY and LOLWUT reach the server and are denied by name.
 * A Redis that adds a command fails this test until someone reviews it.
 */
const REVIEWED_ALLOWED = `append asking auth bitcount bitfield bitfield_ro bitop bitpos blmove blmpop blpop brpop brpoplpush bzmpop bzpopmax bzpopmin
command|count command|docs command|getkeys command|getkeysandflags command|help command|info command|list decr decrby del discard dump echo exec exists
expire expireat expiretime geoadd geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro geosearch geosearchstore get getbit
getdel getex getrange getset hdel hello hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx hstrlen hvals incr
incrby incrbyfloat lcs lindex linsert llen lmove lmpop lpop lpos lpush lpushx lrange lrem lset ltrim mget mset msetnx multi
persist pexpire pexpireat pexpiretime pfadd pfcount pfmerge ping psetex psubscribe
pttl publish punsubscribe quit readonly readwrite rename renamenx reset rpop rpoplpush rpush rpushx sadd scard sdiff sdiffstore set setbit setex setnx
setrange sinter sintercard sinterstore sismember smembers smismember smove spop spublish srandmember srem sscan ssubscribe strlen subscribe substr sunion
sunionstore sunsubscribe touch ttl type unlink unsubscribe unwatch watch xack xadd xautoclaim xclaim xdel xgroup|create xgroup|createconsumer
xgroup|delconsumer xgroup|destroy xgroup|help xgroup|setid xinfo|consumers xinfo|groups xinfo|help xinfo|stream xlen xpending xrange xread xreadgroup
xrevrange xsetid xtrim zadd zcard zcount zdiff zdiffstore zincrby zinter zintercard zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange
zrangebylex zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan
zscore zunion zunionstore`.split(/\s+/);

/** COMMAND's reply for one command or subcommand: name, arity, flags, first key, last key, step, ..., subcommands. */
type CommandSpec = [string, number, unknown, number, number, number, unknown, unknown, unknown, CommandSpec[]?];

R('every command the access string allows is one reviewed (asked of the ACL for each command and subcommand of this Redis)', async () => {
  const allowed: string[] = [];
  const specs = (await admin.call('COMMAND')) as CommandSpec[];
  for (const spec of specs) {
    const subs = spec[9] ?? [];
    for (const s of subs.length ? subs : [spec]) {
      const words = String(s[0]).toLowerCase().split('|');
      const [, arity, , first, last, step] = s;
      // Enough arguments for the arity; the tenant's own key where a key goes, its own
      // key or channel pattern elsewhere: what is refused then is refused outright.
      const tryWith = async (other: string) => {
        const args: string[] = [];
        for (let i = 1; i < Math.abs(arity); i++) {
          const isKey = first > 0 && i >= first && (last < 0 || i <= last) && (i - first) % (step || 1) === 0;
          args.push(isKey ? `tenant:${A}:k` : other);
        }
        return String(await admin.call('ACL', 'DRYRUN', `t-${A}`, ...words, ...args.slice(words.length - 1)).catch((e: Error) => e.message));
      };
      const verdicts = [await tryWith(`tenant:${A}:x`), await tryWith(`tenant:${A}:*`)];
      if (verdicts.includes('OK')) allowed.push(words.join('|'));
      else for (const v of verdicts) assert.match(v, /permissions/, `${words.join(' ')}: ${v}`);
    }
  }
  assert.ok(specs.length > 200, `COMMAND listed ${specs.length} commands`);
  assert.equal(allowed.filter((c) => !REVIEWED_ALLOWED.includes(c)).sort(), [], 'allowed and never reviewed');
  assert.equal(
    REVIEWED_ALLOWED.filter((c) => !allowed.includes(c) && specs.some((s) => String(s[0]).toLowerCase() === c.split('|')[0])).sort(),
    [],
    'reviewed as allowed, now refused: update the list',
  );
});

/**
 * Commands sent on a raw connection, each reply's first line returned: RESP3 (HELLO 3),
 * which the attack needs, is beyond ioredis.
 */
function rawSession(commands: readonly (readonly string[])[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = server.path ? createConnection(server.path) : createConnection(server.port!, server.host!);
    let buffer = '';
    const replies: string[] = [];
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (d: string) => {
      buffer += d;
      // Each command here answers with one reply whose first line tells OK or error;
      // HELLO 3 answers a map (%n) whose lines are skipped until the next reply.
      for (let nl = buffer.indexOf('\r\n'); nl >= 0; nl = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (/^[+-]/.test(line) || line.startsWith('%')) replies.push(line);
        if (replies.length === commands.length) {
          socket.end();
          return resolve(replies);
        }
      }
    });
    socket.write(commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''));
  });
}

R("tenant A cannot learn tenant B's key names through client-side caching (CLIENT TRACKING)", async () => {
  const replies = await rawSession([
    ['HELLO', '3', 'AUTH', `t-${A}`, PASSWORD],
    ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', `tenant:${B}:`],
    ['CLIENT', 'TRACKING', 'ON', 'BCAST'],
    ['CLIENT', 'TRACKING', 'ON'],
  ]);
  assert.match(replies[0]!, /^%/, `HELLO 3 as A: ${replies[0]}`);
  for (const r of replies.slice(1)) assert.match(r, /^-NOPERM/, `CLIENT TRACKING: ${r}`);
  for (const cmd of [
    ['CLIENT', 'LIST'],
    ['CLIENT', 'INFO'],
    ['CLIENT', 'KILL', 'ID', '1'],
    ['CLIENT', 'GETREDIR'],
    ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'NO-EVICT', 'ON'],
  ]) {
    assert.match(String(await admin.call('ACL', 'DRYRUN', `t-${A}`, ...cmd)), /no permissions/, cmd.join(' '));
  }
});

R("an offboarded tenant's cache user cannot connect at all", async () => {
  const C = `rc${process.pid}`;
  await admin.call('ACL', 'SETUSER', `t-${C}`, 'reset', `>${PASSWORD}`, ...tenantCacheAccessString(C, 'redis', false).split(' '));
  try {
    const [auth] = await rawSession([['AUTH', `t-${C}`, PASSWORD]]);
    assert.match(auth!, /^-WRONGPASS/, `AUTH as the offboarded user: ${auth}`);
  } finally {
    await admin.call('ACL', 'DELUSER', `t-${C}`);
  }
});

R('tenant A reads and writes its own keys', async () => {
  assert.is(await asA.set(`tenant:${A}:k`, 'v'), 'OK');
  assert.is(await asA.get(`tenant:${A}:k`), 'v');
  assert.is(await asA.hset(`tenant:${A}:k2`, 'f', '1'), 1);
  assert.is(await asA.expire(`tenant:${A}:k2`, 60), 1);
  const tx = await asA.multi().incr(`tenant:${A}:n`).del(`tenant:${A}:n`).exec();
  assert.equal(
    tx?.map(([err]) => err),
    [null, null],
  );
});

R("tenant A cannot touch tenant B's keys", async () => {
  await denied(asA.get(`tenant:${B}:secret`), "GET of B's key");
  await denied(asA.set(`tenant:${B}:k`, 'x'), "SET of B's key");
  await denied(asA.del(`tenant:${B}:secret`), "DEL of B's key");
  await denied(asA.rename(`tenant:${A}:k`, `tenant:${B}:k`), "RENAME into B's keys");
  await denied(asA.get('unprefixed'), 'a key outside any tenant');
  assert.is(await admin.get(`tenant:${B}:secret`), 'b-data');
});

R('tenant A cannot run administrative or key-enumerating commands', async () => {
  await denied(asA.flushall(), 'FLUSHALL');
  await denied(asA.flushdb(), 'FLUSHDB');
  await denied(asA.call('CONFIG', 'GET', '*'), 'CONFIG');
  await denied(asA.keys('*'), 'KEYS *');
  await denied(asA.keys(`tenant:${B}:*`), "KEYS over B's keys");
  await denied(asA.scan('0'), 'SCAN');
  await denied(asA.randomkey(), 'RANDOMKEY');
  await denied(asA.dbsize(), 'DBSIZE');
  await denied(asA.call('ACL', 'LIST'), 'ACL LIST');
  await denied(asA.call('ACL', 'SETUSER', `t-${A}`, '+@all'), 'ACL SETUSER on itself');
  await denied(asA.call('CLIENT', 'LIST'), 'CLIENT LIST');
  await denied(asA.info(), 'INFO');
  // DEBUG, MONITOR and SHUTDOWN: asked of the ACL itself (DRYRUN), since server
  // configuration may refuse DEBUG before the ACL is consulted.
  for (const cmd of [['DEBUG', 'SLEEP', '0'], ['MONITOR'], ['SHUTDOWN'], ['FLUSHALL'], ['GET', `tenant:${B}:secret`]]) {
    const verdict = String(await admin.call('ACL', 'DRYRUN', `t-${A}`, ...cmd));
    assert.match(verdict, /no permissions/, `ACL DRYRUN ${cmd.join(' ')}`);
  }
  assert.is(String(await admin.call('ACL', 'DRYRUN', `t-${A}`, 'GET', `tenant:${A}:k`)), 'OK', 'DRYRUN allows A its own key');
  await denied(asA.eval(`return redis.call('GET', KEYS[1])`, 1, `tenant:${B}:secret`), 'EVAL');
  await denied(asA.select(1), 'SELECT');
  await denied(asA.call('PUBSUB', 'CHANNELS'), 'PUBSUB CHANNELS');
  await asA.set(`tenant:${A}:k`, 'v');
  for (const cmd of [
    ['WAIT', '0', '0'],
    ['OBJECT', 'FREQ', `tenant:${A}:k`],
    ['OBJECT', 'ENCODING', `tenant:${A}:k`],
    ['MEMORY', 'USAGE', `tenant:${A}:k`, 'SAMPLES', '0'],
    ['MEMORY', 'STATS'],
    ['LOLWUT', 'VERSION', '5', '100', '100'],
    ['SCRIPT', 'LOAD', 'return 1'],
    ['FUNCTION', 'LIST'],
    ['SSCAN', `tenant:${B}:set`, '0'],
  ]) {
    await denied(asA.call(cmd[0]!, ...cmd.slice(1)), cmd.join(' '));
  }
  // The mutation: the access string without the commands denied by name. Each of
  // these runs again for A (its own key's internals, the server's replication).
  const loose = tenantCacheAccessString(A, 'redis').replace(/ -(wait|object|memory|lolwut)\b/g, '');
  await admin.call('ACL', 'SETUSER', `t-${A}`, 'reset', `>${PASSWORD}`, ...loose.split(' '));
  try {
    for (const cmd of [['WAIT', '0', '0'], ['OBJECT', 'ENCODING', `tenant:${A}:k`], ['MEMORY', 'USAGE', `tenant:${A}:k`], ['LOLWUT']]) {
      assert.is(String(await admin.call('ACL', 'DRYRUN', `t-${A}`, ...cmd)), 'OK', `without the rule: ${cmd.join(' ')}`);
    }
  } finally {
    await admin.call('ACL', 'SETUSER', `t-${A}`, 'reset', `>${PASSWORD}`, ...tenantCacheAccessString(A, 'redis').split(' '));
  }
});

R("tenant A cannot subscribe or publish to tenant B's channels", async () => {
  const sub = asTenant(A);
  await sub.connect();
  try {
    assert.equal(await sub.subscribe(`tenant:${A}:events`), 1);
    await denied(sub.subscribe(`tenant:${B}:events`), "SUBSCRIBE to B's channel");
    await denied(sub.psubscribe('tenant:*'), 'PSUBSCRIBE across tenants');
  } finally {
    sub.disconnect();
  }
  await denied(asA.publish(`tenant:${B}:events`, 'x'), "PUBLISH to B's channel");
  assert.is(await asA.publish(`tenant:${A}:events`, 'x'), 0);
});

R.run();
