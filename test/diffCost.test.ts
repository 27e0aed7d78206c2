// The cost and capacity lines of `tenantc diff` (compiler/diff/costLine.ts): what a
// change does to the estimated monthly cost of the estate and of each changed tenant,
// and to capacity. Issue 25's switch of network.appEgress is priced here: NAT gateways
// (hours, data, their addresses) against interface endpoints (AZ-hours, data).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { estimateLines, withEstimate } from '../compiler/diff/costLine.ts';
import { compiledSide, type CompiledSide, diffEstate } from '../compiler/diff/diffEstate.ts';
import { inThreadDiffer } from '../compiler/diff/inThreadDiffer.ts';
import { renderMarkdown, renderText } from '../compiler/diff/render.ts';
import { SHIPPED_PRICES } from '../compiler/status/prices.ts';
import { usd } from '../compiler/status/renderText.ts';
import { compiledFrom, FIXTURES, inTempDir, SAMPLE_TENANTS } from './helpers.ts';

const D = suite('diff cost and capacity lines');
const MINIMAL = join(FIXTURES, 'estates', 'minimal');

function side(dir: string, label: string): CompiledSide {
  const r = compiledFrom(dir);
  return compiledSide(label, r.plan, r.files, r.lock);
}

/** A copy of `from` with its manifests edited; the lock of `from` stays, as in a pull request. */
function edited(from: string, into: string, edit: (dir: string) => void): string {
  cpSync(from, into, { recursive: true });
  edit(into);
  return into;
}

const setPlatform = (dir: string, from: RegExp | string, to: string) =>
  writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace(from, to));

const standardTenant = (id: string, users = 500) =>
  `kind: Tenant\nid: ${id}\nname: ${id}\ntier: standard\nstatus: active\nusers: ${users}\ndomains:\n  - ${id}.tessera.app\ndns:\n  mode: platform\nauth:\n  mfa: optional\ncontacts:\n  - { role: owner, name: O, email: o@example.com }\n`;

async function estimated(base: CompiledSide, head: CompiledSide) {
  const diff = withEstimate(await diffEstate(base, head, inThreadDiffer), base, head);
  let text = '';
  let markdown = '';
  renderText(diff, null, { write: (s) => (text += s) });
  renderMarkdown(diff, null, { write: (s) => (markdown += s) });
  return { diff, text, markdown };
}

/** Resources of a type in a compile's root template, with their properties. */
const rootResources = (s: CompiledSide, type: string) =>
  Object.values(
    (
      JSON.parse(s.files.find((f) => f.path === 'root.template.json')!.content) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      }
    ).Resources,
  ).filter((r) => r.Type === type);

D('switching network.appEgress from internet to endpoints shows its monthly cost: NAT gateways and their addresses out, interface endpoints in', async () => {
  await inTempDir(async (dir) => {
    const internet = side(SAMPLE_TENANTS, 'main');
    const endpoints = side(
      edited(SAMPLE_TENANTS, join(dir, 'head'), (d) => setPlatform(d, 'appEgress: internet', 'appEgress: endpoints')),
      'work tree',
    );
    const out = await estimated(internet, endpoints);
    // Priced independently of the estimate, from the compiled roots and the table.
    const p = (k: string) => SHIPPED_PRICES.prices[k]!.usd!;
    const a = (k: string) => SHIPPED_PRICES.assumptions[k]!.value;
    const hours = SHIPPED_PRICES.hoursPerMonth;
    const nats = rootResources(internet, 'AWS::EC2::NatGateway').length;
    const eips = rootResources(internet, 'AWS::EC2::EIP').length;
    const interfaces = rootResources(endpoints, 'AWS::EC2::VPCEndpoint').filter((r) => r.Properties.VpcEndpointType === 'Interface');
    assert.is(nats, 3);
    assert.is(eips, 3);
    assert.is(interfaces.length, 10);
    const natCost = nats * (hours * p('vpc.natGateway') + a('nat.gbPerGatewayMonth') * p('vpc.natGateway.data')) + eips * hours * p('vpc.publicIpv4');
    const endpointCost = interfaces.reduce(
      (n, r) =>
        n +
        (r.Properties.SubnetIds as unknown[]).length * hours * p('vpc.interfaceEndpoint') +
        a('interfaceEndpoint.gbPerEndpointMonth') * p('vpc.interfaceEndpoint.data'),
      0,
    );
    const e = out.diff.estimate!;
    assert.ok(Math.abs(e.estate.after - e.estate.before - (endpointCost - natCost)) < 0.02, `${e.estate.after - e.estate.before} vs ${endpointCost - natCost}`);
    const line = `Estimated monthly cost: estate ${usd(e.estate.before)} → ${usd(e.estate.after)} (+${usd(endpointCost - natCost)}/month)`;
    assert.ok(out.text.split('\n').includes(line), out.text.split('\n').slice(0, 3).join('\n'));
    assert.match(out.markdown, line);
    // And back: the reverse change costs the same, the other way.
    const back = await estimated(endpoints, internet);
    assert.match(back.text, `(-${usd(endpointCost - natCost)}/month)`);
  });
});

D('each changed tenant has its own figure; an unchanged estate says +$0', async () => {
  await inTempDir(async (dir) => {
    const base = side(MINIMAL, 'main');
    const added = side(
      edited(MINIMAL, join(dir, 'added'), (d) => writeFileSync(join(d, 'zeta.yaml'), standardTenant('zeta'))),
      'work tree',
    );
    const out = await estimated(base, added);
    const zeta = out.diff.estimate!.tenants.find((t) => t.id === 'zeta')!;
    assert.is(zeta.before, null);
    assert.ok(zeta.after! > 0);
    assert.match(out.text, new RegExp(`^Estimated monthly cost: zeta: \\+${usd(zeta.after!).replace('$', '\\$')}/month \\(added\\); estate `, 'm'));
    const same = await estimated(base, side(MINIMAL, 'work tree'));
    assert.equal(estimateLines(same.diff.estimate), [
      `Estimated monthly cost: estate ${usd(same.diff.estimate!.estate.before)} → ${usd(same.diff.estimate!.estate.after)} (+$0/month)`,
    ]);
  });
});

D('the capacity line: a new ALB shard, a quota reaching 80%, and nothing below it', async () => {
  await inTempDir(async (dir) => {
    // Shard 0 holds two rules and takes no more: a new tenant opens shard 1.
    const full = edited(MINIMAL, join(dir, 'full'), (d) => setPlatform(d, /^quotas:.*$/m, 'quotas: { albRulesPerLoadBalancer: 2 }'));
    const opened = await estimated(
      side(full, 'main'),
      side(
        edited(full, join(dir, 'full-head'), (d) => writeFileSync(join(d, 'zeta.yaml'), standardTenant('zeta'))),
        'work tree',
      ),
    );
    assert.equal(opened.diff.estimate!.capacity, ['opens ALB shard 1']);
    assert.match(opened.text, /^Capacity: opens ALB shard 1$/m);
    assert.match(opened.markdown, 'Capacity: opens ALB shard 1');

    // Cognito user pools: 2 of 5 (40%) → 4 of 5 (80%) is named; → 3 of 5 (60%) is not.
    const pools = edited(MINIMAL, join(dir, 'pools'), (d) => setPlatform(d, /^quotas:.*$/m, 'quotas: { cognitoUserPools: 5 }'));
    const near = await estimated(
      side(pools, 'main'),
      side(
        edited(pools, join(dir, 'pools-near'), (d) => {
          writeFileSync(join(d, 'zeta.yaml'), standardTenant('zeta'));
          writeFileSync(join(d, 'omega.yaml'), standardTenant('omega'));
        }),
        'work tree',
      ),
    );
    assert.equal(near.diff.estimate!.capacity, ['Cognito user pools per account and Region: 4 of 5 (80%)']);
    const below = await estimated(
      side(pools, 'main'),
      side(
        edited(pools, join(dir, 'pools-below'), (d) => writeFileSync(join(d, 'zeta.yaml'), standardTenant('zeta'))),
        'work tree',
      ),
    );
    assert.equal(below.diff.estimate!.capacity, []);
    assert.not.match(below.text, /^Capacity:/m);

    // The shared fleet near app.capacity.maxInstances.
    const small = edited(MINIMAL, join(dir, 'fleet'), (d) => setPlatform(d, /maxInstances: \d+/, 'maxInstances: 5'));
    const grown = await estimated(
      side(small, 'main'),
      side(
        edited(small, join(dir, 'fleet-head'), (d) => writeFileSync(join(d, 'zeta.yaml'), standardTenant('zeta', 1500))),
        'work tree',
      ),
    );
    assert.equal(grown.diff.estimate!.capacity, ['shared fleet: its seats need 5 of app.capacity.maxInstances 5 (100%)']);
  });
});

D.run();
