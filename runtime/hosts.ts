// resolveTenant(host): the tenant serving a request, from the host map compile writes
// (out/runtime/hosts.json) and the request's Host header alone.
//
// Why only Host: the ALB routes by Host (its listener rules are the tenant's domains),
// so Host is what decided which fleet and which rule answered. X-Forwarded-Host, a
// tenant header, a query parameter or a cookie are the client's to write and nothing
// checked them: trusting one would let a request routed as tenant A (A's WAF rules, A's
// fleet, A's suspended page or not) be served as tenant B. The resolver takes a string,
// not a request, so there is no header it could be tempted to read.
//
// A host is normalised the way the manifests' domains are (lower case, no trailing
// dot) and loses its port; anything else that is not a plain DNS name (an IP literal,
// user info, a path, a second colon, an empty label) is refused, never guessed at.
import { readFileSync } from 'node:fs';
import { RUNTIME_HOSTS_FORMAT, type RuntimeHostMap, type RuntimeTenant } from '../compiler/outputFormat.ts';
import type { Refusal } from './refusal.ts';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);

/** `Acme.COM.:443` → `acme.com`; null for what is not a DNS host name (with an optional port). */
export function normalizeHost(raw: string | undefined): string | null {
  if (typeof raw !== 'string') return null;
  let host = raw.toLowerCase();
  const port = /:(\d{1,5})$/.exec(host);
  if (port) {
    if (Number(port[1]) > 65535) return null;
    host = host.slice(0, port.index);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  // 253: the longest DNS name in its text form.
  return host.length > 0 && host.length <= 253 && HOST_NAME.test(host) ? host : null;
}

/** What requestHost reads of a request: Node's IncomingMessage (Fastify: request.raw) has both. */
export interface HostedRequest {
  /** The request target as sent: origin-form (/path) or absolute-form (https://host/path). */
  readonly url?: string;
  /** Header names and values, alternating, as received (Node keeps duplicates here only). */
  readonly rawHeaders: readonly string[];
}

/**
 * The one Host a request names, for resolveTenant; or a 400 refusal when the request
 * names two. Node's request.headers.host keeps only the first of two Host headers, and
 * a request target in absolute form (GET https://b.example/ HTTP/1.1) names a host of
 * its own, which HTTP says wins over Host (RFC 9112, section 3.2.2). A proxy in front
 * (the ALB routes by Host) and this process could then read different hosts: the ALB
 * routes the request as tenant A, a server reading the other one serves tenant B. Such
 * a request is ambiguous and refused, never resolved either way.
 */
export function requestHost(
  request: HostedRequest,
): { readonly ok: true; readonly host: string | undefined } | { readonly ok: false; readonly refusal: Refusal } {
  const refuse = (message: string) => ({ ok: false as const, refusal: { status: 400 as const, reason: 'host-ambiguous' as const, message, tenantId: null } });
  const hosts: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() === 'host') hosts.push(request.rawHeaders[i + 1]!);
  }
  if (hosts.length > 1) return refuse('the request has more than one Host header');
  const host = hosts[0];
  const target = request.url ?? '';
  if (!target.startsWith('/') && target !== '*') {
    let authority: string;
    try {
      authority = new URL(target).host;
    } catch {
      return refuse('the request target is neither a path nor an absolute URL');
    }
    const named = normalizeHost(authority);
    if (named === null || named !== normalizeHost(host)) return refuse('the request target names another host than the Host header');
  }
  return { ok: true, host };
}

export type TenantResolution =
  | { readonly ok: true; readonly host: string; readonly tenantId: string; readonly tenant: RuntimeTenant }
  | { readonly ok: false; readonly refusal: Refusal };

export interface HostResolverOptions {
  /**
   * The fleet this process runs on: `shared` (the pooled fleet), or a premium tenant's id
   * on its dedicated fleet (FLEET in the instance's /etc/app/env). A tenant served by
   * another fleet is refused: the ALB never routes it here, so a request for it is misdirected.
   */
  readonly fleet: string;
}

export type ResolveTenant = (host: string | undefined) => TenantResolution;

/** A resolver over one host map. */
export function hostResolver(map: RuntimeHostMap, options: HostResolverOptions): ResolveTenant {
  // A Map, not the parsed object: a host named like an Object.prototype property must not resolve.
  const hosts = new Map(Object.entries(map.hosts));
  const tenants = new Map(Object.entries(map.tenants));
  return (raw) => {
    const refuse = (reason: Refusal['reason'], message: string, tenantId: string | null = null): TenantResolution => ({
      ok: false,
      refusal: { status: 421, reason, message, tenantId },
    });
    if (raw === undefined || raw === '') return refuse('host-missing', 'the request has no Host header');
    const host = normalizeHost(raw);
    if (host === null) return refuse('host-invalid', 'the Host header is not a host name');
    const tenantId = hosts.get(host);
    const tenant = tenantId === undefined ? undefined : tenants.get(tenantId);
    if (tenantId === undefined || tenant === undefined) return refuse('host-unknown', `no tenant is served at ${host}`);
    if (tenant.fleet !== options.fleet) return refuse('host-other-fleet', `${host} is served by another fleet`, tenantId);
    if (tenant.status !== 'active') {
      return {
        ok: false,
        refusal: {
          status: 403,
          reason: tenant.status === 'suspended' ? 'tenant-suspended' : 'tenant-offboarded',
          message: `the tenant served at ${host} is ${tenant.status}`,
          tenantId,
          tenantStatus: tenant.status,
        },
      };
    }
    return { ok: true, host, tenantId, tenant };
  };
}

/** Reads and checks out/runtime/hosts.json: a file of another format, or one that names a tenant it does not describe, is refused. */
export function readHostMap(file: string): RuntimeHostMap {
  let map: RuntimeHostMap;
  try {
    map = JSON.parse(readFileSync(file, 'utf8')) as RuntimeHostMap;
  } catch (e) {
    throw new Error(`${file}: cannot read the host map: ${(e as Error).message}`);
  }
  return checkHostMap(map, file);
}

export function checkHostMap(map: RuntimeHostMap, source = 'host map'): RuntimeHostMap {
  if (map?.format !== RUNTIME_HOSTS_FORMAT) {
    throw new Error(`${source}: format ${JSON.stringify(map?.format)}, expected ${RUNTIME_HOSTS_FORMAT}: compile with this tenantc`);
  }
  for (const [host, id] of Object.entries(map.hosts ?? {})) {
    if (normalizeHost(host) !== host) throw new Error(`${source}: host ${JSON.stringify(host)} is not normalised`);
    if (!Object.hasOwn(map.tenants, id)) throw new Error(`${source}: host ${host} names tenant ${JSON.stringify(id)}, which it does not describe`);
  }
  return map;
}
