/**
 * A webhook's target: only http and https, and only addresses the operator's AddressPolicy allows.
 * A host name is resolved here and every address it resolves to is checked; the request then
 * connects to those checked addresses only (its `lookup` answers with them), so a name that
 * resolves elsewhere a moment later (DNS rebinding) is never reached.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { AddressPolicy } from './address-policy.js'

export interface ResolvedAddress {
  readonly address: string
  readonly family: 4 | 6
}

/** Resolves a host name to its addresses (the system resolver by default; tests inject their own). */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>

export const systemResolver: Resolver = async (host) => {
  const found = await dnsLookup(host, { all: true, verbatim: true })
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))
}

export type TargetCheck =
  | { readonly ok: true; readonly url: URL; readonly host: string; readonly addresses?: readonly ResolvedAddress[] }
  | { readonly ok: false; readonly reason: string; readonly unresolved?: boolean }

const ALLOW_HINT = "allow it in the server's --config under webhooks.allow"

/** The URL's host without IPv6 brackets. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1')

/**
 * Checks a webhook URL: its scheme, then its host: a literal address against the policy, a name
 * the operator allows as is, or else every address the name resolves to. `addresses` are the
 * checked ones to connect to (absent for a literal address or an allowed name).
 */
export async function checkTarget(
  raw: string,
  policy: AddressPolicy,
  resolve: Resolver = systemResolver,
): Promise<TargetCheck> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, reason: `'${raw.slice(0, 200)}' is not a URL` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: `expected an http or https URL, not ${url.protocol.replace(/:$/, '')}` }
  const host = hostOf(url)
  if (isIP(host) !== 0) {
    const refused = policy.refusal(host)
    return refused === undefined
      ? { ok: true, url, host }
      : { ok: false, reason: `${host} is ${refused}; ${ALLOW_HINT}` }
  }
  if (policy.hostAllowed(host)) return { ok: true, url, host }
  let addresses: readonly ResolvedAddress[]
  try {
    addresses = await resolve(host)
  } catch {
    return { ok: false, reason: `host '${host}' could not be resolved`, unresolved: true }
  }
  if (addresses.length === 0) return { ok: false, reason: `host '${host}' could not be resolved`, unresolved: true }
  for (const a of addresses) {
    const refused = policy.refusal(a.address)
    if (refused !== undefined) return { ok: false, reason: `host '${host}' resolves to ${refused}; ${ALLOW_HINT}` }
  }
  return { ok: true, url, host, addresses }
}
