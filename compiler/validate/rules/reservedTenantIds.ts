import type { Rule } from '../rule.ts';

/**
 * The pooled app fleet's name where a dedicated fleet is named by its tenant's id: the
 * runtime's host map says which fleet may serve each tenant (`shared`, or the premium
 * tenant's id), the fleets' user data sets FLEET to it, and instances are tagged and
 * named with it. A premium tenant with this id would make its dedicated fleet the pooled
 * one to the runtime: it would serve every pooled tenant's requests, and the pooled
 * fleet its own (the runtime's "served by another fleet" refusal blind both ways).
 */
export const SHARED_FLEET = 'shared';

/** Tenant ids that are names of the platform's own, each with what it names. */
export const RESERVED_TENANT_IDS: ReadonlyMap<string, string> = new Map([
  [SHARED_FLEET, "the pooled app fleet's name (the runtime host map, FLEET in the fleets' user data, instance tags)"],
]);

export const reservedTenantIds: Rule = {
  id: 'reserved-tenant-id',
  codes: ['reserved-name'],
  title: "A tenant id is not a name of the platform's own",
  reason:
    "A fleet is named by its tenant's id and the pooled fleet is `shared`: a tenant with that id makes the runtime take one fleet for the other, and the check that refuses a request served by another tenant's fleet passes both ways.",
  check({ tenants }) {
    const out = [];
    for (const { source, value } of tenants) {
      const names = RESERVED_TENANT_IDS.get(value.id);
      if (names) out.push(source.diagnostic('reserved-name', ['id'], `id "${value.id}" is reserved: it is ${names}; choose another id`));
    }
    return out;
  },
};
