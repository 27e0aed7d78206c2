// The price table: what the estimate multiplies quantities by. The shipped one is
// prices/us-east-1.json (bundled into the CLI); `--prices FILE` takes another, checked
// by schema/prices.schema.json and then by the rules below, every problem at its line
// and column, like a manifest.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import shipped from '../../prices/us-east-1.json' with { type: 'json' };
import { type Diagnostic, sortDiagnostics } from '../diagnostics.ts';
import { parseManifest } from '../load/parseManifest.ts';
import type { SourceFile } from '../load/sourceFile.ts';
import { validateAgainstSchema } from '../validate/schema.ts';

export type PriceUnit = 'hour' | 'month' | 'GB' | 'GB-month' | 'MAU';

export interface PriceTier {
  /** Units up to which (over the estate's month) this tier's price applies; absent on the last. */
  readonly upTo?: number;
  readonly usd: number;
}

export interface Price {
  /** Per unit; null when no price is known (the estimate then leaves it out, saying so). */
  readonly usd: number | null;
  readonly tiers?: readonly PriceTier[];
  readonly unit: PriceUnit;
  readonly description: string;
  /** YYYY-MM-DD. */
  readonly date: string;
  readonly source: string;
}

export interface Assumption {
  readonly value: number;
  readonly unit: string;
  readonly description: string;
  readonly source: string;
}

export type ResourceTypeCharge =
  | { readonly charge: 'priced'; readonly prices: readonly string[]; readonly note?: string }
  | { readonly charge: 'none' | 'not-estimated'; readonly reason: string };

export interface PriceTable {
  readonly region: 'us-east-1';
  readonly currency: 'USD';
  readonly hoursPerMonth: number;
  readonly prices: Readonly<Record<string, Price>>;
  readonly assumptions: Readonly<Record<string, Assumption>>;
  readonly resourceTypes: Readonly<Record<string, ResourceTypeCharge>>;
}

/** The assumptions the estimate reads: a table without one of them is refused. */
export const ASSUMPTIONS = [
  'cognito.mauPerSeat',
  'logs.ingestGbPerSeatMonth',
  'logs.storedFractionOfIngest',
  'nat.gbPerGatewayMonth',
  'interfaceEndpoint.gbPerEndpointMonth',
] as const;
export type AssumptionKey = (typeof ASSUMPTIONS)[number];

/** The table this tenantc ships (prices/us-east-1.json), checked by test/prices.test.ts. */
export const SHIPPED_PRICES = shipped as unknown as PriceTable;
export const SHIPPED_PRICES_FILE = 'prices/us-east-1.json';

/** A price table larger than this is not one. */
const PRICE_FILE_CAP_BYTES = 1024 * 1024;

export type PriceTableResult = { readonly ok: true; readonly table: PriceTable } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/**
 * The rules beyond the schema: each priced type names prices the table has, tiers are
 * ascending and end open, and the estimate's assumptions are all there. `pricedTypes`
 * are the types this tenantc can price: a table that marks another type priced is
 * refused (tenantc would have no way to count it).
 */
export function checkPriceTable(source: SourceFile, table: PriceTable, pricedTypes: ReadonlySet<string>): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const at = (path: (string | number)[], message: string) => problems.push(source.diagnostic('price-table', path, message));
  for (const [type, entry] of Object.entries(table.resourceTypes)) {
    if (entry.charge !== 'priced') continue;
    if (!pricedTypes.has(type))
      at(['resourceTypes', type, 'charge'], `${type} is marked priced, but tenantc has no way to count it: mark it "none" or "not-estimated" with a reason`);
    entry.prices.forEach((key, i) => {
      const known = key.endsWith('*') ? Object.keys(table.prices).some((k) => k.startsWith(key.slice(0, -1))) : key in table.prices;
      if (!known) at(['resourceTypes', type, 'prices', i], `${type} names the price "${key}", which this table does not have`);
    });
  }
  for (const [key, price] of Object.entries(table.prices)) {
    const tiers = price.tiers ?? [];
    tiers.forEach((tier, i) => {
      const last = i === tiers.length - 1;
      if (last && tier.upTo !== undefined)
        at(['prices', key, 'tiers', i], `the last tier of "${key}" must have no upTo: it covers everything above the tier before`);
      if (!last && tier.upTo === undefined) at(['prices', key, 'tiers', i], `tier ${i + 1} of "${key}" needs an upTo: only the last tier is open`);
      const previous = tiers[i - 1]?.upTo;
      if (tier.upTo !== undefined && previous !== undefined && tier.upTo <= previous)
        at(['prices', key, 'tiers', i, 'upTo'], `the tiers of "${key}" must rise: ${tier.upTo} follows ${previous}`);
    });
    if (tiers.length && price.usd !== tiers[0]!.usd)
      at(['prices', key, 'usd'], `"${key}" has tiers: its usd must be the first tier's price (${tiers[0]!.usd})`);
  }
  for (const key of ASSUMPTIONS) if (!(key in table.assumptions)) at(['assumptions'], `missing the assumption "${key}", which the estimate uses`);
  return problems;
}

/** Reads and checks a price table given with --prices (I/O edge). */
export function readPriceTable(path: string, cwd: string, pricedTypes: ReadonlySet<string>): PriceTableResult {
  const full = resolve(cwd, path);
  let bytes: Buffer | null = null;
  let size = 0;
  let readError: string | undefined;
  try {
    size = statSync(full).size;
    if (size <= PRICE_FILE_CAP_BYTES) bytes = readFileSync(full);
  } catch (e) {
    readError = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
  if (readError)
    return {
      ok: false,
      diagnostics: [{ code: 'file-unreadable', file: path, position: { line: 1, col: 1 }, message: `cannot read the price table (${readError})` }],
    };
  if (bytes === null)
    return {
      ok: false,
      diagnostics: [
        {
          code: 'file-too-large',
          file: path,
          position: { line: 1, col: 1 },
          message: `file is ${size} bytes, over the ${PRICE_FILE_CAP_BYTES}-byte limit for a price table`,
        },
      ],
    };
  const parsed = parseManifest({ path, name: path, size, bytes });
  if (!parsed.source) return { ok: false, diagnostics: parsed.diagnostics };
  return checkedTable(parsed.source, pricedTypes);
}

/** Schema first, then the rules: a table is used only when both find nothing. */
export function checkedTable(source: SourceFile, pricedTypes: ReadonlySet<string>): PriceTableResult {
  const schema = validateAgainstSchema('Prices', source, source.value);
  if (schema.length) return { ok: false, diagnostics: sortDiagnostics(schema) };
  const table = source.value as PriceTable;
  const rules = checkPriceTable(source, table, pricedTypes);
  return rules.length ? { ok: false, diagnostics: sortDiagnostics(rules) } : { ok: true, table };
}
