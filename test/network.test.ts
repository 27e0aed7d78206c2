import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCidr } from '../compiler/cidr.ts';
import type { NetworkPlan } from '../compiler/plan/model.ts';
import { planNetwork, subnetProblems } from '../compiler/plan/network.ts';

const Network = suite('network plan');
const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function planned(cidr: string, azs = AZS): NetworkPlan {
  const r = planNetwork(cidr, azs);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.plan;
}

Network('the sample VPC gives /18 app, /20 data and /22 public subnets', () => {
  const plan = planned('10.18.0.0/16');
  assert.equal(
    plan.zones.map((z) => [z.az, z.app, z.data, z.public]),
    [
      ['us-east-1a', '10.18.0.0/18', '10.18.192.0/20', '10.18.240.0/22'],
      ['us-east-1b', '10.18.64.0/18', '10.18.208.0/20', '10.18.244.0/22'],
      ['us-east-1c', '10.18.128.0/18', '10.18.224.0/20', '10.18.248.0/22'],
    ],
  );
});

Network('every allowed VPC size yields subnets inside the VPC, none overlapping', () => {
  for (const cidr of ['10.0.0.0/16', '172.16.0.0/17', '192.168.0.0/18', '10.1.16.0/20']) {
    const plan = planned(cidr);
    assert.equal(subnetProblems(plan), []);
    const vpc = parseCidr(cidr);
    for (const z of plan.zones) for (const s of [z.app, z.data, z.public]) assert.ok(parseCidr(s).base >= vpc.base, `${s} in ${cidr}`);
  }
});

Network('the checks catch overlap, escape and undersized subnets', () => {
  const ok = planned('10.18.0.0/16');
  const overlap = { ...ok, zones: [{ ...ok.zones[0]!, data: '10.18.0.0/24' }, ...ok.zones.slice(1)] };
  assert.match(subnetProblems(overlap).join(), /overlap/);
  const outside = { ...ok, zones: [{ ...ok.zones[0]!, public: '10.19.0.0/24' }, ...ok.zones.slice(1)] };
  assert.match(subnetProblems(outside).join(), /outside/);
  const tiny = { ...ok, zones: [{ ...ok.zones[0]!, public: '10.18.250.0/29' }, ...ok.zones.slice(1)] };
  assert.match(subnetProblems(tiny).join(), /smaller than \/28/);
});

Network('a plan that does not fit is a list of problems, not an exception', () => {
  const r = planNetwork('10.18.0.0/16', [...AZS, 'us-east-1d']);
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.problems.join('\n'), 'overlap');
});

Network.run();
