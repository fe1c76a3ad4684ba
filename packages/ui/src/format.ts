/** How the UI writes times, durations and numbers. */
export function formatTime(ms: number | undefined): string {
  if (!ms) return ''
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

export function formatAgo(ms: number | undefined, now = Date.now()): string {
  if (!ms) return ''
  const s = Math.round((now - ms) / 1000)
  if (s < 60) return `${Math.max(0, s)}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`
  return `${Math.floor(s / 86_400)}d ago`
}

export function formatDuration(start: number, end: number | undefined): string {
  if (!end) return ''
  const s = Math.max(0, (end - start) / 1000)
  if (s < 60) return `${s.toFixed(1)}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`
  return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`
}

export function formatNumber(value: number | undefined): string {
  if (value === undefined) return ''
  if (!Number.isFinite(value)) return String(value)
  if (Number.isInteger(value)) return String(value)
  const abs = Math.abs(value)
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return value.toExponential(4)
  return value.toPrecision(6).replace(/\.?0+$/, '')
}

/**
 * A short duration in milliseconds at a useful precision: `850µs`, `3.42ms`, `12.5ms`, `230ms`,
 * `1.53s`, `12.3s`, `2m 5s`, `1h 2m` (spans and traces are mostly well under a second).
 */
export function formatMillis(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return ''
  const abs = Math.max(0, ms)
  // Each bound is where rounding would carry into the next unit's digits (999.7µs is 1.00ms).
  if (abs < 0.9995) return `${Math.round(abs * 1000)}µs`
  if (abs < 9.995) return `${abs.toFixed(2)}ms`
  if (abs < 99.95) return `${abs.toFixed(1)}ms`
  if (abs < 999.5) return `${Math.round(abs)}ms`
  const s = abs / 1000
  if (s < 9.995) return `${s.toFixed(2)}s`
  if (s < 59.95) return `${s.toFixed(1)}s`
  const whole = Math.round(s)
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${whole % 60}s`
  return `${Math.floor(whole / 3600)}h ${Math.floor((whole % 3600) / 60)}m`
}
