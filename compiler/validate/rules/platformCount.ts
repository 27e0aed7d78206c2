import type { Rule } from '../rule.ts';

export const platformCount: Rule = {
  id: 'platform-count',
  codes: ['platform-missing', 'platform-duplicate'],
  title: 'Exactly one Platform manifest',
  reason: 'Every shared layer (network, database, tiers, quotas) is read from the one platform manifest; two would make the estate ambiguous.',
  check({ dir, platforms }) {
    if (platforms.length === 0) {
      return [
        {
          code: 'platform-missing',
          file: dir,
          position: { line: 1, col: 1 },
          message: 'no manifest with `kind: Platform` in this directory: add platform.yaml (see README)',
        },
      ];
    }
    if (platforms.length === 1) return [];
    const firstAt = platforms[0]!.source.locate(['kind']);
    return platforms
      .slice(1)
      .map((p) => p.source.diagnostic('platform-duplicate', ['kind'], `a second Platform manifest: the estate already has ${firstAt}; keep exactly one`));
  },
};
