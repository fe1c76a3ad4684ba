/**
 * Which addresses an outgoing request (an alert's webhook) may reach. Loopback, link-local,
 * private (RFC 1918, fc00::/7, fec0::/10), CGNAT, unspecified, multicast and reserved addresses are
 * refused, as are IPv6 forms that embed an IPv4 address in those ranges (IPv4-mapped ::ffff:0:0/96,
 * IPv4-compatible ::/96, NAT64 64:ff9b::/96), unless the operator allows them: `webhooks.allow` in
 * `keel server --config`, CIDRs, single addresses or host names.
 */
import { BlockList, isIP, isIPv4 } from 'node:net'

interface Range {
  readonly network: string
  readonly prefix: number
  readonly what: string
}

const V4: readonly Range[] = [
  { network: '0.0.0.0', prefix: 8, what: 'an unspecified address (0.0.0.0/8)' },
  { network: '10.0.0.0', prefix: 8, what: 'a private address (10.0.0.0/8)' },
  { network: '100.64.0.0', prefix: 10, what: 'a CGNAT address (100.64.0.0/10)' },
  { network: '127.0.0.0', prefix: 8, what: 'a loopback address (127.0.0.0/8)' },
  { network: '169.254.0.0', prefix: 16, what: 'a link-local address (169.254.0.0/16)' },
  { network: '172.16.0.0', prefix: 12, what: 'a private address (172.16.0.0/12)' },
  { network: '192.168.0.0', prefix: 16, what: 'a private address (192.168.0.0/16)' },
  { network: '224.0.0.0', prefix: 4, what: 'a multicast address (224.0.0.0/4)' },
  { network: '240.0.0.0', prefix: 4, what: 'a reserved or broadcast address (240.0.0.0/4)' },
]

const V6: readonly Range[] = [
  { network: '::', prefix: 128, what: 'the unspecified address (::)' },
  { network: '::1', prefix: 128, what: 'a loopback address (::1)' },
  { network: 'fe80::', prefix: 10, what: 'a link-local address (fe80::/10)' },
  { network: 'fec0::', prefix: 10, what: 'a site-local address (fec0::/10)' },
  { network: 'fc00::', prefix: 7, what: 'a private address (fc00::/7)' },
  { network: 'ff00::', prefix: 8, what: 'a multicast address (ff00::/8)' },
]

/** The 16 bytes of an IPv6 address (valid by `isIP`), or undefined. */
function ipv6Bytes(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '')
  const tail: number[] = []
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    tail.push(...dotted[1]!.split('.').map(Number))
    text = text.slice(0, -dotted[1]!.length)
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1)
  }
  const [head, rest] = text.split('::') as [string, string | undefined]
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)))
  const left = groups(head)
  const right = rest === undefined ? [] : groups(rest)
  const missing = 8 - tail.length / 2 - left.length - right.length
  if (missing < 0 || (rest === undefined && missing !== 0)) return undefined
  const words = [...left, ...Array<number>(missing).fill(0), ...right]
  return [...words.flatMap((w) => [w >> 8, w & 0xff]), ...tail]
}

/** The IPv4 address an IPv6 one embeds (mapped, compatible or NAT64), when it embeds one. */
export function embeddedIPv4(address: string): string | undefined {
  const b = ipv6Bytes(address)
  if (!b) return undefined
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0)
  const mapped = zero(0, 10) && b[10] === 0xff && b[11] === 0xff
  const compatible = zero(0, 12) && !zero(12, 16) && !(zero(12, 15) && b[15] === 1)
  const nat64 = b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)
  return mapped || compatible || nat64 ? b.slice(12).join('.') : undefined
}

const single = (r: Range, family: 'ipv4' | 'ipv6') => {
  const list = new BlockList()
  list.addSubnet(r.network, r.prefix, family)
  return { what: r.what, list, family }
}
const RANGES = [...V4.map((r) => single(r, 'ipv4')), ...V6.map((r) => single(r, 'ipv6'))]

/** Which forbidden range an address is in (its description), if any, ignoring any allow list. */
export function forbiddenRange(address: string): string | undefined {
  const family = isIP(address)
  if (family === 0) return 'not an IP address'
  if (family === 6) {
    const v4 = embeddedIPv4(address)
    if (v4 !== undefined) {
      const inner = forbiddenRange(v4)
      return inner === undefined ? undefined : `an IPv6 form of ${inner}`
    }
  }
  const fam = family === 4 ? 'ipv4' : 'ipv6'
  return RANGES.find((r) => r.family === fam && r.list.check(address, fam))?.what
}

/** What an allow entry is: a CIDR, an address or a host name; undefined when it is none of them. */
export function parseAllowEntry(
  entry: string,
):
  | { kind: 'subnet'; network: string; prefix: number; family: 'ipv4' | 'ipv6' }
  | { kind: 'host'; host: string }
  | undefined {
  const slash = entry.indexOf('/')
  const address = (slash < 0 ? entry : entry.slice(0, slash)).replace(/^\[(.*)\]$/, '$1')
  const family = isIP(address)
  if (family !== 0) {
    const max = family === 4 ? 32 : 128
    const prefixText = slash < 0 ? String(max) : entry.slice(slash + 1)
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined
    return { kind: 'subnet', network: address, prefix: Number(prefixText), family: family === 4 ? 'ipv4' : 'ipv6' }
  }
  const host = normalizeHost(entry)
  if (
    slash >= 0 ||
    host.length > 253 ||
    !host.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label))
  )
    return undefined
  return { kind: 'host', host }
}

const normalizeHost = (host: string) => host.toLowerCase().replace(/\.$/, '')

/** The operator's allow list over the forbidden ranges. */
export class AddressPolicy {
  private readonly allowed = new BlockList()
  private readonly hosts = new Set<string>()

  /** `allow`: entries that parseAllowEntry accepts (the config loader checks them first). */
  constructor(readonly allow: readonly string[] = []) {
    for (const entry of allow) {
      const parsed = parseAllowEntry(entry)
      if (!parsed) throw new Error(`'${entry}' is not a CIDR, an IP address or a host name`)
      if (parsed.kind === 'host') this.hosts.add(parsed.host)
      else this.allowed.addSubnet(parsed.network, parsed.prefix, parsed.family)
    }
  }

  /** Whether the operator allows this host name whatever it resolves to. */
  hostAllowed(host: string): boolean {
    return this.hosts.has(normalizeHost(host))
  }

  /** Why an address may not be reached (its range), or undefined when it may. */
  refusal(address: string): string | undefined {
    const range = forbiddenRange(address)
    if (range === undefined) return undefined
    const v4 = isIPv4(address) ? address : embeddedIPv4(address)
    if (v4 !== undefined ? this.allowed.check(v4, 'ipv4') : this.allowed.check(address, 'ipv6')) return undefined
    return range
  }
}
