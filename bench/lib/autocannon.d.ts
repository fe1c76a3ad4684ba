// The part of autocannon's API that bench/lib/load-child.ts uses (the package ships no types and
// @types/autocannon is not a dependency).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  interface Options {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    overallRate?: number
    headers?: Record<string, string>
    requests?: { method?: string; path?: string; body?: string }[]
  }
  interface Result {
    duration: number
    requests: { sent: number; total: number }
    errors: number
    timeouts: number
    non2xx: number
  }
  type Instance = EventEmitter & PromiseLike<Result>
  function autocannon(options: Options): Instance
  export default autocannon
}
