import type { Rule } from '../rule.ts';

/**
 * A tenant's tags are emitted on its resources after the platform's (plan/isolation.ts,
 * tenantTagPairs). A key the platform already sets would appear twice in one Tags list,
 * which CloudFormation refuses, and would let a tenant's manifest restate the platform's
 * cost allocation; two keys differing only in case are one key to IAM, which compares
 * tag keys without case
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating).
 * The schema already types keys and values and reserves tenantc's own keys.
 */
export const tenantTags: Rule = {
  id: 'tenant-tags',
  codes: ['tenant-tag'],
  title: "A tenant's tags neither repeat a platform tag nor each other",
  reason:
    "The tenant's tags go on its resources with the platform's and tenantc's own: a key twice in one list fails the deploy, and a tenant must not overwrite the platform's cost allocation.",
  check({ platform, tenants }) {
    const platformKeys = new Map(Object.keys(platform?.value.tags ?? {}).map((k) => [k.toLowerCase(), k]));
    return tenants.flatMap(({ source, value }) => {
      const seen = new Map<string, string>();
      const out = [];
      for (const key of Object.keys(value.tags ?? {})) {
        const lower = key.toLowerCase();
        const shared = platformKeys.get(lower);
        if (shared !== undefined)
          out.push(
            source.diagnostic(
              'tenant-tag',
              ['tags', key],
              `tags."${key}" is a tag the platform sets on every resource (${platform!.source.locate(['tags', shared])}): a tenant cannot set it; choose another key`,
            ),
          );
        else if (seen.has(lower))
          out.push(
            source.diagnostic(
              'tenant-tag',
              ['tags', key],
              `tags."${key}" and tags."${seen.get(lower)}" differ only in case: IAM reads them as one key; keep one`,
            ),
          );
        seen.set(lower, key);
      }
      return out;
    });
  },
};
