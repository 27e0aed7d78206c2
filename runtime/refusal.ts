// A request the runtime refuses, as a client can act on it: an HTTP status, a stable
// reason code, a message that says what was wrong (never a stack trace, never another
// tenant's name), and the tenant the request was for when one was resolved, so that
// the refusal can be logged to that tenant's stream.

export type RefusalReason =
  /** 400: two Host headers, or an absolute-form request target naming another host than Host (requestHost). */
  | 'host-ambiguous'
  /** 421: no Host header, or one that is not a host name. */
  | 'host-missing'
  | 'host-invalid'
  /** 421: no tenant of the estate serves this host. */
  | 'host-unknown'
  /** 421: a tenant is served by another fleet (a premium tenant's own, or the pooled one). */
  | 'host-other-fleet'
  /** 403: the tenant is suspended or offboarded. */
  | 'tenant-suspended'
  | 'tenant-offboarded'
  /** 401: no bearer token, or not a JWT. */
  | 'token-missing'
  | 'token-malformed'
  /** 401: signed by another user pool than the tenant's own (another tenant's, or none of ours). */
  | 'token-foreign-pool'
  /** 401: from the tenant's pool but issued to another app client. */
  | 'token-foreign-client'
  /** 401: an ID token where an access token is required (or the reverse). */
  | 'token-wrong-use'
  | 'token-expired'
  | 'token-not-yet-valid'
  /** 401: the signature does not verify with the pool's keys. */
  | 'token-signature';

export interface Refusal {
  readonly status: 400 | 401 | 403 | 421;
  readonly reason: RefusalReason;
  readonly message: string;
  /** The tenant the request resolved to, when it did (refusals are logged to its stream). */
  readonly tenantId: string | null;
  /** For 403: the tenant's status. */
  readonly tenantStatus?: string;
}

/** The JSON body a refusal is answered with. */
export function refusalBody(r: Refusal): { error: RefusalReason; message: string; status?: string } {
  return { error: r.reason, message: r.message, ...(r.tenantStatus ? { status: r.tenantStatus } : {}) };
}

/** Thrown where a refusal cannot be returned as a value (credentials and caches asked for a tenant this process must not serve). */
export class TenantRefusedError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'TenantRefusedError';
  }
}
