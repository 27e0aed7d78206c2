// Synthetic estates of 500 and 5,000 tenants (bench/generateEstate.ts): every template
// passes the registry check and the template limits, and compile's review gate passed
// them all (the sample platform suppresses nothing, so a compile that succeeds had no
// finding). cfn-lint runs once, on the 5,000-tenant estate: its root, first and last
// ALB shard, cache shard and group, and one tenant template of every shape (tier, DNS
// mode, status, rule count). Tenants of one shape differ only in literals, the 500
// estate has the same shapes, and linting thousands of near-identical files would
// take an hour.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import { generateEstate } from '../bench/generateEstate.ts';
import { rawFilesFrom, inTempDir, SAMPLE_TENANTS } from './helpers.ts';
import { checkTemplate } from './support/registry.ts';
import { assertCfnLintClean } from './support/cfnLint.ts';

const S = suite('scale');

for (const size of [500, 5000]) {
  S(`${size} tenants: every template passes the registry check, the limits and the security rule pack${size === 5000 ? '; cfn-lint on every shape' : ''}`, async () => {
    await inTempDir(async (dir) => {
      generateEstate(dir, size, join(SAMPLE_TENANTS, 'platform.yaml'));
      const r = compileSources('tenants', parseSources(rawFilesFrom(dir)));
      if (!r.ok) return assert.unreachable(r.diagnostics.slice(0, 3).map((d) => d.message).join('\n'));
      assert.is(r.review.violations.length + r.review.suppressed.length, 0, 'the rule pack found nothing to accept or refuse');
      const templates = r.files.filter((f) => f.path.endsWith('.template.json'));
      assert.is(templates.filter((f) => f.path.startsWith('tenants/')).length, size);
      const errors: string[] = [];
      for (const f of templates) errors.push(...checkTemplate(JSON.parse(f.content), f.path, f.content, { uploaded: true }));
      assert.equal(errors.slice(0, 20), [], `${errors.length} registry errors`);
      if (size !== 5000) return;

      const byPath = new Map(templates.map((f) => [f.path, f.content]));
      const pick = new Map<string, string>([['root.template.json', byPath.get('root.template.json')!]]);
      for (const prefix of ['shards/alb-', 'shards/cache-', 'groups/group-']) {
        const matching = templates.filter((f) => f.path.startsWith(prefix));
        for (const f of [matching[0]!, matching.at(-1)!]) pick.set(f.path, f.content);
      }
      const shapes = new Set<string>();
      for (const t of r.plan.tenants) {
        const shape = `${t.tier.name}/${t.dns.mode}/${t.status}/${t.listenerRuleHosts.length}`;
        if (shapes.has(shape)) continue;
        shapes.add(shape);
        pick.set(`tenants/${t.id}.template.json`, byPath.get(`tenants/${t.id}.template.json`)!);
      }
      assert.ok(shapes.size >= 5, `only ${shapes.size} tenant shapes`);
      await assertCfnLintClean(pick);
    }, `tenantc-scale-${size}-`);
  });
}

S.run();
