// The status page in a real browser: Debian's Chromium (/usr/bin/chromium; .ci/run
// installs it and sets TENANTC_REQUIRE_CHROMIUM), driven by playwright-core, one browser
// for the suite and a fresh context (no shared storage) per page, with the flags a
// closed network needs. The page must render without a
// console error or a request beyond itself, show the JSON format's numbers, sort and
// filter its table, and keep hostile tenant names as text. Each page's screenshot is
// written to TENANTC_SCREENSHOT_DIR (default: <tmp>/tenantc-status-page) to look at.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Loaded } from '../compiler/pipeline.ts';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { statusOf } from '../compiler/status/command.ts';
import { renderStatusHtml } from '../compiler/status/renderHtml.ts';
import type { StatusModel } from '../compiler/status/status.ts';
import { FIXTURES, generatedLoaded, inTempDir, SAMPLE_TENANTS } from './helpers.ts';

const B = suite('status page in Chromium');
const CHROMIUM = process.env.TENANTC_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = process.env.TENANTC_SCREENSHOT_DIR ?? join(tmpdir(), 'tenantc-status-page');
/** As the machine's documentation says Chromium must run here: no sandbox as root, nothing it would fetch on its own. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function model(dir: string, load?: () => Loaded): StatusModel {
  const req = { cwd: dir, tenants: '.', format: 'json', out: null, prices: null } as const;
  const r = statusOf(req, load);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.model;
}

interface Visit {
  readonly errors: string[];
  readonly requests: string[];
  readonly page: Page;
  readonly close: () => Promise<void>;
}

/**
 * One Chromium for the suite, started at the first visit: each start cost ~1 s of CPU
 * and of wall. Each visit has a context of its own (a new browser context shares no
 * cookies, storage or cache with another: a fresh profile, kept in memory).
 */
let browser: Promise<Browser> | null = null;

B.after(async () => {
  await (await browser)?.close();
});

async function open(html: string, name: string): Promise<Visit> {
  const dir = mkdtempSync(join(tmpdir(), 'tenantc-page-'));
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  browser ??= chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await (await browser).newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return {
    errors,
    requests,
    page,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The value at a dotted path of the model (`cost.byTier.0.usd`). */
function at(m: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v === null || v === undefined ? v : (v as Record<string, unknown>)[k]), m);
}

/** A figure as the page shows it ("$4,290", "1,000") back to a number. */
const shown = (text: string) => Number(text.replace(/[$,]/g, ''));

async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

async function checkNumbers(page: Page, m: StatusModel): Promise<number> {
  const figures = await page.$$eval('[data-path]', (els) => els.map((e) => ({ path: e.getAttribute('data-path')!, text: e.textContent ?? '' })));
  for (const f of figures) {
    const value = at(m, f.path);
    assert.type(value, 'number', `${f.path} is a number of the JSON format`);
    assert.is(shown(f.text), Math.round(value as number), `${f.path}: the page shows ${f.text}, the JSON ${String(value)}`);
  }
  return figures.length;
}

async function tableRows(page: Page): Promise<string[][]> {
  return page.$$eval('#tenant-rows tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => td.textContent ?? '')));
}

const available = existsSync(CHROMIUM);

B('Chromium is here, or its absence is allowed here', () => {
  if (!available) {
    console.log(`[expected] ${CHROMIUM} is not installed: the page's browser tests cannot run (apt-get install -y chromium)`);
    assert.not.ok(process.env.TENANTC_REQUIRE_CHROMIUM, 'Chromium is required here');
  }
});

if (available) {
  B("the sample estate: no console error, no request beyond the page, the JSON format's numbers, a table that sorts and filters", async () => {
    const m = model(SAMPLE_TENANTS);
    const v = await open(renderStatusHtml(m), 'sample');
    try {
      assert.equal(v.errors, []);
      assert.equal(v.requests.length, 1, v.requests.join('\n'));
      assert.match(v.requests[0]!, /^file:\/\//);
      const checked = await checkNumbers(v.page, m);
      assert.ok(checked >= 60, `${checked} figures checked`);

      // Every tenant, its figures as the JSON's, most expensive first.
      const rows = await tableRows(v.page);
      assert.is(rows.length, m.tenants.length);
      const byTotal = [...m.tenants].sort((a, b) => b.total - a.total || (a.id < b.id ? -1 : 1));
      rows.forEach((r, i) => {
        const t = byTotal[i]!;
        assert.equal([r[0], r[1], r[2], r[3]], [t.id, t.name, t.tier, t.status]);
        assert.equal(
          [shown(r[4]!), shown(r[9]!), shown(r[10]!), shown(r[11]!)],
          [t.users, Math.round(t.owned), Math.round(t.shared), Math.round(t.total)],
          t.id,
        );
      });
      assert.is(await v.page.textContent('#tenant-count'), `${m.tenants.length} of ${m.tenants.length} tenants`);

      // Sort by id (ascending), then by seats (largest first).
      await v.page.click('th[data-key="id"] button');
      assert.equal(
        (await tableRows(v.page)).map((r) => r[0]),
        m.tenants.map((t) => t.id),
      );
      assert.is(await v.page.getAttribute('th[data-key="id"]', 'aria-sort'), 'ascending');
      await v.page.click('th[data-key="users"] button');
      assert.equal(
        (await tableRows(v.page)).map((r) => shown(r[4]!)),
        [...m.tenants].map((t) => t.users).sort((a, b) => b - a),
      );
      // Filter by text, then by status.
      await v.page.fill('#tenant-filter', 'corp');
      const corp = m.tenants.filter((t) => t.id.includes('corp') || t.name.toLowerCase().includes('corp'));
      assert.is((await tableRows(v.page)).length, corp.length);
      await v.page.fill('#tenant-filter', '');
      await v.page.selectOption('#status-filter', 'suspended');
      assert.equal(
        (await tableRows(v.page)).map((r) => r[0]),
        m.tenants.filter((t) => t.status === 'suspended').map((t) => t.id),
      );
      await v.page.selectOption('#status-filter', '');
      const png = await screenshot(v.page, 'sample');
      assert.ok(statSync(png).size > 20_000, `${png} has a picture`);
      assert.equal(readFileSync(png).subarray(1, 4).toString(), 'PNG');
      assert.equal(v.errors, []);
    } finally {
      await v.close();
    }
  });

  B('500 generated tenants: the same numbers, every row, still no error', async () => {
    const m = model(process.cwd(), () => generatedLoaded(500));
    const v = await open(renderStatusHtml(m), 'generated-500');
    try {
      assert.equal(v.errors, []);
      assert.equal(v.requests.length, 1);
      assert.ok((await checkNumbers(v.page, m)) > 100);
      assert.is((await tableRows(v.page)).length, 500);
      await screenshot(v.page, 'generated-500');
    } finally {
      await v.close();
    }
  });

  B('hostile tenant names stay text: no markup, no script, the table intact', async () => {
    await inTempDir(async (dir) => {
      cpSync(join(FIXTURES, 'estates', 'minimal'), dir, { recursive: true });
      const hostile = '</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
      writeFileSync(join(dir, 'initech.yaml'), readFileSync(join(dir, 'initech.yaml'), 'utf8').replace('name: Initech', `name: '${hostile}'`));
      const m = model(dir);
      assert.ok(m.tenants.some((t) => t.name === hostile));
      const v = await open(renderStatusHtml(m), 'hostile');
      try {
        assert.is(await v.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
        assert.is(await v.page.$$eval('img', (els) => els.length), 0);
        assert.ok(
          (await tableRows(v.page)).some((r) => r[1] === hostile),
          'the name shows as written',
        );
        // Escaping alone holds: not even the Content-Security-Policy had anything to refuse.
        assert.equal(v.errors, []);
        assert.equal(v.requests.length, 1, v.requests.join('\n'));
      } finally {
        await v.close();
      }
    });
  });
}

B.run();
