// `tenantc status`: the manifests and the lock → the plan → the status model → text,
// JSON or a page. Reads no AWS and writes nothing but --out.
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../diagnostics.ts';
import { checkEstate, type Loaded, loadSources } from '../pipeline.ts';
import { PRICED_TYPES } from './pricers.ts';
import { type PriceTable, readPriceTable, SHIPPED_PRICES, SHIPPED_PRICES_FILE } from './prices.ts';
import { renderStatusHtml } from './renderHtml.ts';
import { renderStatusText } from './renderText.ts';
import { estateStatus, type StatusModel } from './status.ts';

export type StatusFormat = 'text' | 'json' | 'html';

export interface StatusRequest {
  readonly cwd: string;
  readonly tenants: string;
  readonly format: StatusFormat;
  readonly out: string | null;
  readonly prices: string | null;
}

export type StatusOutcome =
  | { readonly ok: true; readonly model: StatusModel; readonly output: string }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly usage: boolean };

/** The price table of a run: the shipped one, or --prices FILE checked by its schema. */
export function pricesFor(
  path: string | null,
  cwd: string,
): { ok: true; table: PriceTable; name: string } | { ok: false; diagnostics: readonly Diagnostic[]; usage: boolean } {
  if (path === null) return { ok: true, table: SHIPPED_PRICES, name: `${SHIPPED_PRICES_FILE} (shipped)` };
  const r = readPriceTable(path, cwd, PRICED_TYPES);
  if (!r.ok) return { ok: false, diagnostics: r.diagnostics, usage: r.diagnostics.some((d) => d.code === 'file-unreadable') };
  return { ok: true, table: r.table, name: path };
}

export function renderStatus(format: StatusFormat, model: StatusModel): string {
  if (format === 'json') return `${JSON.stringify(model, null, 2)}\n`;
  if (format === 'html') return renderStatusHtml(model);
  return renderStatusText(model);
}

/**
 * `load` reads the manifests and the lock (req.tenants by default), after the price
 * table: the tests give generated estates of thousands of tenants from memory (writing
 * and deleting the files cost more than their status).
 */
export function statusOf(req: StatusRequest, load: () => Loaded = () => loadSources(req.tenants, req.cwd)): StatusOutcome {
  const prices = pricesFor(req.prices, req.cwd);
  if (!prices.ok) return prices;
  const loaded = load();
  const checked = checkEstate(req.tenants, loaded);
  if (!checked.ok) return { ok: false, diagnostics: checked.diagnostics, usage: false };
  const lockText = loaded.lock?.bytes ? Buffer.from(loaded.lock.bytes).toString('utf8') : null;
  const model = estateStatus({
    plan: checked.plan,
    prices: prices.table,
    pricesName: prices.name,
    manifests: req.tenants,
    lockUpToDate: lockText === checked.lock,
    declaredQuotas: new Set(Object.keys(checked.estate.platform.value.quotas ?? {})),
  });
  return { ok: true, model, output: renderStatus(req.format, model) };
}

/** Writes --out whole or not at all: beside it, then renamed over it. */
export function writeOut(path: string, content: string): void {
  const tmp = resolve(dirname(path), `.${process.pid}.${Date.now()}.tenantc-status.tmp`);
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export function formatProblems(diagnostics: readonly Diagnostic[]): string {
  const files = new Set(diagnostics.map((d) => d.file)).size;
  return `${diagnostics.map(formatDiagnostic).join('\n')}\n${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; nothing was written\n`;
}
