// Synthetic estates of 500 and 5,000 tenants (bench/generateEstate.ts, in memory): every template
// passes the registry check and the template limits (resources, outputs, parameters,
// bytes), and compile's review gate passed them all (the sample platform suppresses
// nothing, so a compile that succeeds had no finding). cfn-lint sees, of the 500
// estate, the root, the first and last ALB shard, cache shard and group, and one tenant
// template of every shape (tier, DNS mode, status, rule count); of the 5,000 estate,
// its last ALB shard, cache shard and group, the highest indices. Tenants of one shape
// differ only in literals; the 5,000 root repeats the 500 root's nested-stack entries
// (4.7 s of cfn-lint for what the limits check already covers).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSources } from '../compiler/pipeline.ts';
import { generatedLoaded } from './helpers.ts';
import { checkTemplate } from './support/registry.ts';
import { assertCfnLintClean } from './support/cfnLint.ts';

const S = suite('scale');

S('500 and 5,000 tenants: every template passes the registry check, the limits, the security rule pack and cfn-lint', async () => {
  // The 500 estate's picks are linted while the 5,000 estate compiles.
  const linting: Promise<unknown>[] = [];
  for (const size of [500, 5000]) {
    const pick = new Map<string, string>();
    (() => {
      // In memory, as rawFilesFrom would read the generated directory (names sorted):
      // writing and deleting 5,500 files cost more than compiling them.
      const r = compileSources('tenants', generatedLoaded(size, 'tenants'));
      if (!r.ok)
        return assert.unreachable(
          r.diagnostics
            .slice(0, 3)
            .map((d) => d.message)
            .join('\n'),
        );
      assert.is(r.review.violations.length + r.review.suppressed.length, 0, `${size}: the rule pack found nothing to accept or refuse`);
      const templates = r.files.filter((f) => f.path.endsWith('.template.json'));
      assert.is(templates.filter((f) => f.path.startsWith('tenants/')).length, size);
      const errors: string[] = [];
      for (const f of templates) errors.push(...checkTemplate(JSON.parse(f.content), f.path, f.content, { uploaded: true }));
      assert.equal(errors.slice(0, 20), [], `${size}: ${errors.length} registry errors`);

      const add = (f: { path: string; content: string }) => pick.set(`${size}/${f.path}`, f.content);
      const byIndex = (a: { path: string }, b: { path: string }) => Number(/(\d+)\.template/.exec(a.path)![1]) - Number(/(\d+)\.template/.exec(b.path)![1]);
      for (const prefix of ['shards/alb-', 'shards/cache-', 'groups/group-']) {
        const matching = templates.filter((f) => f.path.startsWith(prefix)).sort(byIndex);
        for (const f of size === 500 ? [matching[0]!, matching.at(-1)!] : [matching.at(-1)!]) add(f);
      }
      if (size === 5000) {
        assert.ok(pick.has('5000/groups/group-124.template.json'), [...pick.keys()].join(' '));
        return void linting.push(assertCfnLintClean(pick));
      }
      add(templates.find((f) => f.path === 'root.template.json')!);
      const shapes = new Set<string>();
      for (const t of r.plan.tenants) {
        const shape = `${t.tier.name}/${t.dns.mode}/${t.status}/${t.listenerRuleHosts.length}`;
        if (shapes.has(shape)) continue;
        shapes.add(shape);
        add(templates.find((f) => f.path === `tenants/${t.id}.template.json`)!);
      }
      assert.ok(shapes.size >= 5, `only ${shapes.size} tenant shapes`);
      linting.push(assertCfnLintClean(pick));
    })();
  }
  await Promise.all(linting);
});

S.run();
