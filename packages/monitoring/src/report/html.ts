// The self-contained HTML report: one file, inline CSS, inline SVG plots and a few lines of inline
// script for sorting, filtering and expanding rows; no external scripts, fonts or images. Light
// and dark follow the reader's system setting. Its size follows the number of columns only.

import type { ColumnSummary } from '../quality/summary.js'
import type { DriftReport, ReportColumn } from './drift-report.js'
import { escapeHtml as e, formatNumber as num, formatPercent as pct } from './format.js'
import { histogramSvg } from './svg.js'

const CSS = `
:root{--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--card:#f5f7f9;--ref:#4c78a8;--cur:#f28e2b;--bad:#c62828;--ok:#2e7d32;--warn:#a15c00;--hover:#eef2f6}
@media (prefers-color-scheme:dark){:root{--bg:#14171b;--fg:#e3e6ea;--muted:#9aa4b0;--line:#2f353d;--card:#1c2026;--ref:#6f9fd8;--cur:#f5a25a;--bad:#ef6b6b;--ok:#66bb6a;--warn:#e0a040;--hover:#222830}}
*{box-sizing:border-box}body{margin:0;padding:24px 32px;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}.meta{color:var(--muted);margin:0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:18px}.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;min-width:190px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:20px;font-weight:600;margin-top:2px}.card .s{color:var(--muted);font-size:12px}
.bad{color:var(--bad)}.ok{color:var(--ok)}.warn{color:var(--warn)}
.tools{display:flex;gap:16px;align-items:center;margin-bottom:8px}input[type=search]{background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:6px;padding:6px 10px;width:260px;font:inherit}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
td.n{font-variant-numeric:tabular-nums;text-align:right}th.n{text-align:right}
tbody.col>tr.row{cursor:pointer}tbody.col>tr.row:hover{background:var(--hover)}
.tog{display:inline-block;width:14px;color:var(--muted)}tbody.col.open .tog{transform:rotate(90deg)}
.name{font-weight:600;word-break:break-all}.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.pill.bad{background:color-mix(in srgb,var(--bad) 15%,transparent)}.pill.ok{background:color-mix(in srgb,var(--ok) 15%,transparent)}.pill.warn{background:color-mix(in srgb,var(--warn) 15%,transparent)}
tr.detail>td{background:var(--card);padding:14px 18px}.detail-grid{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}.detail-grid>*{flex:0 0 auto}
.plot{max-width:100%;height:auto;font-size:11px}.plot text{fill:var(--muted)}.plot .axis{stroke:var(--line);fill:none}.plot .ref{fill:var(--ref);fill-opacity:.6}.plot .cur{fill:var(--cur);fill-opacity:.6}
.legend{font-size:12px;color:var(--muted);margin-bottom:4px}.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
table.stats{width:auto;font-size:13px}table.stats th{cursor:default}table.stats td,table.stats th{padding:3px 10px}table.stats td+td{text-align:right;font-variant-numeric:tabular-nums}table.stats td.t{text-align:left;max-width:260px;word-break:break-all}
ul.findings{margin:0;padding-left:18px}ul.findings li{margin:2px 0}.err-msg{color:var(--bad)}
.empty{color:var(--muted);padding:12px 0}
`

const SCRIPT = `
(()=>{const t=document.getElementById('columns');if(!t)return;const q=document.getElementById('filter'),only=document.getElementById('only-drifted');
t.addEventListener('click',ev=>{const r=ev.target.closest('tr.row');if(!r)return;const b=r.parentElement;const d=b.querySelector('tr.detail');const open=d.hidden;d.hidden=!open;b.classList.toggle('open',open);r.setAttribute('aria-expanded',String(open))});
t.addEventListener('keydown',ev=>{if((ev.key==='Enter'||ev.key===' ')&&ev.target.matches('tr.row')){ev.preventDefault();ev.target.click()}});
const apply=()=>{const s=q.value.trim().toLowerCase();for(const b of t.tBodies){const m=(!s||b.dataset.name.toLowerCase().includes(s))&&(!only.checked||b.dataset.drifted==='1');b.hidden=!m}};
q.addEventListener('input',apply);only.addEventListener('change',apply);
t.tHead.addEventListener('click',ev=>{const th=ev.target.closest('th');if(!th||!th.dataset.key)return;const k=th.dataset.key,asc=th.getAttribute('aria-sort')!=='ascending';
for(const h of t.tHead.rows[0].cells)h.removeAttribute('aria-sort');th.setAttribute('aria-sort',asc?'ascending':'descending');
const v=b=>{const x=b.dataset[k];const n=Number(x);return x!==''&&!Number.isNaN(n)?n:x};
const bs=[...t.tBodies].sort((a,b)=>{const x=v(a),y=v(b);const c=typeof x==='number'&&typeof y==='number'?x-y:String(x).localeCompare(String(y));return asc?c:-c});
for(const b of bs)t.appendChild(b)})})();
`

function driftCells(c: ReportColumn): string {
  const d = c.drift
  if (d.status === 'error') {
    return `<td>${e(d.test ?? '—')}</td><td class="n">—</td><td class="n">—</td><td class="n">—</td><td><span class="pill warn" title="${e(d.error.message)}">error</span></td>`
  }
  const score = d.pValue !== undefined ? `p = ${num(d.pValue)}` : num(d.distance ?? d.score)
  const pill = d.drifted ? '<span class="pill bad">✗ drifted</span>' : '<span class="pill ok">✓ no drift</span>'
  return `<td>${e(d.test)}${d.defaultTest ? '' : ' <span class="s">(chosen)</span>'}</td><td class="n">${num(d.statistic)}</td><td class="n">${score}</td><td class="n">${num(d.threshold)}</td><td>${pill}</td>`
}

const STAT_ROWS: [string, (s: ColumnSummary) => string][] = [
  ['rows', (s) => num(s.rows)],
  ['count', (s) => num(s.count)],
  ['missing', (s) => `${num(s.missing)} (${pct(s.rows ? s.missing / s.rows : null)})`],
  ['infinite', (s) => num(s.infinite)],
  ['distinct', (s) => num(s.distinct)],
  ['mean', (s) => num(s.mean)],
  ['std', (s) => num(s.std)],
  ['min', (s) => num(s.min)],
  ['25%', (s) => num(s.q25)],
  ['50%', (s) => num(s.median)],
  ['75%', (s) => num(s.q75)],
  ['max', (s) => num(s.max)],
]

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

function statsTable(c: ReportColumn): string {
  const r = c.quality.reference
  const u = c.quality.current
  const numeric = (r?.mean ?? u?.mean) !== undefined && (r?.mean !== null || u?.mean !== null)
  const rows = STAT_ROWS.filter(
    ([k]) => numeric || !['mean', 'std', 'min', '25%', '50%', '75%', 'max', 'infinite'].includes(k),
  )
  let html =
    '<table class="stats"><thead><tr><th></th><th class="n">reference</th><th class="n">current</th></tr></thead><tbody>'
  for (const [k, f] of rows) html += `<tr><td>${k}<td>${r ? f(r) : '—'}<td>${u ? f(u) : '—'}</tr>`
  const top = (s: ColumnSummary | undefined) =>
    (s?.top ?? [])
      .slice(0, 3)
      .map((t) => `${e(cut(t.value, 30))} (${num(t.count)})`)
      .join(', ') || '—'
  if (r?.top || u?.top) html += `<tr><td>top values<td class="t">${top(r)}<td class="t">${top(u)}</tr>`
  return `${html}</tbody></table>`
}

function columnBody(c: ReportColumn, findings: DriftReport['quality']['findings']): string {
  const d = c.drift
  const mine = findings.filter((f) => f.column === c.column)
  const worst = mine.some((f) => f.severity === 'error') ? 'bad' : mine.length ? 'warn' : ''
  const score = d.status === 'ok' ? d.score : ''
  const stat = d.status === 'ok' && Number.isFinite(d.statistic) ? d.statistic : ''
  const dataType = c.quality.referenceType ?? c.quality.currentType
  const typeLabel =
    d.featureType === 'num' || (!d.featureType && dataType === 'numeric')
      ? 'numerical'
      : d.featureType === 'cat' || (dataType && dataType !== 'empty')
        ? 'categorical'
        : '—'
  const attrs = `data-name="${e(c.column)}" data-type="${e(typeLabel)}" data-test="${e(d.test ?? '')}" data-stat="${stat}" data-score="${score}" data-drifted="${d.status === 'ok' && d.drifted ? 1 : 0}" data-issues="${mine.length}"`
  const plot = c.histogram
    ? `<div><div class="legend"><span class="sw" style="background:var(--ref)"></span>reference<span class="sw" style="background:var(--cur)"></span>current</div>${histogramSvg(c.histogram)}</div>`
    : '<div class="empty">No values to plot.</div>'
  const errorLine = d.status === 'error' ? `<p class="err-msg">${e(d.error.message)}</p>` : ''
  const list = mine.length
    ? `<ul class="findings">${mine.map((f) => `<li class="${f.severity === 'error' ? 'bad' : 'warn'}">${e(f.message)}</li>`).join('')}</ul>`
    : ''
  return (
    `<tbody class="col" ${attrs}><tr class="row" tabindex="0" aria-expanded="false"><td><span class="tog">▸</span> <span class="name">${e(c.column)}</span></td><td>${e(typeLabel)}</td>${driftCells(c)}` +
    `<td class="n ${worst}">${mine.length || ''}</td></tr>` +
    `<tr class="detail" hidden><td colspan="8">${errorLine}${list}<div class="detail-grid">${plot}${statsTable(c)}</div></td></tr></tbody>`
  )
}

/** The report as one self-contained HTML page. */
export function renderHtmlReport(report: DriftReport): string {
  const d = report.drift
  const findings = report.quality.findings
  const errors = findings.filter((f) => f.severity === 'error').length
  const verdict = d.datasetDrift
    ? '<span class="bad">Drift detected</span>'
    : '<span class="ok">No dataset drift</span>'
  const ds = (label: string, x: DriftReport['reference']) =>
    `${label}: ${x.name ? `<b>${e(x.name)}</b> ` : ''}${num(x.rows)} rows × ${num(x.columns)} columns`
  const head = ['Column', 'Type', 'Test', 'Statistic', 'p-value / distance', 'Threshold', 'Drift', 'Issues']
  const keys = ['name', 'type', 'test', 'stat', 'score', '', 'drifted', 'issues']
  const numeric = new Set([3, 4, 5, 7])
  const th = head
    .map((h, i) => `<th${keys[i] ? ` data-key="${keys[i]}"` : ''}${numeric.has(i) ? ' class="n"' : ''}>${h}</th>`)
    .join('')
  const schema = report.quality.schema
  const schemaLines = [
    schema.missingColumns.length ? `Missing in current: ${schema.missingColumns.map(e).join(', ')}` : '',
    schema.unexpectedColumns.length ? `Not in reference: ${schema.unexpectedColumns.map(e).join(', ')}` : '',
    ...schema.typeChanges.map((t) => `Type of ${e(t.column)}: ${t.reference} → ${t.current}`),
  ].filter(Boolean)
  const findingList = findings.length
    ? `<ul class="findings">${findings.map((f) => `<li class="${f.severity === 'error' ? 'bad' : 'warn'}">${e(f.message)}</li>`).join('')}</ul>`
    : '<p class="empty">No data-quality findings.</p>'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">
<title>Drift report${report.current.name ? ` — ${e(report.current.name)}` : ''}</title><style>${CSS}</style></head><body>
<header><h1>Data drift and quality report</h1><p class="meta">${ds('Reference', report.reference)} · ${ds('Current', report.current)} · ${e(report.createdAt)}</p></header>
<section class="cards">
<div class="card"><div class="k">Dataset</div><div class="v">${verdict}</div><div class="s">drift when ≥ ${pct(d.driftShare)} of columns drift</div></div>
<div class="card"><div class="k">Drifted columns</div><div class="v">${d.numberOfDriftedColumns} of ${d.numberOfColumns}</div><div class="s">share ${pct(d.shareOfDriftedColumns)}</div></div>
<div class="card"><div class="k">Columns with errors</div><div class="v${d.numberOfErrors ? ' warn' : ''}">${d.numberOfErrors}</div><div class="s">not counted in the share</div></div>
<div class="card"><div class="k">Quality findings</div><div class="v${errors ? ' bad' : findings.length ? ' warn' : ''}">${findings.length}</div><div class="s">${plural(errors, 'error')}, ${plural(findings.length - errors, 'warning')}</div></div>
</section>
<h2>Columns</h2>
<div class="tools"><input id="filter" type="search" placeholder="Filter columns" aria-label="Filter columns"><label><input id="only-drifted" type="checkbox"> drifted only</label><span class="meta">Click a column for its distributions and statistics; click a heading to sort.</span></div>
<table id="columns"><thead><tr>${th}</tr></thead>${report.columns.map((c) => columnBody(c, findings)).join('')}</table>
<h2>Data quality</h2>
${schemaLines.length ? `<p>${schemaLines.join('<br>')}</p>` : '<p class="meta">Schemas match.</p>'}
${findingList}
<script>${SCRIPT}</script></body></html>
`
}
