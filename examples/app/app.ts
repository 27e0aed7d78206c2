// The reference application: a Fastify server that carries the tenant from the request
// to the database, the bucket and the cache with tenantc/runtime and nothing else.
//
//   every /api request:  Host → resolveTenant → 421 / 403, or the tenant
//                        Authorization → verifyTenantToken(token, that tenant) → 401, or the user
//   GET/POST /api/projects     withTenant: rows of this tenant only (RLS)
//   GET/PUT  /api/files/:name  S3 under the tenant's prefix, with tenantCredentials
//   GET/PUT  /api/cache/:key   tenantCache: the tenant's ACL user, its key prefix
//   GET /healthz               no tenant (the ALB's health check carries no tenant host)
//
// Every refusal is answered with JSON a client can act on ({ error, message[, status] })
// and written as one structured line to the tenant's log; errors never show a stack.
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import {
  type AwsClientConfig,
  bearerToken,
  type Refusal,
  refusalBody,
  refusalRecord,
  requestHost,
  type RuntimeTenant,
  type TenantLog,
  TenantRefusedError,
  type TenantRuntime,
  tenantObjectKey,
  type VerifiedToken,
  withTenant,
} from '../../runtime/index.ts';

/** What the app is given: the runtime's pieces, the application's database pool, where AWS is, and where logs go. */
export interface AppDeps {
  readonly runtime: Pick<TenantRuntime, 'hostMap' | 'resolveTenant' | 'verifyTenantToken' | 'credentialsProvider' | 'tenantCache' | 'dataBucket'>;
  readonly db: Pick<Pool, 'connect'>;
  /**
   * The tenant-context key (docs/isolation.md, "Tenant context"): withTenant proves the request's
   * tenant to the database with it, so SQL run inside a request cannot name another.
   */
  readonly contextKey: string;
  /** S3 client settings (region, endpoint...); credentials are always the tenant's. */
  readonly s3Config?: AwsClientConfig;
  readonly log: TenantLog;
  /** Routes outside /api (the local mode's JWKS). */
  readonly extraRoutes?: (app: FastifyInstance) => void;
  /** The key of a tenant's file (default: the runtime's tenantObjectKey; the proof swaps it for a mutation). */
  readonly objectKey?: (tenant: RuntimeTenant, name: string) => string | null;
}

interface TenantContext {
  readonly id: string;
  readonly tenant: RuntimeTenant;
  readonly user: VerifiedToken;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenantContext: TenantContext | null;
  }
}

/** A 400 of the application's own (a name or body it does not accept), logged like the runtime's refusals. */
type AppRefusal = Omit<Refusal, 'status' | 'reason'> & { readonly status: 400 | 413; readonly reason: string };

const CACHE_KEY = /^[A-Za-z0-9:._-]{1,200}$/;
const MAX_FILE_BYTES = 1024 * 1024;

export function buildApp(deps: AppDeps): FastifyInstance {
  const { runtime, log } = deps;
  // The schema is the platform manifest's (an identifier the schema validates), quoted all the same.
  const projects = `"${runtime.hostMap.database.schema.replaceAll('"', '""')}".projects`;
  const s3Clients = new Map<string, S3Client>();
  const s3For = (tenantId: string) => {
    let c = s3Clients.get(tenantId);
    if (!c) s3Clients.set(tenantId, (c = new S3Client({ ...deps.s3Config, credentials: runtime.credentialsProvider(tenantId) })));
    return c;
  };

  // Fastify's own logger is off: the app writes its lines through `log`, with the tenant.
  const app = Fastify({ logger: false, bodyLimit: MAX_FILE_BYTES, trustProxy: false });
  app.decorateRequest('tenantContext', null);
  app.addContentTypeParser(['text/plain', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const refuse = (request: FastifyRequest, reply: FastifyReply, r: Refusal | AppRefusal) => {
    log.write(r.tenantId, refusalRecord(r as Refusal, { method: request.method, path: request.url, host: request.headers.host, requestId: request.id }));
    if (r.status === 401) reply.header('www-authenticate', `Bearer error="invalid_token", error_description="${r.reason}"`);
    return reply
      .code(r.status)
      .type('application/json')
      .send(refusalBody(r as Refusal));
  };

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof TenantRefusedError) return refuse(request, reply, error.refusal);
    const tenantId = request.tenantContext?.id ?? null;
    if (error.statusCode === 413 || error.statusCode === 400 || error.statusCode === 415) {
      return refuse(request, reply, { status: error.statusCode === 413 ? 413 : 400, reason: 'request-invalid', message: error.message, tenantId });
    }
    // The cause goes to the tenant's log, never to the client.
    log.write(tenantId, {
      time: new Date().toISOString(),
      level: 'error',
      event: 'error',
      message: error.message,
      method: request.method,
      path: request.url.split('?')[0],
      requestId: request.id,
    });
    return reply.code(500).type('application/json').send({ error: 'internal', message: 'the request failed; quote its id to support', requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/json')
      .send({ error: 'not-found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.addHook('onResponse', async (request, reply) => {
    const ctx = request.tenantContext;
    if (ctx) {
      log.write(ctx.id, {
        time: new Date().toISOString(),
        level: 'info',
        event: 'request',
        method: request.method,
        path: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        latency_ms: Math.round(reply.elapsedTime),
        requestId: request.id,
      });
    }
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  deps.extraRoutes?.(app);

  app.register(
    async (api) => {
      // The tenant, from the Host header alone, then the user, from a token of that tenant's pool only.
      api.addHook('onRequest', async (request, reply) => {
        const named = requestHost(request.raw);
        if (!named.ok) return refuse(request, reply, named.refusal);
        const resolved = runtime.resolveTenant(named.host);
        if (!resolved.ok) return refuse(request, reply, resolved.refusal);
        const verified = await runtime.verifyTenantToken(bearerToken(request.headers.authorization), resolved.tenantId);
        if (!verified.ok) return refuse(request, reply, verified.refusal);
        request.tenantContext = { id: resolved.tenantId, tenant: resolved.tenant, user: verified.token };
      });
      const ctx = (request: FastifyRequest) => request.tenantContext!;

      api.get('/projects', async (request) => {
        const { id } = ctx(request);
        const rows = await withTenant(deps.db, id, async (db) => (await db.query(`SELECT id, name FROM ${projects} ORDER BY id`)).rows, {
          contextKey: deps.contextKey,
          schema: runtime.hostMap.database.schema,
        });
        return { projects: rows };
      });

      api.post<{ Body: { name: string } }>(
        '/projects',
        {
          schema: {
            body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } },
          },
        },
        async (request, reply) => {
          const { id } = ctx(request);
          const row = await withTenant(
            deps.db,
            id,
            async (db) => (await db.query(`INSERT INTO ${projects} (name) VALUES ($1) RETURNING id, name`, [request.body.name])).rows[0],
            { contextKey: deps.contextKey, schema: runtime.hostMap.database.schema },
          );
          return reply.code(201).send(row);
        },
      );

      const fileKey = (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
        const c = ctx(request);
        const key = (deps.objectKey ?? tenantObjectKey)(c.tenant, `files/${request.params.name}`);
        if (key === null) {
          refuse(request, reply, { status: 400, reason: 'file-name-invalid', message: 'a file name is letters, digits, ".", "-" and "_"', tenantId: c.id });
          return null;
        }
        return key;
      };

      api.get<{ Params: { name: string } }>('/files/:name', async (request, reply) => {
        const key = fileKey(request, reply);
        if (key === null) return reply;
        try {
          const object = await s3For(ctx(request).id).send(new GetObjectCommand({ Bucket: await runtime.dataBucket(), Key: key }));
          return reply.type(object.ContentType ?? 'application/octet-stream').send(Buffer.from(await object.Body!.transformToByteArray()));
        } catch (e) {
          if (e instanceof NoSuchKey) return reply.code(404).send({ error: 'not-found', message: `no file ${request.params.name}` });
          throw e;
        }
      });

      api.put<{ Params: { name: string }; Body: Buffer }>('/files/:name', async (request, reply) => {
        const key = fileKey(request, reply);
        if (key === null) return reply;
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from(JSON.stringify(request.body ?? ''));
        await s3For(ctx(request).id).send(
          new PutObjectCommand({
            Bucket: await runtime.dataBucket(),
            Key: key,
            Body: body,
            ContentType: request.headers['content-type'] ?? 'application/octet-stream',
          }),
        );
        return reply.code(204).send();
      });

      const cacheKey = (request: FastifyRequest<{ Params: { key: string } }>, reply: FastifyReply) => {
        if (CACHE_KEY.test(request.params.key)) return request.params.key;
        refuse(request, reply, {
          status: 400,
          reason: 'cache-key-invalid',
          message: 'a cache key is 1-200 letters, digits, ":", ".", "-" and "_"',
          tenantId: ctx(request).id,
        });
        return null;
      };

      api.get<{ Params: { key: string } }>('/cache/:key', async (request, reply) => {
        const key = cacheKey(request, reply);
        if (key === null) return reply;
        // The client prefixes the key with tenant:<id>: whatever it is (tenant:b:x included).
        const value = await (await runtime.tenantCache(ctx(request).id)).get(key);
        if (value === null) return reply.code(404).send({ error: 'not-found', message: `no cache entry ${key}` });
        return { key, value };
      });

      api.put<{ Params: { key: string }; Body: { value: string; ttlSeconds?: number } }>(
        '/cache/:key',
        {
          schema: {
            body: {
              type: 'object',
              required: ['value'],
              additionalProperties: false,
              properties: { value: { type: 'string', maxLength: 65536 }, ttlSeconds: { type: 'integer', minimum: 1, maximum: 86400 } },
            },
          },
        },
        async (request, reply) => {
          const key = cacheKey(request, reply);
          if (key === null) return reply;
          const cache = await runtime.tenantCache(ctx(request).id);
          await cache.set(key, request.body.value, 'EX', request.body.ttlSeconds ?? 3600);
          return reply.code(204).send();
        },
      );
    },
    { prefix: '/api' },
  );

  app.addHook('onClose', async () => {
    for (const c of s3Clients.values()) c.destroy();
  });
  return app;
}
