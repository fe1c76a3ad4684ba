/**
 * Which browser origins may call this server across origins (CORS), besides its own. None by
 * default; unlike MLflow, no `http://localhost:*` origin is trusted implicitly: another program's
 * page on this machine is another origin.
 */
import { globPattern } from './glob.js'

export interface AllowedOrigins {
  /** `*`: every origin, without credentials (cookies and HTTP auth are never allowed for `*`). */
  readonly any: boolean
  readonly entries: readonly string[]
  readonly exact: ReadonlySet<string>
  readonly patterns: readonly RegExp[]
}

/** How an origin is allowed: listed by the operator (exactly or by a pattern), by `*`, or not at all. */
export type OriginGrant = 'listed' | 'any' | undefined

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s@]+$/

/** Checks one `--cors-allowed-origins` entry; returns the reason it is unusable, if it is. */
export function invalidOriginEntry(entry: string): string | undefined {
  const e = normaliseOriginEntry(entry)
  if (e === '*') return undefined
  if (e === '') return 'an empty origin'
  if (e === 'null')
    return "'null' cannot be allowed: it is the origin of sandboxed frames and local files, shared by every page"
  if (!ORIGIN.test(e))
    return `'${entry.trim()}' is not an origin (give scheme://host[:port], e.g. https://app.example.com, without a path)`
  return undefined
}

function normaliseOriginEntry(entry: string): string {
  return entry.trim().toLowerCase().replace(/\/$/, '')
}

export function compileAllowedOrigins(entries: readonly string[]): AllowedOrigins {
  const clean = entries.map(normaliseOriginEntry).filter((e) => e !== '')
  const listed = clean.filter((e) => e !== '*')
  return {
    any: clean.includes('*'),
    entries: clean,
    exact: new Set(listed.filter((e) => !e.includes('*'))),
    patterns: listed.filter((e) => e.includes('*')).map(globPattern),
  }
}

export function grantOf(allowed: AllowedOrigins, origin: string): OriginGrant {
  const o = origin.toLowerCase()
  if (o !== 'null' && (allowed.exact.has(o) || allowed.patterns.some((p) => p.test(o)))) return 'listed'
  return allowed.any ? 'any' : undefined
}

/** Whether `origin` is this server's own, as the browser reached it (the Host header it sent). */
export function isOwnOrigin(origin: string, host: string): boolean {
  const o = origin.toLowerCase()
  return o === `http://${host}` || o === `https://${host}`
}
