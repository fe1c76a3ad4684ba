/**
 * A server's browser-security settings, with MLflow's flag names: `--allowed-hosts`,
 * `--cors-allowed-origins`, `--x-frame-options`. Built once at start; `check.ts` applies it to
 * each request.
 */
import { hostname, networkInterfaces } from 'node:os'
import {
  type AllowedHosts,
  LOCALHOST_NAMES,
  type Machine,
  compileAllowedHosts,
  defaultAllowedHosts,
  invalidHostEntry,
} from './hosts.js'
import { type AllowedOrigins, compileAllowedOrigins, invalidOriginEntry } from './origins.js'

/** `X-Frame-Options`: who may show the UI in a frame. `NONE` sends no header (any page may). */
export type FrameOptions = 'DENY' | 'SAMEORIGIN' | 'NONE'

export interface WebSecurityOptions {
  /** Host names answered besides the localhost names (default: the bound address; on 0.0.0.0, the machine's). */
  readonly allowedHosts?: readonly string[]
  /** Origins allowed to call across origins (default: none, same-origin only). */
  readonly corsAllowedOrigins?: readonly string[]
  /** Default SAMEORIGIN. */
  readonly xFrameOptions?: FrameOptions
}

export interface WebSecurityPolicy {
  readonly hosts: AllowedHosts
  readonly origins: AllowedOrigins
  readonly frameOptions: FrameOptions
}

/** This machine's interface addresses and name. */
export function localMachine(): Machine {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address))
  return { addresses, hostname: hostname() }
}

/** The policy of a server listening on `bindHost`. Throws with a readable message on a bad entry. */
export function webSecurityPolicy(
  bindHost: string,
  options: WebSecurityOptions = {},
  machine: Machine = localMachine(),
): WebSecurityPolicy {
  const hosts =
    options.allowedHosts === undefined
      ? defaultAllowedHosts(bindHost, machine)
      : [...LOCALHOST_NAMES, ...options.allowedHosts]
  for (const entry of options.allowedHosts ?? []) {
    const problem = invalidHostEntry(entry)
    if (problem !== undefined) throw new Error(`--allowed-hosts: ${problem}`)
  }
  for (const entry of options.corsAllowedOrigins ?? []) {
    const problem = invalidOriginEntry(entry)
    if (problem !== undefined) throw new Error(`--cors-allowed-origins: ${problem}`)
  }
  return {
    hosts: compileAllowedHosts(hosts),
    origins: compileAllowedOrigins(options.corsAllowedOrigins ?? []),
    frameOptions: options.xFrameOptions ?? 'SAMEORIGIN',
  }
}

/** Splits a comma-separated flag value (`a, b,c`) into its entries. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Parses `--x-frame-options` (case-insensitive); throws naming the accepted values. */
export function parseFrameOptions(value: string): FrameOptions {
  const v = value.trim().toUpperCase()
  if (v === 'DENY' || v === 'SAMEORIGIN' || v === 'NONE') return v
  throw new Error(`--x-frame-options: expected DENY, SAMEORIGIN or NONE, got '${value}'`)
}

/**
 * The Content-Security-Policy of the web UI: its own scripts, styles and API only, no inline
 * script, no plugins, no `<base>` or form target elsewhere, images also from data: and blob: URLs
 * (previews), and framing as `X-Frame-Options` says.
 */
export function uiContentSecurityPolicy(frameOptions: FrameOptions): string {
  const directives = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ]
  if (frameOptions === 'DENY') directives.push("frame-ancestors 'none'")
  if (frameOptions === 'SAMEORIGIN') directives.push("frame-ancestors 'self'")
  return directives.join('; ')
}
