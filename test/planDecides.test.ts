// The plan decides, emitters translate (docs/architecture.md, "How the code is laid out"): group membership and a
// group's ALB shards are read from the plan's GroupPlan, never derived again from each
// tenant's placement (each test hands emit a plan whose decision differs from what a
// re-derivation would find, so an emitter that re-derives fails it); what a status
// means is one table (plan/status.ts) that each tenant's ServingPlan is made from.
// What a suspended tenant's stack does is proven in test/lifecycle.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emitEstate } from '../compiler/emit/emitEstate.ts';
import type { AssetsManifest } from '../compiler/outputFormat.ts';
import type { EstatePlan, GroupPlan } from '../compiler/plan/model.ts';
import { groupStackId } from '../compiler/plan/names.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { servingFor } from '../compiler/plan/planEstate.ts';
import { TENANT_STATUS_MEANING, TENANT_STATUSES } from '../compiler/plan/status.ts';
import { compiledFrom, ROOT, SAMPLE_TENANTS } from './helpers.ts';

const D = suite('the plan decides');
const { plan } = compiledFrom(SAMPLE_TENANTS);

type Template = { Description: string; Parameters: Record<string, unknown>; Resources: Record<string, { Type: string }> };
const emitted = (p: EstatePlan) => new Map(emitEstate(p).map((f) => [f.path, f.content]));
const template = (files: ReadonlyMap<string, string>, path: string): Template => JSON.parse(files.get(path) ?? 'null');
const stacksIn = (t: Template) =>
  Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::CloudFormation::Stack')
    .map(([id]) => id)
    .sort();

D('the sample plan: one group holding every tenant, on the one ALB shard', () => {
  assert.equal(
    plan.groups.map((g) => ({ ...g })),
    [{ index: 0, stack: groupStackId(0), tenants: plan.tenants.map((t) => t.id), albShards: [0] }],
  );
  assert.ok(plan.tenants.every((t) => t.placement.group === 0 && t.placement.albShard === 0));
});

D('a group stack holds exactly the tenants its GroupPlan lists, and each tenant stack sits in the group that lists it', () => {
  // The plan moves globex to a group of its own; its placement still says group 0.
  const moved = 'globex';
  const tenant = plan.tenants.find((t) => t.id === moved)!;
  assert.is(tenant.placement.group, 0);
  const groups: GroupPlan[] = [
    { ...plan.groups[0]!, tenants: plan.groups[0]!.tenants.filter((id) => id !== moved) },
    { index: 1, stack: groupStackId(1), tenants: [moved], albShards: [0] },
  ];
  const files = emitted({ ...plan, groups });
  const group0 = template(files, 'groups/group-0.template.json');
  const group1 = template(files, 'groups/group-1.template.json');
  assert.ok(group1, 'the plan has a group 1: emit writes its stack');
  assert.equal(stacksIn(group1), [tenant.names.stack]);
  assert.equal(
    stacksIn(group0),
    plan.tenants
      .filter((t) => t.id !== moved)
      .map((t) => t.names.stack)
      .sort(),
  );
  assert.match(group1.Description, '(1 tenants)');
  const assets = JSON.parse(files.get('assets.json')!) as AssetsManifest;
  assert.is(assets.nested.find((n) => n.tenant === moved)?.stack, `${groupStackId(1)}/${tenant.names.stack}`, 'deploy finds its stack under group 1');
  assert.ok(stacksIn(template(files, 'root.template.json')).includes(groupStackId(1)), 'the root nests group 1');
});

D('a group receives the values of the ALB shards its GroupPlan lists, and refuses a tenant on a shard it does not list', () => {
  const group0 = template(emitted(plan), 'groups/group-0.template.json');
  const shardValues = Object.keys(group0.Parameters).filter((p) => /^Shard\d+/.test(p));
  assert.ok(shardValues.length > 0 && shardValues.every((p) => p.startsWith('Shard0')), shardValues.join(' '));
  // A plan whose group lists no ALB shard while its tenants use shard 0: emit does not
  // quietly recompute the list from the tenants.
  const groups: GroupPlan[] = [{ ...plan.groups[0]!, albShards: [] }];
  assert.throws(() => emitEstate({ ...plan, groups }), /is on ALB shard 0, which the plan of group 0 does not list/);
});

D('a tenant no group lists is an error of the plan, not a stack silently left out', () => {
  const groups: GroupPlan[] = [{ ...plan.groups[0]!, tenants: plan.groups[0]!.tenants.filter((id) => id !== 'acme') }];
  assert.throws(() => emitEstate({ ...plan, groups }), /tenant acme is in none of the plan's groups/);
});

D("the status table has a row for exactly the tenant schema's statuses", () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'tenant.schema.json'), 'utf8')) as { properties: { status: { enum: string[] } } };
  assert.equal([...TENANT_STATUSES].sort(), [...schema.properties.status.enum].sort());
  assert.ok(
    Object.isFrozen(TENANT_STATUS_MEANING) && TENANT_STATUSES.every((s) => Object.isFrozen(TENANT_STATUS_MEANING[s])),
    'nobody can change it at run time',
  );
});

D('every ServingPlan is its status row, with a DNS that is not ready hiding every host name', () => {
  const tier = plan.platform.tiers.find((t) => t.compute === 'shared')!;
  const premium = plan.platform.tiers.find((t) => t.compute === 'dedicated')!;
  for (const status of TENANT_STATUSES) {
    const row = TENANT_STATUS_MEANING[status];
    for (const dnsReady of [true, false]) {
      const shared = servingFor(status, tier, dnsReady);
      assert.equal(
        {
          routing: shared.routing,
          signIn: shared.signIn,
          assets: shared.assets,
          seats: shared.sharedSeats,
          credentials: shared.credentials,
          fleet: shared.fleet,
        },
        { routing: dnsReady ? row.routing : 'none', signIn: row.signIn, assets: row.assets, seats: row.seats, credentials: row.credentials, fleet: null },
        `${status}, shared compute, DNS ${dnsReady ? 'ready' : 'not ready'}`,
      );
      assert.is(shared.hostNames, dnsReady);
      const dedicated = servingFor(status, premium, dnsReady);
      assert.is(dedicated.sharedSeats, false, 'a dedicated tenant takes no seat on the shared fleet');
      assert.equal(
        [dedicated.fleet?.min, dedicated.fleet?.max],
        row.dedicatedFleet === 'zero' ? [0, 0] : [premium.dedicatedInstances!.min, premium.dedicatedInstances!.max],
        `${status}: its fleet`,
      );
    }
  }
});

D.run();
