// The reference app on this machine: the compiled output (`out/` by default) stood up
// against local services the way a deploy stands it up in AWS, then served.
//   PostgreSQL  a database made for this run, the compiled SQL applied (roles, RLS,
//               tenant rows), the app's own migration, the catalog check run;
//   Redis       the compiled ACL users (each tenant's access string, as compiled), with
//               a password of this run in place of IAM authentication;
//   moto        STS, SSM and S3: the SSM parameters the tenant, cache-shard and root
//               stacks publish, with their values as this machine has them, and the
//               tenant data bucket;
//   user pools  a local signing key per tenant (localPools.ts), whose JWKS the app
//               serves; the runtime fetches them from there instead of from Cognito.
// Everything made here is removed by close(), roles and ACL users included (only those
// that did not exist before).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type LocalMoto, startMoto } from '../../scripts/localMoto.ts';
import {
  RUNTIME_HOSTS_FILE,
  readHostMap,
  type RuntimeHostMap,
  type TenantLog,
  type TenantRuntime,
  tenantPoolConfig,
  tenantRuntime,
} from '../../runtime/index.ts';
import { buildApp } from './app.ts';
import { type LocalPools, localPools, localStateDir, poolJwks } from './localPools.ts';

export interface LocalOptions {
  /** The compiled output directory (default `out`). */
  readonly outDir?: string;
  /** 0: any free port. */
  readonly port: number;
  /** `shared` (default): the pooled fleet; a premium tenant's id: its dedicated fleet. */
  readonly fleet?: string;
  readonly pgUrl?: string;
  readonly redisUrl?: string;
  readonly log: TenantLog;
  /** A moto already running or starting (tests share one); by default one is started here and stopped by close(). */
  readonly moto?: LocalMoto | Promise<LocalMoto>;
  /** Where the local pools' keys are kept (default: per output directory, under the temp dir). */
  readonly stateDir?: string;
}

export interface LocalApp {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly runtime: TenantRuntime;
  readonly hostMap: RuntimeHostMap;
  readonly pools: LocalPools;
  readonly database: string;
  /** The app's PostgreSQL pool (the application role). */
  readonly db: pg.Pool;
  /** What tests rebuild the app from (a mutation swaps one piece). */
  readonly deps: Parameters<typeof buildApp>[0];
  close(): Promise<void>;
}

const APP_MIGRATION = fileURLToPath(new URL('./migrations/001-app.sql', import.meta.url));
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

type Json = string | { Ref: string } | { 'Fn::GetAtt': [string, string] } | { 'Fn::Join': [string, Json[]] };
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

/** A value of a compiled template, as this machine's stand-ins give it; anything else is an error naming it. */
function localValue(v: Json, values: Readonly<Record<string, string>>, where: string): string {
  if (typeof v === 'string') return v;
  if ('Ref' in v) return known(v.Ref);
  if ('Fn::GetAtt' in v) return known(v['Fn::GetAtt'].join('.'));
  if ('Fn::Join' in v) return v['Fn::Join'][1].map((x) => localValue(x, values, where)).join(v['Fn::Join'][0]);
  throw new Error(`${where}: no local value for ${JSON.stringify(v)}`);
  function known(name: string): string {
    const value = values[name];
    if (value === undefined) throw new Error(`${where}: no local value for ${name}`);
    return value;
  }
}

export async function startLocalApp(options: LocalOptions): Promise<LocalApp> {
  const outDir = options.outDir ?? 'out';
  const map = readHostMap(join(outDir, RUNTIME_HOSTS_FILE));
  const fleet = options.fleet ?? 'shared';
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  // moto takes seconds to start: it starts while the databases are prepared.
  const motoStarting = options.moto ?? startMoto({ startSeconds: 60 });
  if (!options.moto) cleanups.push(async () => (await motoStarting).stop());
  Promise.resolve(motoStarting).catch(() => undefined);
  try {
    const pools = await localPools(options.stateDir ?? localStateDir(outDir, map), map);

    // PostgreSQL: a database of this run, the compiled SQL, the app's migration.
    const pgUrl = options.pgUrl ?? process.env.PGURL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    const database = `tenantc_example_${process.pid}_${randomBytes(3).toString('hex')}`;
    const root = new pg.Client({ connectionString: pgUrl });
    await root.connect();
    cleanups.push(() => root.end());
    root.on('notice', () => undefined);
    // The migration creates the estate's roles (cluster-wide): those it adds are this run's to drop.
    const roles = async () => new Set((await root.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map((r) => r.rolname));
    const rolesBefore = await roles();
    let rolesMade: string[] = [];
    await root.query(`CREATE DATABASE ${ident(database)}`);
    cleanups.push(async () => {
      await root.query(`DROP DATABASE IF EXISTS ${ident(database)} WITH (FORCE)`);
      for (const role of rolesMade) await root.query(`DROP ROLE IF EXISTS ${ident(role)}`);
    });
    const dbUrl = new URL(pgUrl);
    dbUrl.pathname = `/${database}`;
    const admin = new pg.Client({ connectionString: dbUrl.toString() });
    await admin.connect();
    admin.on('notice', () => undefined);
    let contextKey = '';
    try {
      try {
        for (const f of ['sql/001-rls-migration.sql', 'sql/002-tenants.sql']) await admin.query(readFileSync(join(outDir, f), 'utf8'));
      } finally {
        rolesMade = [...(await roles())].filter((r) => !rolesBefore.has(r));
      }
      await admin.query(readFileSync(APP_MIGRATION, 'utf8').replaceAll('"app"', ident(map.database.schema)));
      const gaps = (await admin.query(`SELECT object, problem FROM ${ident(map.database.schema)}.tenantc_rls_gaps()`)).rows;
      if (gaps.length) throw new Error(`the catalog check reports gaps after the app's migration: ${JSON.stringify(gaps)}`);
      // The key the app proves its tenant with, read as the admin reads it (docs/isolation.md, "Tenant context").
      contextKey = (await admin.query<{ key: string }>(`SELECT ${ident(map.database.schema)}.tenantc_context_key() AS key`)).rows[0]!.key;
    } finally {
      await admin.end();
    }
    const appUrl = new URL(dbUrl.toString());
    appUrl.username = map.database.appRole;
    appUrl.password = '';
    const db = new pg.Pool(tenantPoolConfig({ connectionString: appUrl.toString(), max: 10 }));
    // An idle connection the server ends (a failover, a restart, the database dropped at
    // close) is an 'error' event on the pool: without a listener Node ends the process.
    // The pool replaces the connection; the app says so in one line and serves on.
    db.on('error', (e: Error & { code?: string }) =>
      process.stderr.write(`${JSON.stringify({ level: 'warn', event: 'database-connection-lost', code: e.code ?? null, message: e.message })}\n`),
    );
    cleanups.push(() => db.end());

    // Redis: the compiled ACL users, each with a password of this run.
    const redisUrl = new URL(options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const redisAdmin = new Redis({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379), lazyConnect: true, maxRetriesPerRequest: 1 });
    await redisAdmin.connect();
    cleanups.push(async () => redisAdmin.disconnect());
    const passwords = new Map<string, string>();
    const templates = new Map<string, Template>();
    const template = (file: string) => {
      let t = templates.get(file);
      if (!t) templates.set(file, (t = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as Template));
      return t;
    };
    const users = Object.values(map.tenants).map((t) => t.cacheUser);
    const usersBefore = new Set(((await redisAdmin.call('ACL', 'USERS')) as string[]).filter((u) => users.includes(u)));
    cleanups.push(async () => {
      const made = users.filter((u) => !usersBefore.has(u));
      if (made.length) await redisAdmin.call('ACL', 'DELUSER', ...made);
    });
    // The local Redis stands in for ElastiCache's engine and may be older: Redis 7.0 has no
    // WAITAOF, which a Valkey access string denies by name, and refuses a whole ACL rule set
    // naming a command it does not know. A command this server lacks cannot run here, so
    // the rule denying it is left out; every other rule is applied as compiled.
    const missing = async (words: readonly string[]) => {
      const named = words.filter((w) => /^-[a-z]/.test(w)).map((w) => w.slice(1));
      const info = named.length ? ((await redisAdmin.call('COMMAND', 'INFO', ...named)) as unknown[]) : [];
      return new Set(named.filter((_, i) => info[i] === null).map((c) => `-${c}`));
    };
    for (const [id, t] of Object.entries(map.tenants)) {
      const accessString = String(template(`tenants/${id}.template.json`).Resources.tenantCacheUser?.Properties.AccessString ?? '');
      if (!accessString) throw new Error(`tenants/${id}.template.json: no compiled cache user`);
      const password = randomBytes(24).toString('hex');
      passwords.set(id, password);
      const words = accessString.split(' ');
      const absent = await missing(words);
      await redisAdmin.call('ACL', 'SETUSER', t.cacheUser, 'reset', `>${password}`, ...words.filter((w) => !absent.has(w)));
    }

    // moto: STS, SSM, S3.
    const moto = await motoStarting;
    const aws = {
      region: map.region,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: moto.env.AWS_ACCESS_KEY_ID!, secretAccessKey: moto.env.AWS_SECRET_ACCESS_KEY! } as {
        accessKeyId: string;
        secretAccessKey: string;
        sessionToken?: string;
      },
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(moto.caFile), keepAlive: true }) }),
    };
    const sts = new STSClient(aws);
    const account = (await sts.send(new GetCallerIdentityCommand({}))).Account!;
    // A dedicated fleet runs as its tenant's role (its instance profile): here, a moto
    // session of that role stands for the instance's credentials.
    if (fleet !== 'shared') {
      const t = Object.hasOwn(map.tenants, fleet) ? map.tenants[fleet] : undefined;
      if (!t || t.fleet !== fleet) throw new Error(`--fleet ${fleet}: not a tenant with a dedicated fleet in this estate`);
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${t.role}`, RoleSessionName: `i-local-${fleet}` })))
        .Credentials!;
      aws.credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    }
    sts.destroy();
    const bucket = `${map.platform}-tenant-data-local-${process.pid}`;
    const s3 = new S3Client({ ...aws, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();

    // What the stacks publish in SSM, with this machine's values.
    const parameters: [string, string][] = [];
    const publish = (file: string, values: Record<string, string>, only?: (name: string) => boolean) => {
      for (const [logicalId, r] of Object.entries(template(file).Resources)) {
        if (r.Type !== 'AWS::SSM::Parameter') continue;
        const name = String(r.Properties.Name);
        if (only && !only(name)) continue;
        parameters.push([name, localValue(r.Properties.Value as Json, values, `${file} ${logicalId}`)]);
      }
    };
    for (const [id, t] of Object.entries(map.tenants)) {
      const pool = pools.pools[id]!;
      publish(`tenants/${id}.template.json`, {
        'tenantRole.Arn': `arn:aws:iam::${account}:role/${t.role}`,
        tenantUserPool: pool.userPoolId,
        tenantUserPoolClient: pool.clientId,
        'tenantCacheCluster.PrimaryEndPoint.Address': redisUrl.hostname,
        'tenantCacheCluster.PrimaryEndPoint.Port': redisUrl.port || '6379',
      });
    }
    for (const file of new Set(
      Object.values(map.tenants)
        .filter((t) => t.fleet === 'shared')
        .map((t) => t.cacheEndpointParameter),
    )) {
      const index = /\/caches\/.*-shared-(\d+)\/endpoint$/.exec(file)?.[1];
      if (index !== undefined) {
        publish(`shards/cache-${index}.template.json`, {
          'replicationGroup.PrimaryEndPoint.Address': redisUrl.hostname,
          'replicationGroup.PrimaryEndPoint.Port': redisUrl.port || '6379',
        });
      }
    }
    publish('root.template.json', { tenantDataBucket: bucket }, (name) => name === map.dataBucketParameter);
    const ssm = new SSMClient(aws);
    await Promise.all(parameters.map(([Name, Value]) => ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', Overwrite: true }))));
    ssm.destroy();
    if (!parameters.some(([n]) => n === map.dataBucketParameter)) throw new Error('the compiled output publishes no tenant data bucket parameter');

    // The runtime, as in AWS but for the pools' JWKS and the cache's password.
    let port = options.port;
    const runtime = tenantRuntime({
      hostMap: map,
      fleet,
      aws,
      jwksFetcher: {
        async fetch(uri: string) {
          const pool = Object.values(pools.pools).find((p) => uri.endsWith(`/${p.userPoolId}/.well-known/jwks.json`));
          if (!pool) throw new Error(`no local pool serves ${uri}`);
          const r = await fetch(`http://127.0.0.1:${port}/.well-known/tenantc-local/${pool.userPoolId}/jwks.json`);
          if (!r.ok) throw new Error(`local JWKS ${pool.userPoolId}: HTTP ${r.status}`);
          return r.arrayBuffer();
        },
      },
      cache: { password: async (id) => passwords.get(id)!, tls: false },
    });
    cleanups.push(() => runtime.close());
    const deps = {
      runtime,
      db,
      contextKey,
      s3Config: { ...aws, forcePathStyle: true },
      log: options.log,
      extraRoutes: (app: FastifyInstance) => {
        // Each local pool's public keys, as Cognito serves them at <issuer>/.well-known/jwks.json.
        app.get<{ Params: { pool: string } }>('/.well-known/tenantc-local/:pool/jwks.json', async (request, reply) => {
          const pool = Object.values(pools.pools).find((p) => p.userPoolId === request.params.pool);
          if (!pool) return reply.code(404).send({ error: 'not-found', message: 'no such local pool' });
          return poolJwks(pool);
        });
      },
    };
    const app = buildApp(deps);
    cleanups.push(() => app.close());
    await app.listen({ host: '127.0.0.1', port: options.port });
    port = (app.server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, port, app, runtime, hostMap: map, pools, database, db, deps, close };
  } catch (e) {
    await close();
    throw e;
  }
}
