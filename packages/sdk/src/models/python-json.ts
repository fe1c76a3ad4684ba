/**
 * JSON as Python's `json.dumps` writes it by default (`", "` and `": "` separators, non-ASCII
 * escaped), which is how MLflow stores signatures inside `MLmodel`: keel's files then read the same
 * as MLflow's, byte for byte where the content is the same.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries.map(([k, v]) => `${escapeAscii(JSON.stringify(k))}: ${pythonJsonDumps(v)}`).join(', ')}}`
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
  return escapeAscii(JSON.stringify(value) ?? 'null')
}

const escapeAscii = (json: string): string =>
  json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
