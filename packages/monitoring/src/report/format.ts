// Text helpers of the HTML report.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

/** A number for people: 4 significant digits, exponent for very small or large magnitudes. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—'
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞'
  if (x === 0) return '0'
  const a = Math.abs(x)
  if (a < 1e-3 || a >= 1e7) return x.toExponential(2)
  if (Number.isInteger(x)) return String(x)
  return String(Number(x.toPrecision(4)))
}

export function formatPercent(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—'
  if (x > 0 && x < 0.001) return '<0.1%'
  return `${(100 * x).toFixed(1)}%`
}
