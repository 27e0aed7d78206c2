// What a tenant's status means, layer by layer: the one table every reader of a status
// uses. The plan turns it into each tenant's ServingPlan (planEstate.ts servingFor), so
// emitters read `tenant.serving` and never a status; the lifecycle reads `removable`;
// the diff writes its notes from the fields that change; a status report reads it as
// it is. A status changes what is served, never what is kept: users, the app client
// (same id), identities and rows survive every status (README, "Tenant lifecycle").
import type { TenantStatus } from '../manifest.ts';

export interface StatusMeaning {
  /** Its listener rules forward to its app, answer the suspended page (403), or do not exist (its hosts fall to the 404 default). */
  readonly routing: 'forward' | 'suspended-page' | 'none';
  /** Users can sign in: its app client offers the sign-in flows and the hosted UI. */
  readonly signIn: boolean;
  /** Its distribution tenant serves its assets. */
  readonly assets: boolean;
  /** On shared compute, its seats count toward the shared fleet's floor. */
  readonly seats: boolean;
  /** Its cache user can authenticate and its role can be assumed (both kept, switched off, when false). */
  readonly credentials: boolean;
  /** On dedicated compute, its fleet runs at its tier's size, or is scaled to zero. */
  readonly dedicatedFleet: 'tier-size' | 'zero';
  /** Its manifest may be deleted (the lock then removes it for good); otherwise deleting it is `tenant-removal`. */
  readonly removable: boolean;
}

/**
 * Suspended keeps a dedicated fleet running and credentials on: a suspension is lifted
 * within the hour, and nothing the tenant had is taken away, only stopped from being
 * served. Offboarded is the step before removal: nothing served, nothing running,
 * nobody able to act as the tenant, its data kept.
 */
export const TENANT_STATUS_MEANING: Readonly<Record<TenantStatus, StatusMeaning>> = Object.freeze({
  active: Object.freeze({ routing: 'forward', signIn: true, assets: true, seats: true, credentials: true, dedicatedFleet: 'tier-size', removable: false }),
  suspended: Object.freeze({
    routing: 'suspended-page',
    signIn: false,
    assets: false,
    seats: false,
    credentials: true,
    dedicatedFleet: 'tier-size',
    removable: false,
  }),
  offboarded: Object.freeze({ routing: 'none', signIn: false, assets: false, seats: false, credentials: false, dedicatedFleet: 'zero', removable: true }),
});

export const TENANT_STATUSES = Object.freeze(Object.keys(TENANT_STATUS_MEANING) as TenantStatus[]);
