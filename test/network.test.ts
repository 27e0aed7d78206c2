import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCidr } from '../compiler/cidr.ts';
import type { NetworkPlan } from '../compiler/plan/model.ts';
import { planNetwork, subnetProblems } from '../compiler/plan/network.ts';
import { INTERFACE_ENDPOINT_SERVICES } from '../compiler/emit/cfn/network.ts';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import { rawFilesFrom, SAMPLE_TENANTS } from './helpers.ts';

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

/** The sample estate's root template, its platform manifest edited by `edit`. */
function rootWith(edit: (platform: string) => string): Record<string, { Type: string; Properties: Record<string, unknown> }> {
  const raw = rawFilesFrom(SAMPLE_TENANTS).map((f) =>
    f.name === 'platform.yaml' ? { ...f, bytes: Buffer.from(edit(Buffer.from(f.bytes!).toString('utf8'))) } : f,
  );
  const r = compileSources('tenants', parseSources(raw));
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return (JSON.parse(r.files.find((f) => f.path === 'root.template.json')!.content) as { Resources: ReturnType<typeof rootWith> }).Resources;
}
const ofType = (resources: ReturnType<typeof rootWith>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** The sample platform manifest without its `appEgress` line: the default for new estates. */
const withoutAppEgress = (p: string) => {
  const edited = p.replace(/^ {2}appEgress: internet\n/m, '');
  assert.is.not(edited, p, 'the sample declares appEgress: internet');
  return edited;
};

Network('egress through endpoints (the default): no route from the app subnets beyond the VPC, no NAT, an endpoint for each AWS service the apps use', () => {
  const root = rootWith(withoutAppEgress);
  assert.equal(ofType(root, 'AWS::EC2::NatGateway'), []);
  const defaultRoutes = ofType(root, 'AWS::EC2::Route').filter(([, r]) => r.Properties.DestinationCidrBlock === '0.0.0.0/0');
  assert.equal(
    defaultRoutes.map(([, r]) => JSON.stringify(r.Properties.RouteTableId)),
    ['A', 'B', 'C'].map((z) => JSON.stringify({ Ref: `platformPublicRouteTable${z}` })),
    'only the public subnets route to the internet (the ALBs)',
  );
  const interfaces = ofType(root, 'AWS::EC2::VPCEndpoint').filter(([, r]) => r.Properties.VpcEndpointType === 'Interface');
  assert.equal(interfaces.length, INTERFACE_ENDPOINT_SERVICES.length);
  for (const [, r] of ofType(root, 'AWS::EC2::VPCEndpoint')) {
    if (r.Properties.VpcEndpointType === 'Gateway') assert.ok(r.Properties.PolicyDocument, 'every gateway endpoint has a policy');
    else assert.equal(r.Properties.SecurityGroupIds, [{ 'Fn::GetAtt': ['endpointSecurityGroup', 'GroupId'] }]);
  }
  const s3 = JSON.stringify(root.platformS3Endpoint!.Properties.PolicyDocument);
  assert.match(s3, '"Ref":"tenantDataBucket"');
  assert.not.match(s3, '"Resource":"*"', 'no bucket of anyone else');
});

Network('egress to the internet, as the sample chooses in its platform manifest: a NAT gateway per AZ, each app subnet through its own', () => {
  const root = rootWith((p) => p);
  assert.equal(ofType(root, 'AWS::EC2::NatGateway').length, 3);
  for (const z of ['A', 'B', 'C']) assert.equal(root[`platformAppDefaultRoute${z}`]!.Properties.NatGatewayId, { Ref: `platformNatGateway${z}` });
  assert.equal(
    ofType(root, 'AWS::EC2::VPCEndpoint').filter(([, r]) => r.Properties.VpcEndpointType === 'Interface'),
    [],
  );
});

Network.run();
