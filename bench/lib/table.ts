/** Plain-text table and progress line for benchmark output (no dependencies). */

export type Cell = string | number

/** Renders rows as an aligned table; numbers are right-aligned, text left-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)))
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly Cell[]): string =>
    cells
      .map((c, i) => {
        const s = String(c)
        const w = widths[i] ?? s.length
        return typeof c === 'number' || /^[-+]?[\d.,]+\s*\S*$/.test(s) ? s.padStart(w) : s.padEnd(w)
      })
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [line(header), rule, ...rows.map(line)].join('\n')
}

/** Formats a number with a fixed count of significant-looking decimals. */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'n/a'
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US')
  return x.toFixed(digits)
}

export function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}x` : 'n/a'
}

/**
 * A one-line progress indicator on stderr. On a TTY it redraws in place (at most ~10 times a
 * second); otherwise it prints a line every 10 %, so CI logs stay short.
 */
export class Progress {
  private done = 0
  private lastDraw = 0
  private lastDecile = -1
  private readonly started = performance.now()
  private readonly tty = process.stderr.isTTY === true

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  tick(n = 1): void {
    this.done += n
    const now = performance.now()
    if (this.tty) {
      if (now - this.lastDraw >= 100 || this.done >= this.total) {
        this.lastDraw = now
        process.stderr.write(`\r${this.text(now)}`)
      }
    } else {
      const decile = Math.floor((this.done / this.total) * 10)
      if (decile !== this.lastDecile) {
        this.lastDecile = decile
        process.stderr.write(`${this.text(now)}\n`)
      }
    }
  }

  finish(): void {
    if (this.tty) process.stderr.write(`\r${this.text(performance.now())}\n`)
  }

  private text(now: number): string {
    const secs = (now - this.started) / 1000
    const rate = secs > 0 ? this.done / secs : 0
    const eta = rate > 0 ? (this.total - this.done) / rate : 0
    const pct = ((this.done / this.total) * 100).toFixed(0).padStart(3)
    return `  ${this.label}: ${pct}% ${this.done}/${this.total}  ${rate.toFixed(rate < 10 ? 1 : 0)}/s  ${secs.toFixed(0)}s elapsed, ~${eta.toFixed(0)}s left   `
  }
}
