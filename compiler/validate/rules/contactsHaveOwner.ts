import type { Rule } from '../rule.ts';

export const contactsHaveOwner: Rule = {
  id: 'contacts-owner',
  codes: ['contacts-owner'],
  title: 'A tenant has at least one owner contact',
  reason:
    'The owner is who decides for the tenant: who confirms an offboarding, a restore to another identity or a data export, and whom the diff names when an id changes hands. A tenant with only technical or security contacts has no one to ask.',
  check({ tenants }) {
    return tenants.flatMap(({ source, value }) =>
      value.contacts.some((c) => c.role === 'owner')
        ? []
        : [
            source.diagnostic(
              'contacts-owner',
              ['contacts'],
              `contacts has no owner (${value.contacts.map((c) => c.role).join(', ')}): add one with role: owner, the person who decides for ${value.id}`,
            ),
          ],
    );
  },
};
