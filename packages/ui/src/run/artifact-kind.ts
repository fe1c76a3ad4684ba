/** How the artifact browser previews a file, from its name (no DOM). */

export type PreviewKind = 'image' | 'svg' | 'json' | 'csv' | 'tsv' | 'yaml' | 'text' | 'unknown'

const BY_EXTENSION: Record<string, PreviewKind> = {
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  bmp: 'image',
  svg: 'svg',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  yaml: 'yaml',
  yml: 'yaml',
  txt: 'text',
  log: 'text',
  md: 'text',
  py: 'text',
  r: 'text',
  sh: 'text',
  cfg: 'text',
  ini: 'text',
  toml: 'text',
  xml: 'text',
  html: 'text',
  js: 'text',
  ts: 'text',
  sql: 'text',
  jsonl: 'text',
  ipynb: 'json',
  lock: 'text',
  out: 'text',
  err: 'text',
}

const BY_NAME: Record<string, PreviewKind> = {
  MLmodel: 'yaml',
  Dockerfile: 'text',
  LICENSE: 'text',
  README: 'text',
  Makefile: 'text',
}

export function previewKind(path: string): PreviewKind {
  const base = path.split('/').pop() ?? ''
  const named = BY_NAME[base]
  if (named) return named
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return 'unknown'
  return BY_EXTENSION[base.slice(dot + 1).toLowerCase()] ?? 'unknown'
}

/** Bytes that decode as UTF-8 without NULs are shown as text even with an unknown extension. */
export function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192)
  if (head.includes(0)) return false
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(trimUtf8(head))
    return true
  } catch {
    return false
  }
}

/** A cut (the 8 KB sniff, or the 1 MB preview) may split a multi-byte character: drop the last character. */
function trimUtf8(bytes: Uint8Array): Uint8Array {
  let end = bytes.length
  let back = 0
  while (end > 0 && back < 3 && (bytes[end - 1]! & 0xc0) === 0x80) {
    end--
    back++
  }
  if (end > 0 && bytes[end - 1]! >= 0xc0) end--
  return bytes.subarray(0, end)
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return ''
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`
  return `${(n / 1024 ** 3).toFixed(2)} GB`
}

/** The parent folders of a path, outermost first: `a/b/c.txt` → [`a`, `a/b`]. */
export function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean)
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'))
}
