// The price table: its schema, its coverage of every resource type the compiler emits,
// its errors at their line and column, and `tenantc prices --update` against a mocked
// AWS Price List API.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import type { Filter } from '@aws-sdk/client-pricing';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateEstate } from '../bench/generateEstate.ts';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { parseManifest } from '../compiler/load/parseManifest.ts';
import { PRICERS, PRICED_TYPES } from '../compiler/status/pricers.ts';
import { priceQuery, updatePrices, updateTable } from '../compiler/status/priceList.ts';
import { checkedTable, type PriceTable, SHIPPED_PRICES } from '../compiler/status/prices.ts';
import { assertGoldenFile, compiledFrom, FIXTURES, inTempDir, ROOT, runMain, SAMPLE_TENANTS } from './helpers.ts';

const P = suite('price table');
// The SDK warns that its releases after early January 2027 need Node.js 22; this project
// runs on Node.js 20 (README). Expected, so not repeated in every run (as deploy's tests).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const PRICES_FIXTURES = join(FIXTURES, 'prices');

/** Every resource type of the registry types tenantc emits (compiler/emit/cfn/generated/resources.ts). */
const registryTypes = (): string[] =>
  [
    ...readFileSync(join(ROOT, 'compiler', 'emit', 'cfn', 'generated', 'resources.ts'), 'utf8').matchAll(
      /readonly Type: "((?:AWS|Custom)::[A-Za-z0-9:]+)"; readonly Properties/g,
    ),
  ]
    .map((m) => m[1]!)
    .sort();

/** The types a compile of these estates emits, with the files they are in. */
function emittedTypes(dirs: readonly string[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const dir of dirs)
    for (const f of compiledFrom(dir).files)
      if (f.path.endsWith('.template.json'))
        for (const r of Object.values((JSON.parse(f.content) as { Resources: Record<string, { Type: string }> }).Resources)) types.set(r.Type, f.path);
  return types;
}

/** The types a table has no entry for. */
const missingFrom = (table: PriceTable, types: Iterable<string>) => [...types].filter((t) => !(t in table.resourceTypes)).sort();

function tableSource(name: string, text: string) {
  const parsed = parseManifest({ path: name, name, size: text.length, bytes: Buffer.from(text) });
  assert.ok(parsed.source, parsed.diagnostics.map(formatDiagnostic).join('\n'));
  return parsed.source!;
}

P('the shipped table passes its schema and its rules', () => {
  const text = readFileSync(join(ROOT, 'prices', 'us-east-1.json'), 'utf8');
  const r = checkedTable(tableSource('prices/us-east-1.json', text), PRICED_TYPES);
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map(formatDiagnostic).join('\n'));
  for (const [key, p] of Object.entries(SHIPPED_PRICES.prices)) {
    assert.match(p.date, /^20\d\d-\d\d-\d\d$/, `${key} has a date`);
    // Every source says where the price comes from, or honestly that it was not found.
    assert.ok(/https?:\/\/|aws\.amazon\.com\/|Price List API|[Nn]o price found|[Nn]ot found/.test(p.source), `${key}: ${p.source}`);
  }
});

P('every resource type the compiler emits has a price, or says it has no charge or is not estimated', () => {
  const inRegistry = registryTypes();
  assert.ok(inRegistry.length >= 60, `read ${inRegistry.length} types from resources.ts`);
  // Both network modes (NAT gateways or interface endpoints), every tier, status and DNS mode.
  const dir = inTempDir((d) => {
    const endpoints = join(d, 'endpoints');
    generateEstate(endpoints, 60, join(SAMPLE_TENANTS, 'platform.yaml'));
    writeFileSync(
      join(endpoints, 'platform.yaml'),
      readFileSync(join(endpoints, 'platform.yaml'), 'utf8').replace(/appEgress: internet/, 'appEgress: endpoints'),
    );
    return emittedTypes([SAMPLE_TENANTS, join(FIXTURES, 'estates', 'minimal'), endpoints]);
  });
  assert.ok(dir.has('AWS::EC2::NatGateway') && dir.has('AWS::EC2::VPCEndpoint') && dir.has('Custom::TenantRegistration'), 'the estates emit both egress modes');
  const all = new Set([...inRegistry, ...dir.keys()]);
  assert.equal(missingFrom(SHIPPED_PRICES, all), [], 'types without an entry in prices/us-east-1.json');
  // Entries for types nothing emits would be stale prices nobody reads.
  assert.equal(
    Object.keys(SHIPPED_PRICES.resourceTypes).filter((t) => !all.has(t)),
    [],
    'entries for types tenantc does not emit',
  );
});

P('a type added to the compiler without an entry fails the coverage check (the mutation)', () => {
  const { 'AWS::EC2::NatGateway': _gone, ...rest } = SHIPPED_PRICES.resourceTypes;
  const mutated: PriceTable = { ...SHIPPED_PRICES, resourceTypes: rest };
  assert.equal(missingFrom(mutated, registryTypes()), ['AWS::EC2::NatGateway']);
  // And a type the compiler would emit tomorrow (one the registry has that no table entry names) is caught the same way.
  assert.equal(missingFrom(SHIPPED_PRICES, ['AWS::Example::NotYetEmitted']), ['AWS::Example::NotYetEmitted']);
});

P('priced types and pricers match both ways', () => {
  const priced = Object.entries(SHIPPED_PRICES.resourceTypes)
    .filter(([, e]) => e.charge === 'priced')
    .map(([t]) => t)
    .sort();
  assert.equal(priced, Object.keys(PRICERS).sort());
});

P('a table that breaks the schema is refused with every problem at its line and column', () => {
  const text = readFileSync(join(PRICES_FIXTURES, 'invalid-schema.json'), 'utf8');
  const r = checkedTable(tableSource('prices.json', text), PRICED_TYPES);
  assert.not.ok(r.ok);
  assertGoldenFile(join(PRICES_FIXTURES, 'invalid-schema.expected.txt'), `${r.ok ? '' : r.diagnostics.map(formatDiagnostic).join('\n')}\n`);
});

P('a table that breaks the rules beyond the schema is refused the same way', () => {
  const text = readFileSync(join(PRICES_FIXTURES, 'invalid-rules.json'), 'utf8');
  const r = checkedTable(tableSource('prices.json', text), PRICED_TYPES);
  assert.not.ok(r.ok);
  const out = r.ok ? '' : r.diagnostics.map(formatDiagnostic).join('\n');
  assert.ok(!r.ok && r.diagnostics.every((d) => d.code === 'price-table'), out);
  assertGoldenFile(join(PRICES_FIXTURES, 'invalid-rules.expected.txt'), `${out}\n`);
});

P('status and diff refuse a bad --prices: 1 for a bad table, 2 for a missing file; nothing is written', async () => {
  const bad = await runMain(['status', '--tenants', SAMPLE_TENANTS, '--prices', join(PRICES_FIXTURES, 'invalid-rules.json')]);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /invalid-rules\.json:\d+:\d+: /);
  assert.match(bad.stderr, 'nothing was written');
  const missing = await runMain(['status', '--tenants', SAMPLE_TENANTS, '--prices', join(PRICES_FIXTURES, 'no-such.json')]);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, 'cannot read the price table');
  const prices = await runMain(['prices']);
  assert.is(prices.status, 0);
  assert.match(prices.stdout, 'ec2.instance.m5.large: $0.096 per hour');
});

// The Price List API, mocked: each query is answered with one product per price.
type Product = { sku: string; usd: number | { begin: string; end: string; usd: number }[]; date?: string; attributes?: Record<string, string> };
const product = (p: Product) =>
  JSON.stringify({
    product: { sku: p.sku, attributes: p.attributes ?? {} },
    terms: {
      OnDemand: {
        [`${p.sku}.JRTCKXETXF`]: {
          effectiveDate: `${p.date ?? '2026-11-01'}T00:00:00Z`,
          priceDimensions: Object.fromEntries(
            (typeof p.usd === 'number' ? [{ begin: '0', end: 'Inf', usd: p.usd }] : p.usd).map((d, i) => [
              `${p.sku}.JRTCKXETXF.${i}`,
              { unit: 'Hrs', description: `${p.sku} tier ${i}`, beginRange: d.begin, endRange: d.end, pricePerUnit: { USD: String(d.usd) } },
            ]),
          ),
        },
      },
    },
  });

const filtersOf = (q: { filters: Readonly<Record<string, string>> }): Filter[] =>
  Object.entries(q.filters).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value }));

/** Answers every query of the shipped table with a product priced 10% above the table's price. */
function answerAll(mock: ReturnType<typeof mockClient>, table: PriceTable) {
  for (const [key, p] of Object.entries(table.prices)) {
    const q = priceQuery(key);
    if (!q) continue;
    const usd = p.tiers
      ? p.tiers.map((t, i) => ({ begin: String(i === 0 ? 0 : p.tiers![i - 1]!.upTo), end: t.upTo === undefined ? 'Inf' : String(t.upTo), usd: t.usd * 1.1 }))
      : (p.usd ?? 0) * 1.1;
    mock
      .on(GetProductsCommand, {
        ServiceCode: q.serviceCode,
        Filters: filtersOf(q),
      })
      .resolves({
        PriceList: [product({ sku: `SKU-${key}`, usd })],
      });
  }
}

const capture = () => {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd: ROOT },
    out: () => ({ stdout, stderr }),
  };
};

P('prices --update rewrites every price it has a query for, with the SKU and the effective date as its source', async () => {
  const mock = mockClient(PricingClient);
  try {
    answerAll(mock, SHIPPED_PRICES);
    await inTempDir(async (dir) => {
      const path = join(dir, 'prices.json');
      const c = capture();
      assert.is(await updatePrices(SHIPPED_PRICES, path, 'prices.json', c.io), 0, c.out().stderr);
      const written = JSON.parse(readFileSync(path, 'utf8')) as PriceTable;
      const nat = written.prices['vpc.natGateway']!;
      assert.is(nat.usd, Number((0.045 * 1.1).toString()));
      assert.is(nat.date, '2026-11-01');
      assert.match(nat.source, 'AWS Price List API (pricing:GetProducts AmazonEC2, SKU SKU-vpc.natGateway');
      // A tiered price takes the API's tiers.
      assert.equal(
        written.prices['route53.hostedZone']!.tiers!.map((t) => t.upTo),
        [25, undefined],
      );
      // A price without a query is kept as it was, and said so.
      assert.equal(written.prices['cloudfront.distributionTenant'], SHIPPED_PRICES.prices['cloudfront.distributionTenant']);
      assert.match(c.out().stdout, /kept as they were \(no Price List query: .*cloudfront\.distributionTenant/);
      // The written table is a valid table.
      const again = checkedTable(tableSource('prices.json', readFileSync(path, 'utf8')), PRICED_TYPES);
      assert.ok(again.ok);
      const requests = mock.commandCalls(GetProductsCommand);
      assert.ok(requests.every((r) => r.args[0].input.Filters?.some((f) => f.Field === 'regionCode' || f.Field === 'usagetype')));
    });
  } finally {
    mock.restore();
  }
});

P('an ambiguous, missing or implausible answer writes nothing and says which price and why', async () => {
  const mock = mockClient(PricingClient);
  try {
    answerAll(mock, SHIPPED_PRICES);
    const ec2 = priceQuery('ec2.instance.m5.large')!;
    const filters = filtersOf(ec2);
    mock
      .on(GetProductsCommand, { ServiceCode: 'AmazonEC2', Filters: filters })
      .resolves({ PriceList: [product({ sku: 'A', usd: 0.096 }), product({ sku: 'B', usd: 0.1 })] });
    const kms = priceQuery('kms.key')!;
    mock
      .on(GetProductsCommand, {
        ServiceCode: kms.serviceCode,
        Filters: filtersOf(kms),
      })
      .resolves({ PriceList: [] });
    const alarm = priceQuery('cloudwatch.alarm')!;
    mock
      .on(GetProductsCommand, {
        ServiceCode: alarm.serviceCode,
        Filters: filtersOf(alarm),
      })
      .resolves({ PriceList: [product({ sku: 'C', usd: 10 })] });
    await inTempDir(async (dir) => {
      const path = join(dir, 'prices.json');
      const c = capture();
      assert.is(await updatePrices(SHIPPED_PRICES, path, 'prices.json', c.io), 1);
      assert.not.ok(existsSync(path), 'nothing written');
      const err = c.out().stderr;
      assert.match(err, 'ec2.instance.m5.large: 2 products match');
      assert.match(err, 'kms.key: the Price List has no product');
      assert.match(err, 'cloudwatch.alarm: the Price List answers $10');
      assert.match(err, '3 prices could not be refreshed; nothing was written');
    });
  } finally {
    mock.restore();
  }
});

P('an answer whose words break the string grammar writes nothing: --update never writes a table --prices refuses', async () => {
  const table: PriceTable = { ...SHIPPED_PRICES, prices: { 'kms.key': SHIPPED_PRICES.prices['kms.key']!, 'elb.alb': SHIPPED_PRICES.prices['elb.alb']! } };
  const hostile: Record<string, string> = { 'kms.key': 'K\n{{resolve:ssm:/x}}', 'elb.alb': `L${'x'.repeat(1100)}` };
  const r = await updateTable(table, async (q) => {
    const key = q.serviceCode === 'awskms' ? 'kms.key' : 'elb.alb';
    return { priceList: [product({ sku: hostile[key]!, usd: table.prices[key]!.usd! })], nextToken: undefined };
  });
  assert.is(r.table, null);
  assert.equal(
    r.problems.map((p) => p.replace(/\(got \d+\)/, '(got N)')),
    [
      'kms.key: the source its answer gives (SKU "K\\n{{resolve:ssm:/x}}") must not contain "{{" (CloudFormation would resolve it as a dynamic reference)',
      `elb.alb: the source its answer gives (SKU ${JSON.stringify(hostile['elb.alb'])}) must be at most 1024 characters long (got N)`,
    ],
  );
});

P('pages are followed; an AWS error is reported as such and writes nothing', async () => {
  const table: PriceTable = { ...SHIPPED_PRICES, prices: { 'kms.key': SHIPPED_PRICES.prices['kms.key']! } };
  const pages: (string | undefined)[] = [];
  const r = await updateTable(table, async (_q, token) => {
    pages.push(token);
    return token ? { priceList: [product({ sku: 'K', usd: 1 })], nextToken: undefined } : { priceList: [], nextToken: 'page-2' };
  });
  assert.equal(pages, [undefined, 'page-2']);
  assert.is(r.table?.prices['kms.key']?.source, 'AWS Price List API (pricing:GetProducts awskms, SKU K: "K tier 0")');

  const mock = mockClient(PricingClient);
  try {
    mock.on(GetProductsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await inTempDir(async (dir) => {
      const c = capture();
      assert.is(await updatePrices(table, join(dir, 'p.json'), 'p.json', c.io), 1);
      assert.match(c.out().stderr, 'the AWS Price List API: ThrottlingException (HTTP 400): Rate exceeded');
      assert.not.ok(existsSync(join(dir, 'p.json')));
    });
  } finally {
    mock.restore();
  }
});

P.run();
