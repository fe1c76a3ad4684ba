/**
 * The Host header check (DNS rebinding): which names this server answers to. A page that rebinds
 * its own name to this machine still sends that name in `Host`, so a server that answers only to
 * its own names cannot be driven that way.
 */
import { globPattern } from './glob.js'

/** The names every server answers to, on any port: a browser sends them only from a page of this server. */
export const LOCALHOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]']

/** A Host header split into its name (lower case, IPv6 in brackets) and port. */
export interface HostHeader {
  readonly name: string
  readonly port?: string
  /** The whole header, lower case. */
  readonly value: string
}

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/

/** Parses a Host header; undefined when it is missing or not a host[:port]. */
export function parseHostHeader(header: string | undefined): HostHeader | undefined {
  if (header === undefined) return undefined
  const value = header.trim().toLowerCase()
  const match = HOST.exec(value)
  if (match === null) return undefined
  const [, name = '', port] = match
  return port === undefined ? { name, value } : { name, port, value }
}

export interface AllowedHosts {
  /** `*`: every Host is answered. */
  readonly any: boolean
  /** The entries as given (and the defaults), for logs. */
  readonly entries: readonly string[]
  readonly patterns: readonly RegExp[]
}

/**
 * Compiles allowed-host entries. An entry matches the whole header (`keel.example.com:8443`) or the
 * name alone, so `keel.example.com` allows any port. `*` is a wildcard as in MLflow
 * (`*.example.com`, `10.0.*`); `*` alone allows every host.
 */
export function compileAllowedHosts(entries: readonly string[]): AllowedHosts {
  const clean = entries.map((e) => e.trim().toLowerCase()).filter((e) => e !== '')
  return { any: clean.includes('*'), entries: clean, patterns: clean.map(globPattern) }
}

export function isAllowedHost(allowed: AllowedHosts, host: HostHeader): boolean {
  if (allowed.any) return true
  return allowed.patterns.some((p) => p.test(host.value) || p.test(host.name))
}

/** Checks one `--allowed-hosts` entry; returns the reason it is unusable, if it is. */
export function invalidHostEntry(entry: string): string | undefined {
  const e = entry.trim()
  if (e === '') return 'an empty host name'
  if (/[\s/?#@,]/.test(e) || /^[a-z][a-z0-9+.-]*:\/\//i.test(e))
    return `'${e}' is not a host name (give names like keel.example.com, 10.0.0.5, [::1] or *.example.com, without a scheme or path)`
  return undefined
}

/** How a listening address is written in a Host header. */
export function hostName(address: string): string {
  const a = address.trim().toLowerCase().replace(/%.*$/, '')
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a
}

export interface Machine {
  /** Every address of every network interface. */
  readonly addresses: readonly string[]
  readonly hostname: string
}

/**
 * The default allowed hosts of a server bound to `bindHost`: the localhost names, and the bound
 * address; bound to every interface (0.0.0.0, ::), each interface's address and the machine's name.
 */
export function defaultAllowedHosts(bindHost: string, machine: Machine): string[] {
  const bound = hostName(bindHost)
  const names = [...LOCALHOST_NAMES, bound]
  if (bound === '0.0.0.0' || bound === '[::]' || bound === '') {
    names.push(...machine.addresses.map(hostName), machine.hostname.toLowerCase())
  }
  return [...new Set(names.filter((n) => n !== ''))]
}
