// `tenantc prices`: the price table as text, and `--update`, which asks the AWS Price
// List API (pricing:GetProducts) for each price it knows how to find and rewrites the
// table with the answers, their effective dates and their SKUs as sources.
//
// A price is found by its service code and attribute filters, then exactly one product
// must remain: two answers mean the query is not precise enough, none that AWS names
// the product otherwise; either way nothing is written, and the message says which
// price and why. An answer more than five times away from the table's value is refused
// as a likely wrong product. The SDK is imported when --update runs, like deploy's.
// A table is held to the string grammar (schema/prices.schema.json): an answer whose
// words would break it is refused too, so --update never writes a table --prices refuses.
import pricesSchema from '../../schema/prices.schema.json' with { type: 'json' };
import type { Io } from '../../cli/command.ts';
import { EXIT_INVALID, EXIT_OK } from '../../cli/command.ts';
import { grammarViolation } from '../plan/manifestText.ts';
import type { Price, PriceTable, PriceTier } from './prices.ts';
import { writeOut } from './command.ts';

/** The Price List API answers from us-east-1 (also eu-central-1 and ap-south-1). */
export const PRICE_LIST_REGION = 'us-east-1';
const MAX_PAGES = 20;
/** An answer this many times above or below the table's value is refused as a likely wrong product. */
const SANITY_FACTOR = 5;
/** The longest source a table may give a price (schema/prices.schema.json). */
const SOURCE_CAP = pricesSchema.$defs.price.properties.source.maxLength;

export interface PriceQuery {
  readonly serviceCode: string;
  /** TERM_MATCH filters on product attributes. */
  readonly filters: Readonly<Record<string, string>>;
  /** Keeps the products the filters cannot tell apart by attributes they do not filter on. */
  readonly keep?: (attributes: Readonly<Record<string, string>>) => boolean;
}

const ENGINES: Record<string, string> = { 'aurora-postgresql': 'Aurora PostgreSQL', 'aurora-mysql': 'Aurora MySQL' };
const CACHE_ENGINES: Record<string, string> = { valkey: 'Valkey', redis: 'Redis' };

/** How to find a price of the table in the Price List; null for prices it has no query for (kept as they are). */
export function priceQuery(key: string): PriceQuery | null {
  const region = { regionCode: PRICE_LIST_REGION };
  let m: RegExpExecArray | null;
  if ((m = /^ec2\.instance\.(.+)$/.exec(key)))
    return {
      serviceCode: 'AmazonEC2',
      filters: {
        ...region,
        instanceType: m[1]!,
        operatingSystem: 'Linux',
        tenancy: 'Shared',
        preInstalledSw: 'NA',
        capacitystatus: 'Used',
        licenseModel: 'No License required',
      },
    };
  if ((m = /^ebs\.(.+)$/.exec(key))) return { serviceCode: 'AmazonEC2', filters: { ...region, productFamily: 'Storage', volumeApiName: m[1]! } };
  if ((m = /^rds\.([a-z-]+)\.(db\..+)$/.exec(key)) && ENGINES[m[1]!])
    return {
      serviceCode: 'AmazonRDS',
      filters: { ...region, instanceType: m[2]!, databaseEngine: ENGINES[m[1]!]!, deploymentOption: 'Single-AZ' },
      // Aurora Standard: I/O-Optimized instances are another product of the same class.
      keep: (a) => !/IOOptimized/i.test(a.usagetype ?? ''),
    };
  if ((m = /^elasticache\.([a-z]+)\.(cache\..+)$/.exec(key)) && CACHE_ENGINES[m[1]!])
    return { serviceCode: 'AmazonElastiCache', filters: { ...region, instanceType: m[2]!, cacheEngine: CACHE_ENGINES[m[1]!]! } };
  const fixed: Record<string, PriceQuery> = {
    'elb.alb': { serviceCode: 'AWSELB', filters: { ...region, productFamily: 'Load Balancer-Application', usagetype: 'LoadBalancerUsage' } },
    'vpc.publicIpv4': { serviceCode: 'AmazonVPC', filters: { ...region, usagetype: 'PublicIPv4:InUseAddress' } },
    'vpc.natGateway': { serviceCode: 'AmazonEC2', filters: { ...region, productFamily: 'NAT Gateway', usagetype: 'NatGateway-Hours' } },
    'vpc.natGateway.data': { serviceCode: 'AmazonEC2', filters: { ...region, productFamily: 'NAT Gateway', usagetype: 'NatGateway-Bytes' } },
    'vpc.interfaceEndpoint': { serviceCode: 'AmazonVPC', filters: { ...region, productFamily: 'VpcEndpoint', usagetype: 'VpcEndpoint-Hours' } },
    'vpc.interfaceEndpoint.data': { serviceCode: 'AmazonVPC', filters: { ...region, productFamily: 'VpcEndpoint', usagetype: 'VpcEndpoint-Bytes' } },
    'kms.key': { serviceCode: 'awskms', filters: { ...region, usagetype: 'KMS-Keys' } },
    'secretsmanager.secret': { serviceCode: 'AWSSecretsManager', filters: { ...region, usagetype: 'AWSSecretsManager-Secrets' } },
    'cloudwatch.alarm': { serviceCode: 'AmazonCloudWatch', filters: { ...region, usagetype: 'CW:AlarmMonitorUsage' } },
    'cloudwatch.metric': { serviceCode: 'AmazonCloudWatch', filters: { ...region, usagetype: 'CW:MetricMonitorUsage' } },
    'logs.ingest': { serviceCode: 'AmazonCloudWatch', filters: { ...region, usagetype: 'DataProcessing-Bytes' } },
    'logs.storage': { serviceCode: 'AmazonCloudWatch', filters: { ...region, usagetype: 'TimedStorage-ByteHrs' } },
    'route53.hostedZone': { serviceCode: 'AmazonRoute53', filters: { usagetype: 'HostedZone' } },
  };
  return fixed[key] ?? null;
}

interface PriceDimension {
  readonly unit?: string;
  readonly description?: string;
  readonly beginRange?: string;
  readonly endRange?: string;
  readonly pricePerUnit?: { readonly USD?: string };
}
interface PriceListProduct {
  readonly product?: { readonly sku?: string; readonly attributes?: Record<string, string> };
  readonly terms?: { readonly OnDemand?: Record<string, { readonly effectiveDate?: string; readonly priceDimensions?: Record<string, PriceDimension> }> };
}

/** What the API answered for one price, turned into a table entry, or why it cannot be. */
export function priceFromProducts(key: string, current: Price, products: readonly PriceListProduct[], query: PriceQuery): Price | string {
  const kept = products.filter((p) => !query.keep || query.keep(p.product?.attributes ?? {}));
  if (kept.length === 0) return `${key}: the Price List has no product for ${JSON.stringify(query.filters)} (${query.serviceCode})`;
  if (kept.length > 1)
    return `${key}: ${kept.length} products match ${JSON.stringify(query.filters)} (${query.serviceCode}: SKUs ${kept.map((p) => p.product?.sku ?? '?').join(', ')}); the query must name one`;
  const product = kept[0]!;
  const terms = Object.values(product.terms?.OnDemand ?? {});
  if (terms.length !== 1) return `${key}: SKU ${product.product?.sku ?? '?'} has ${terms.length} on-demand terms, not one`;
  const term = terms[0]!;
  const dims = Object.values(term.priceDimensions ?? {})
    .map((d) => ({
      d,
      begin: Number(d.beginRange ?? '0'),
      end: d.endRange === undefined || d.endRange === 'Inf' ? Infinity : Number(d.endRange),
      usd: Number(d.pricePerUnit?.USD),
    }))
    .sort((a, b) => a.begin - b.begin);
  if (dims.length === 0 || dims.some((x) => !Number.isFinite(x.usd) || x.usd < 0)) return `${key}: SKU ${product.product?.sku ?? '?'} has no price in USD`;
  const first = dims[0]!;
  if (first.begin !== 0) return `${key}: SKU ${product.product?.sku ?? '?'}'s first tier starts at ${first.begin}, not 0`;
  // A table price with tiers takes the API's tiers; a flat one takes the first tier.
  const tiers: PriceTier[] | undefined = current.tiers ? dims.map((x) => (x.end === Infinity ? { usd: x.usd } : { upTo: x.end, usd: x.usd })) : undefined;
  const usd = first.usd;
  if (current.usd !== null && current.usd > 0 && usd > 0 && (usd > current.usd * SANITY_FACTOR || usd < current.usd / SANITY_FACTOR))
    return `${key}: the Price List answers $${usd} per ${first.d.unit ?? '?'} (SKU ${product.product?.sku ?? '?'}), more than ${SANITY_FACTOR} times away from the table's $${current.usd}: check the query`;
  const date = (term.effectiveDate ?? '').slice(0, 10);
  const source = `AWS Price List API (pricing:GetProducts ${query.serviceCode}, SKU ${product.product?.sku ?? '?'}${tiers ? '' : dims.length > 1 ? ', first tier' : ''}: "${first.d.description ?? ''}")`;
  const wrong = grammarViolation(source) ?? (source.length > SOURCE_CAP ? `must be at most ${SOURCE_CAP} characters long (got ${source.length})` : null);
  if (wrong) return `${key}: the source its answer gives (SKU ${JSON.stringify(product.product?.sku ?? '?')}) ${wrong}`;
  return {
    usd,
    ...(tiers ? { tiers } : {}),
    unit: current.unit,
    description: current.description,
    date: /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : current.date,
    source,
  };
}

/** The client's one call, as updateTable needs it (tests give it a mocked client). */
export type GetProducts = (query: PriceQuery, nextToken: string | undefined) => Promise<{ priceList: readonly string[]; nextToken: string | undefined }>;

export interface UpdateResult {
  readonly table: PriceTable | null;
  readonly refreshed: readonly string[];
  readonly kept: readonly string[];
  readonly problems: readonly string[];
}

/** Asks for every price the table has a query for; the table comes back only when all were found. */
export async function updateTable(table: PriceTable, getProducts: GetProducts): Promise<UpdateResult> {
  const prices: Record<string, Price> = {};
  const refreshed: string[] = [];
  const kept: string[] = [];
  const problems: string[] = [];
  for (const [key, current] of Object.entries(table.prices)) {
    const query = priceQuery(key);
    if (!query) {
      prices[key] = current;
      kept.push(key);
      continue;
    }
    const products: PriceListProduct[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await getProducts(query, token);
      for (const text of page.priceList) products.push(JSON.parse(text) as PriceListProduct);
      token = page.nextToken;
    } while (token && ++pages < MAX_PAGES);
    const price = priceFromProducts(key, current, products, query);
    if (typeof price === 'string') problems.push(price);
    else {
      prices[key] = price;
      refreshed.push(key);
    }
  }
  return { table: problems.length ? null : { ...table, prices }, refreshed, kept, problems };
}

/** `tenantc prices --update`: the real client, writing the table whole or not at all. */
export async function updatePrices(table: PriceTable, path: string, display: string, io: Io, profile?: string): Promise<number> {
  const { GetProductsCommand, PricingClient } = await import('@aws-sdk/client-pricing');
  const client = new PricingClient({ region: PRICE_LIST_REGION, ...(profile ? { profile } : {}) });
  const getProducts: GetProducts = async (query, nextToken) => {
    const r = await client.send(
      new GetProductsCommand({
        ServiceCode: query.serviceCode,
        Filters: Object.entries(query.filters).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value })),
        FormatVersion: 'aws_v1',
        MaxResults: 100,
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    return { priceList: (r.PriceList ?? []).map(String), nextToken: r.NextToken };
  };
  let result: UpdateResult;
  try {
    result = await updateTable(table, getProducts);
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    io.stderr.write(
      `tenantc prices: the AWS Price List API: ${err.name}${err.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : ''}: ${err.message}\nnothing was written\n`,
    );
    return EXIT_INVALID;
  } finally {
    client.destroy();
  }
  if (!result.table) {
    for (const p of result.problems) io.stderr.write(`tenantc prices: ${p}\n`);
    io.stderr.write(`${result.problems.length} price${result.problems.length === 1 ? '' : 's'} could not be refreshed; nothing was written\n`);
    return EXIT_INVALID;
  }
  writeOut(path, `${JSON.stringify(result.table, null, 2)}\n`);
  io.stdout.write(
    `wrote ${display}: ${result.refreshed.length} prices refreshed from the AWS Price List API${result.kept.length ? `; ${result.kept.length} kept as they were (no Price List query: ${result.kept.join(', ')})` : ''}\n`,
  );
  return EXIT_OK;
}

/** `tenantc prices`: every price with its date and source, then how each resource type is treated. */
export function describeTable(table: PriceTable, name: string): string {
  const lines = [`${name}: ${table.region}, ${table.currency}, ${table.hoursPerMonth} hours a month`, '', 'Prices'];
  for (const [key, p] of Object.entries(table.prices)) {
    const value =
      p.usd === null ? 'no price' : p.tiers ? p.tiers.map((t) => `$${t.usd}${t.upTo !== undefined ? ` to ${t.upTo}` : ' beyond'}`).join(', ') : `$${p.usd}`;
    lines.push(`  ${key}: ${value} per ${p.unit} (${p.date}): ${p.description}`, `      source: ${p.source}`);
  }
  lines.push('', 'Assumptions');
  for (const [key, a] of Object.entries(table.assumptions)) lines.push(`  ${key} = ${a.value} ${a.unit}: ${a.description} (${a.source})`);
  const by = (charge: string) => Object.entries(table.resourceTypes).filter(([, e]) => e.charge === charge);
  lines.push('', `Resource types: ${by('priced').length} priced, ${by('none').length} free, ${by('not-estimated').length} not estimated`);
  for (const [type, e] of Object.entries(table.resourceTypes))
    lines.push(
      `  ${type}: ${e.charge === 'priced' ? `priced (${e.prices.join(', ')})${e.note ? `; ${e.note}` : ''}` : `${e.charge === 'none' ? 'no charge' : 'not estimated'}: ${e.reason}`}`,
    );
  return `${lines.join('\n')}\n`;
}
