// Inline SVG plots of a report column: reference against current, as shares of each dataset's
// non-missing values. Compact paths (one per dataset), so a plot is a few KB at most.

import type { CategoricalHistogram, Histogram, NumericHistogram } from './histograms.js'
import { escapeHtml, formatNumber } from './format.js'

const r1 = (x: number) => Math.round(x * 10) / 10

function shares(counts: number[], extra = 0): number[] {
  const total = counts.reduce((a, b) => a + b, 0) + extra
  return counts.map((c) => (total > 0 ? c / total : 0))
}

function numericSvg(h: NumericHistogram): string {
  const W = 560
  const H = 170
  const left = 44
  const right = 10
  const top = 10
  const bottom = 28
  const pw = W - left - right
  const ph = H - top - bottom
  const rs = shares(h.reference)
  const cs = shares(h.current)
  const ymax = Math.max(...rs, ...cs, 1e-12)
  const bins = h.reference.length
  const bw = pw / bins
  // one step outline per dataset: a few characters per bin
  const base = top + ph
  const path = (s: number[]) => {
    let d = `M${left} ${base}`
    for (const v of s) d += `V${r1(base - (v / ymax) * ph)}h${r1(bw)}`
    return `${d}V${base}z`
  }
  const lo = h.edges[0]!
  const hi = h.edges[h.edges.length - 1]!
  const ticks =
    lo === hi
      ? [[left + pw / 2, lo]]
      : [
          [left, lo],
          [left + pw / 2, (lo + hi) / 2],
          [left + pw, hi],
        ]
  const xLabels = ticks
    .map(
      ([x, v], i) =>
        `<text x="${r1(x!)}" y="${H - 8}" text-anchor="${ticks.length === 1 ? 'middle' : ['start', 'middle', 'end'][i]}">${escapeHtml(formatNumber(v!))}</text>`,
    )
    .join('')
  return (
    `<svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="histogram of reference and current">` +
    `<path class="axis" d="M${left} ${top}v${ph}h${pw}"/>` +
    `<text x="${left - 4}" y="${top + 8}" text-anchor="end">${escapeHtml(formatShare(ymax))}</text><text x="${left - 4}" y="${top + ph}" text-anchor="end">0</text>` +
    `<path class="ref" d="${path(rs)}"/><path class="cur" d="${path(cs)}"/>${xLabels}</svg>`
  )
}

function formatShare(x: number): string {
  return `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`
}

function categoricalSvg(h: CategoricalHistogram): string {
  const labels = [...h.categories]
  const ref = [...h.reference]
  const cur = [...h.current]
  if (h.referenceOther > 0 || h.currentOther > 0) {
    labels.push(`(${h.totalCategories - h.categories.length} others)`)
    ref.push(h.referenceOther)
    cur.push(h.currentOther)
  }
  const rs = shares(ref)
  const cs = shares(cur)
  const xmax = Math.max(...rs, ...cs, 1e-12)
  const W = 560
  const left = 150
  const right = 96
  const row = 20
  const H = labels.length * row + 6
  const pw = W - left - right
  let refD = ''
  let curD = ''
  let text = ''
  labels.forEach((label, i) => {
    const y = 3 + i * row
    const cut = label.length > 24
    const shown = cut ? `${label.slice(0, 23)}…` : label
    text += `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${cut ? `<title>${escapeHtml(label)}</title>` : ''}${escapeHtml(shown)}</text>`
    const rw = (rs[i]! / xmax) * pw
    const cw = (cs[i]! / xmax) * pw
    if (rw > 0) refD += `M${left} ${y + 2}h${r1(rw)}v7h${r1(-rw)}z`
    if (cw > 0) curD += `M${left} ${y + 10}h${r1(cw)}v7h${r1(-cw)}z`
    text += `<text class="val" x="${r1(Math.min(left + Math.max(rw, cw) + 4, W - right + 4))}" y="${y + 13}">${formatShare(rs[i]!)} → ${formatShare(cs[i]!)}</text>`
  })
  return (
    `<svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="category shares of reference and current">` +
    `<path class="axis" d="M${left} 0v${H}"/><path class="ref" d="${refD}"/><path class="cur" d="${curD}"/>${text}</svg>`
  )
}

/** The plot of one column's histogram. */
export function histogramSvg(h: Histogram): string {
  return h.kind === 'numeric' ? numericSvg(h) : categoricalSvg(h)
}
