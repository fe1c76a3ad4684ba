/**
 * The methods a path answers to, for the 405 a request with any other method gets (with an
 * `Allow` header), as HTTP asks and as MLflow's Flask server answers, instead of a 404 that would
 * say the path does not exist.
 */
import type { MountedRoute } from './rpc.js'

export type AllowedMethods = (path: string) => readonly string[] | undefined

const escapeRegExp = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')

/** Builds the lookup from the mounted RPC routes and the app's fixed routes (`GET /health`, …). */
export function allowedMethods(
  routes: readonly MountedRoute[],
  fixed: Readonly<Record<string, readonly string[]>>,
): AllowedMethods {
  const exact = new Map<string, Set<string>>()
  const patterns: { re: RegExp; methods: Set<string> }[] = []
  const add = (path: string, methods: readonly string[]) => {
    if (/\{\w+\}/.test(path)) {
      const re = new RegExp(`^${escapeRegExp(path).replace(/\\\{\w+\\\}|\{\w+\}/g, '[^/]+')}$`)
      const found = patterns.find((p) => p.re.source === re.source)
      if (found) for (const m of methods) found.methods.add(m)
      else patterns.push({ re, methods: new Set(methods) })
      return
    }
    const set = exact.get(path) ?? new Set<string>()
    for (const m of methods) set.add(m)
    exact.set(path, set)
  }
  for (const { endpoint, methods } of routes) {
    for (const prefix of ['/api', '/ajax-api']) add(`${prefix}/${endpoint.major}.0${endpoint.path}`, methods)
  }
  for (const [path, methods] of Object.entries(fixed)) add(path, methods)
  return (path) => {
    const found = exact.get(path) ?? patterns.find((p) => p.re.test(path))?.methods
    if (found === undefined) return undefined
    const methods = [...found]
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD')
    return methods.sort()
  }
}
