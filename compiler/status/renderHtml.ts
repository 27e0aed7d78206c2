// `tenantc status --format html`: one self-contained page. Charts are bars drawn in HTML and CSS here;
// the tenants table sorts and filters with a small inline script. Nothing is fetched
// when the page is viewed: the Content-Security-Policy allows no source at all
// (default-src 'none'), only inline styles and the one inline script by its hash.
//
// Every manifest string is hostile until typed: text goes through escapeHtml, and the
// tenants' data is embedded as JSON with `<` escaped (so no `</script>` can close the
// element) and read by the script into text nodes, never into HTML.
import { createHash } from 'node:crypto';
import { int, usd } from './renderText.ts';
import type { StatusModel, Use } from './status.ts';

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** JSON safe inside a <script> element: no `<` or `>` (either alone keeps a `</script>` or `<!--` from forming; both are escaped), no line separators JavaScript would choke on. */
export const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** An element whose number the browser test checks against the JSON format: `path` is its place in the model. */
const num = (path: string, text: string) => `<span data-path="${escapeHtml(path)}">${escapeHtml(text)}</span>`;

const level = (percent: number) => (percent >= 95 ? 'bad' : percent >= 80 ? 'warn' : 'ok');

/** Short names of the quotas for the bars (the table beside them gives AWS's titles). */
const SHORT: Record<string, string> = {
  albRulesPerLoadBalancer: 'ALB rules (per shard)',
  albCertificatesPerLoadBalancer: 'ALB certificates (per shard)',
  albTargetGroupsPerLoadBalancer: 'ALB target groups (per shard)',
  loadBalancersPerRegion: 'ALBs per Region',
  cacheUsersPerUserGroup: 'cache users (per cluster)',
  hostedZones: 'Route 53 hosted zones',
  cognitoUserPools: 'Cognito user pools',
  cloudFrontDistributionTenants: 'CloudFront distribution tenants',
  acmCertificates: 'ACM certificates',
  cloudFormationStacks: 'CloudFormation stacks',
};

/** One horizontal bar: label, the bar, the figure. */
function bar(label: string, u: Use, path: string, note = '', fillsByDesign = false): string {
  const width = Math.max(0, Math.min(100, u.percent));
  // A shard, cache cluster or group is filled on purpose (a full one opens the next):
  // only the estate's quotas turn amber and red.
  return `<div class="bar-row"><div class="bar-label" title="${escapeHtml(label)}">${escapeHtml(label)}</div><div class="bar-track" role="img" aria-label="${escapeHtml(`${label}: ${u.used} of ${u.limit}`)}"><div class="bar-fill ${fillsByDesign ? 'fill' : level(u.percent)}" style="width:${width.toFixed(1)}%"></div><div class="bar-mark"></div></div><div class="bar-value">${num(`${path}.used`, int(u.used))}/${num(`${path}.limit`, int(u.limit))} <span class="muted">${u.percent.toFixed(1)}%</span>${note ? ` <span class="muted">${escapeHtml(note)}</span>` : ''}</div></div>`;
}

/** Bars of money or counts against the largest of them. */
function valueBars(rows: readonly { label: string; value: number; path: string; text: string; cls?: string }[]): string {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return rows
    .map(
      (r) =>
        `<div class="bar-row"><div class="bar-label">${escapeHtml(r.label)}</div><div class="bar-track" role="img" aria-label="${escapeHtml(`${r.label}: ${r.text}`)}"><div class="bar-fill ${r.cls ?? 'ok'}" style="width:${((r.value / max) * 100).toFixed(1)}%"></div></div><div class="bar-value">${num(r.path, r.text)}</div></div>`,
    )
    .join('');
}

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--ok:#2f81f7;--warn:#d29922;--bad:#cf222e;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#24292f;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:20px;font-weight:600}
header p{margin:4px 0 0;color:#c9d1d9}
main{max-width:1280px;margin:0 auto;padding:20px 28px 40px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin-bottom:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:24px;font-weight:600;margin-top:2px}
.card .s{color:var(--muted);font-size:12px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin-bottom:16px}
section h2{font-size:16px;margin:0 0 10px}
section h3{font-size:13px;margin:14px 0 6px;color:var(--muted);font-weight:600}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}
.bar-row{display:grid;grid-template-columns:200px 1fr 230px;align-items:center;gap:10px;margin:3px 0}
.bar-row.by-status{grid-template-columns:130px 1fr auto}
.stack{display:flex;height:14px;background:#eaeef2;border-radius:3px;overflow:hidden}
.stack>div{height:100%}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;color:var(--muted);margin-top:6px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.legend i.active,.stack .active{background:#1a7f37}.legend i.suspended,.stack .suspended{background:var(--warn)}.legend i.offboarded,.stack .offboarded{background:#8c959f}
.bar-label{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.bar-track{position:relative;height:14px;background:#eaeef2;border-radius:3px;overflow:hidden}
.bar-fill{height:100%}
.bar-fill.ok{background:var(--ok)}.bar-fill.fill{background:#8250df}.bar-fill.warn{background:var(--warn)}.bar-fill.bad{background:var(--bad)}
.bar-fill.active{background:#1a7f37}.bar-fill.suspended{background:var(--warn)}.bar-fill.offboarded{background:#8c959f}
.bar-mark{position:absolute;left:80%;top:0;bottom:0;border-left:1px dashed #6e7781}
.bar-value{font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{max-height:360px;overflow:auto;padding-right:4px}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
td.n,th.n{text-align:right}
.table-wrap thead th{position:sticky;top:0;background:var(--card)}
th button{all:unset;cursor:pointer;font-weight:600}
th button:focus-visible{outline:2px solid var(--accent)}
th[aria-sort=ascending] button::after{content:" \\25B2";font-size:10px}
th[aria-sort=descending] button::after{content:" \\25BC";font-size:10px}
.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin-bottom:8px}
.filters input,.filters select{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px}
.table-wrap{max-height:560px;overflow:auto;border:1px solid var(--line);border-radius:6px}
.pill{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;background:#eaeef2}
.pill.active{background:#dafbe1;color:#116329}.pill.suspended{background:#fff8c5;color:#7d4e00}.pill.offboarded{background:#eaeef2;color:#59636e}
.note{color:var(--muted);font-size:12px;margin:6px 0 0}
ul.compact{margin:4px 0;padding-left:18px}
`;

/** The table's script: filter, sort, render rows as text nodes. Its hash goes in the page's CSP. */
const SCRIPT = `(() => {
  'use strict';
  const rows = JSON.parse(document.getElementById('tenant-data').textContent);
  const body = document.getElementById('tenant-rows');
  const count = document.getElementById('tenant-count');
  const q = document.getElementById('tenant-filter');
  const tier = document.getElementById('tier-filter');
  const status = document.getElementById('status-filter');
  const headers = Array.from(document.querySelectorAll('#tenant-table th[data-key]'));
  const money = (n) => '$' + Math.round(n).toString().replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
  const whole = (n) => Math.round(n).toString().replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
  const numeric = new Set(['users', 'albShard', 'cacheCluster', 'group', 'owned', 'shared', 'total']);
  let key = 'total';
  let dir = -1;
  const cell = (text, cls) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  };
  const render = () => {
    const needle = q.value.trim().toLowerCase();
    const shown = rows.filter((r) =>
      (!needle || r.id.toLowerCase().includes(needle) || r.name.toLowerCase().includes(needle)) &&
      (!tier.value || r.tier === tier.value) && (!status.value || r.status === status.value));
    shown.sort((a, b) => {
      const x = a[key], y = b[key];
      const c = numeric.has(key) ? (x === null ? -1 : x) - (y === null ? -1 : y) : String(x).localeCompare(String(y));
      return c * dir || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    const frag = document.createDocumentFragment();
    for (const r of shown) {
      const tr = document.createElement('tr');
      tr.dataset.id = r.id;
      const st = document.createElement('td');
      const pill = document.createElement('span');
      pill.className = 'pill ' + r.status;
      pill.textContent = r.status;
      st.appendChild(pill);
      tr.append(cell(r.id), cell(r.name), cell(r.tier), st, cell(whole(r.users), 'n'), cell(r.dns),
        cell(String(r.albShard), 'n'), cell(r.cacheCluster === null ? 'dedicated' : String(r.cacheCluster), 'n'), cell(String(r.group), 'n'),
        cell(money(r.owned), 'n'), cell(money(r.shared), 'n'), cell(money(r.total), 'n'));
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
    count.textContent = shown.length + ' of ' + rows.length + ' tenants';
    for (const h of headers) h.setAttribute('aria-sort', h.dataset.key === key ? (dir > 0 ? 'ascending' : 'descending') : 'none');
  };
  for (const h of headers) h.querySelector('button').addEventListener('click', () => {
    if (key === h.dataset.key) dir = -dir; else { key = h.dataset.key; dir = numeric.has(key) ? -1 : 1; }
    render();
  });
  for (const el of [q, tier, status]) el.addEventListener('input', render);
  render();
})();`;

export function renderStatusHtml(m: StatusModel): string {
  const hash = createHash('sha256').update(SCRIPT).digest('base64');
  const e = m.estate;
  const c = m.cost;
  const title = `${e.platform}: estate status`;
  const binding = m.headroom.filter((h) => h.more !== null).sort((a, b) => a.more! - b.more!)[0];

  const cards = [
    `<div class="card"><div class="k">Tenants</div><div class="v">${num('estate.tenants', int(e.tenants))}</div><div class="s">${m.tiers.map((t) => `${escapeHtml(t.tier)} ${int(t.total)}`).join(' · ')}</div></div>`,
    `<div class="card"><div class="k">Estimated monthly cost</div><div class="v">${num('cost.total', usd(c.total))}</div><div class="s">on-demand, ${escapeHtml(e.region)}: an estimate</div></div>`,
    `<div class="card"><div class="k">Shared fleet</div><div class="v">${num('fleets.shared.min', int(m.fleets.shared.min))}–${num('fleets.shared.max', int(m.fleets.shared.max))}</div><div class="s">${escapeHtml(m.fleets.shared.instanceType)} for ${num('fleets.shared.seats', int(m.fleets.shared.seats))} seats</div></div>`,
    `<div class="card"><div class="k">Headroom</div><div class="v">${binding ? num(`headroom.${m.headroom.indexOf(binding)}.more`, int(binding.more!)) : 'no limit'}</div><div class="s">${binding ? `more ${escapeHtml(binding.tier)} tenants before ${escapeHtml(binding.bindingTitle ?? '')}` : ''}</div></div>`,
  ].join('');

  const statusTotals = (['active', 'suspended', 'offboarded'] as const).map((s) => ({
    status: s,
    n: m.tiers.reduce((x, t) => x + t[s], 0),
  }));
  // One stacked bar per tier: its tenants by status, against the largest tier.
  const largest = Math.max(1, ...m.tiers.map((t) => t.total));
  const statusNames = ['active', 'suspended', 'offboarded'] as const;
  const byStatus = `${m.tiers
    .map(
      (t, ti) =>
        `<div class="bar-row by-status"><div class="bar-label">${escapeHtml(t.tier)} (${num(`tiers.${ti}.total`, int(t.total))})</div><div class="stack" role="img" aria-label="${escapeHtml(
          `${t.tier}: ${statusNames.map((s) => `${t[s]} ${s}`).join(', ')}`,
        )}" style="width:${((t.total / largest) * 100).toFixed(1)}%">${statusNames
          .filter((s) => t[s] > 0)
          .map((s) => `<div class="${s}" style="width:${((t[s] / t.total) * 100).toFixed(1)}%"></div>`)
          .join(
            '',
          )}</div><div class="bar-value">${statusNames.map((s) => `${num(`tiers.${ti}.${s}`, int(t[s]))} <span class="muted">${s}</span>`).join(' · ')}</div></div>`,
    )
    .join(
      '',
    )}<div class="legend">${statusNames.map((s) => `<span><i class="${s}"></i>${s} ${int(statusTotals.find((x) => x.status === s)!.n)}</span>`).join('')}</div>`;
  const costByTier = valueBars(
    c.byTier.map((t, i) => ({ label: `${t.tier} (${int(t.tenants)})`, value: t.usd, path: `cost.byTier.${i}.usd`, text: usd(t.usd) })),
  );
  const costByLayer = valueBars(c.layers.slice(0, 12).map((l, i) => ({ label: l.layer, value: l.usd, path: `cost.layers.${i}.usd`, text: usd(l.usd) })));
  const quotaBars = m.quotas
    .map((q, i) => bar(SHORT[q.key] ?? q.title, q.use, `quotas.${i}.use`, q.where ? `(${q.where})` : '', q.scope !== 'estate'))
    .join('');
  const albBars = m.albShards
    .map(
      (s, i) =>
        `${bar(`ALB shard ${s.index} rules`, s.rules, `albShards.${i}.rules`, '', true)}${bar(`ALB shard ${s.index} certificates`, s.certificates, `albShards.${i}.certificates`, '', true)}`,
    )
    .join('');
  const cacheBars = m.cacheClusters.map((cl, i) => bar(`cache ${cl.index} users`, cl.users, `cacheClusters.${i}.users`, '', true)).join('');
  const groupBars = m.groups.map((g, i) => bar(`group ${g.index}`, g.stacks, `groups.${i}.stacks`, '', true)).join('');

  const tierHead = m.headroom.map((h) => `<th class="n">more ${escapeHtml(h.tier)}</th>`).join('');
  const quotaRows = m.quotas
    .map(
      (q, i) =>
        `<tr><td>${escapeHtml(q.title)}</td><td>${escapeHtml(q.scope)}</td><td class="n">${num(`quotas.${i}.limit`, int(q.limit))}${q.declared ? ' <span class="muted">declared</span>' : ''}</td><td class="n">${num(`quotas.${i}.use.used`, int(q.use.used))}</td><td class="n">${q.use.percent.toFixed(1)}%</td>${m.headroom
          .map((h) => {
            const v = q.more[h.tier];
            return `<td class="n">${q.scope !== 'estate' ? '—' : v === null || v === undefined ? 'never' : num(`quotas.${i}.more.${h.tier}`, int(v))}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const headroomList = m.headroom
    .map(
      (h, i) =>
        `<li><b>${escapeHtml(h.tier)}</b>: ${h.more === null ? 'no limit binds' : `${num(`headroom.${i}.more`, int(h.more))} more, then ${escapeHtml(h.bindingTitle ?? '')}`} <span class="muted">(a new tenant: platform DNS, one domain, ${int(h.newTenant.seats)} seats)</span></li>`,
    )
    .join('');
  const fleets = [
    `<tr><td>shared ${escapeHtml(m.fleets.shared.instanceType)}</td><td class="n">${int(m.fleets.shared.tenants)}</td><td class="n">${int(m.fleets.shared.min)}</td><td class="n">${int(m.fleets.shared.max)}</td><td class="n">${int(m.fleets.shared.seats)}</td></tr>`,
    ...m.fleets.dedicated
      .slice(0, 50)
      .map(
        (d) =>
          `<tr><td>${escapeHtml(d.tenant)} <span class="muted">${escapeHtml(d.tier)}, ${escapeHtml(d.status)}</span></td><td class="n">1</td><td class="n">${int(d.min)}</td><td class="n">${int(d.max)}</td><td class="n">${int(d.seats)}</td></tr>`,
      ),
  ].join('');
  const moreFleets =
    m.fleets.dedicated.length > 50
      ? `<p class="note">and ${int(m.fleets.dedicated.length - 50)} more dedicated fleets (the JSON format lists them all)</p>`
      : '';
  const options = (values: readonly string[]) => values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`).join('');
  const rows = m.tenants.map((t) => ({ ...t }));

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(e.platform)} <span style="font-weight:400">estate status</span></h1><p>${escapeHtml(e.region)} · ${int(e.tenants)} tenants from ${escapeHtml(e.manifests)}/ · written by <code>tenantc status --format html</code>${e.lockUpToDate ? '' : ' · placement as compile would make it: the placement lock is not up to date'}</p></header>
<main>
<div class="cards">${cards}</div>
<div class="grid2">
<section><h2>Tenants by status</h2>${byStatus}<p class="note">${m.statuses
    .map(
      (s) =>
        `${escapeHtml(s.status)}: ${s.routing === 'forward' ? 'served' : s.routing === 'suspended-page' ? 'answers the suspended page' : 'not routed'}, sign-in ${s.signIn ? 'on' : 'off'}`,
    )
    .join('; ')}.</p></section>
<section><h2>Estimated monthly cost by tier</h2>${costByTier}<h3>Shared layers (split among their tenants by seats)</h3>${costByLayer}</section>
</div>
<section><h2>AWS quotas</h2><div class="scroll">${quotaBars}</div><p class="note">The estate's quotas turn amber at 80% and red at 95% (the dashed line marks 80%). Per-shard quotas (purple) show the fullest shard, cache cluster or group: they are filled on purpose, and a full one opens the next.</p>
<table><thead><tr><th>quota</th><th>scope</th><th class="n">limit</th><th class="n">used</th><th class="n">use</th>${tierHead}</tr></thead><tbody>${quotaRows}</tbody></table>
<ul class="compact">${headroomList}</ul></section>
<div class="grid2">
<section><h2>ALB shards (${int(m.albShards.length)})</h2><div class="scroll">${albBars}</div></section>
<section><h2>Shared cache clusters (${int(m.cacheClusters.length)})</h2><div class="scroll">${cacheBars}</div><h3>Groups (${int(m.groups.length)}): tenant stacks of ${m.groups[0]?.stacks.limit ?? 40}</h3><div class="scroll">${groupBars}</div></section>
</div>
<section><h2>Fleets</h2><table><thead><tr><th>fleet</th><th class="n">tenants</th><th class="n">min</th><th class="n">max</th><th class="n">seats</th></tr></thead><tbody>${fleets}</tbody></table>${moreFleets}
<p class="note">The shared fleet's minimum is what its seats need (${int(m.fleets.shared.needed)} instances at ${int(m.fleets.shared.usersPerInstance)} seats each), at most ${int(m.fleets.shared.maxInstances)} (app.capacity.maxInstances).</p></section>
<section><h2>Tenants</h2>
<div class="filters"><label>Find <input id="tenant-filter" type="search" placeholder="id or name" autocomplete="off"></label>
<label>Tier <select id="tier-filter"><option value="">all</option>${options(m.tiers.map((t) => t.tier))}</select></label>
<label>Status <select id="status-filter"><option value="">all</option>${options(['active', 'suspended', 'offboarded'])}</select></label>
<span id="tenant-count" class="muted"></span></div>
<div class="table-wrap"><table id="tenant-table"><thead><tr>${[
    ['id', 'tenant', ''],
    ['name', 'name', ''],
    ['tier', 'tier', ''],
    ['status', 'status', ''],
    ['users', 'seats', 'n'],
    ['dns', 'DNS', ''],
    ['albShard', 'ALB shard', 'n'],
    ['cacheCluster', 'cache', 'n'],
    ['group', 'group', 'n'],
    ['owned', 'own', 'n'],
    ['shared', 'shared', 'n'],
    ['total', 'total / month', 'n'],
  ]
    .map(([key, label, cls]) => `<th data-key="${key}"${cls ? ` class="${cls}"` : ''} aria-sort="none"><button type="button">${label}</button></th>`)
    .join('')}</tr></thead><tbody id="tenant-rows"></tbody></table></div>
<p class="note">Costs are estimates: ${escapeHtml(c.rule)}.</p></section>
<section><h2>What the estimate assumes and leaves out</h2>
<p>Prices: ${escapeHtml(c.prices.table)}, dated ${escapeHtml(c.prices.oldest ?? '—')} to ${escapeHtml(c.prices.newest ?? '—')}; ${c.currency}, on-demand.</p>
<h3>Assumptions</h3><ul class="compact">${c.assumptions.map((a) => `<li><code>${escapeHtml(a.key)}</code> = ${a.value} ${escapeHtml(a.unit)}: ${escapeHtml(a.description)}</li>`).join('')}</ul>
<h3>Left out</h3><ul class="compact">${c.leftOut.map((l) => `<li>${escapeHtml(l.what)}${l.count ? ` (${int(l.count)})` : ''}: ${escapeHtml(l.why)}</li>`).join('')}</ul></section>
</main>
<script type="application/json" id="tenant-data">${scriptJson(rows)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
