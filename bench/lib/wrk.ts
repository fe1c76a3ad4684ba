/**
 * Closed-loop load from wrk (the C generator: one thread, epoll, far cheaper per request than a
 * Node generator, so on a 2-core machine it leaves the server its share). A Lua script cycles
 * through the requests (each body sent in turn on every connection) and, when the run ends, prints
 * one JSON line: the counts, wrk's latency percentiles (microseconds, from its HdrHistogram, as
 * `--latency` prints them) and the CPU time wrk used (from /proc/self/stat).
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadRequest, LoadResult, LoadSpec } from './load-child.js'

const TICKS_PER_S = 100 // USER_HZ on Linux

let available: boolean | undefined

/** Whether `wrk` runs here. */
export function wrkAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync('wrk', ['--version'], { stdio: 'ignore' })
      available = true
    } catch (error) {
      // wrk --version exits 1 after printing its version; only a missing binary is ENOENT.
      available = (error as NodeJS.ErrnoException).code !== 'ENOENT'
    }
  }
  return available
}

/** A Lua long string that cannot close early on the text inside. */
function luaString(s: string): string {
  let eq = '='
  while (s.includes(`]${eq}]`)) eq += '='
  return `[${eq}[${s}]${eq}]`
}

function script(requests: readonly LoadRequest[]): string {
  const entries = requests
    .map((r) => `{${luaString(r.method)}, ${luaString(r.path)}, ${luaString(r.body)}}`)
    .join(',\n')
  return `local specs = {
${entries}
}
local reqs = {}
local n = 0
init = function(args)
  for i, s in ipairs(specs) do
    reqs[i] = wrk.format(s[1], s[2], { ["Content-Type"] = "application/json" }, s[3])
  end
end
request = function()
  n = n % #reqs + 1
  return reqs[n]
end
done = function(summary, latency, requests)
  local f = io.open("/proc/self/stat")
  local stat = f:read("*a")
  f:close()
  local rest = stat:sub(stat:find("%)[^%)]*$") + 2)
  local fields = {}
  for w in rest:gmatch("%S+") do fields[#fields + 1] = w end
  local e = summary.errors
  io.write(string.format(
    '\\nKEEL_WRK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d,"ticks":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    tonumber(fields[12]) + tonumber(fields[13])))
end
`
}

interface WrkLine {
  requests: number
  duration_us: number
  connect: number
  read: number
  write: number
  status: number
  timeout: number
  p50: number
  p90: number
  p99: number
  max: number
  ticks: number
}

/**
 * One wrk run: one thread, `spec.connections` keep-alive connections, `spec.durationS` seconds,
 * pinned to `cores` when given. 2xx answers = wrk's completed requests minus its status errors
 * (wrk counts any status above 399 as one).
 */
export async function runWrk(spec: LoadSpec, cores?: string): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-wrk-'))
  const file = join(dir, 'requests.lua')
  writeFileSync(file, script(spec.requests))
  const wrk = [
    'wrk',
    '-t1',
    `-c${spec.connections}`,
    `-d${spec.durationS}s`,
    '--timeout',
    '30s',
    '--latency',
    '-s',
    file,
    spec.url,
  ]
  const argv = cores === undefined ? wrk : ['taskset', '-c', cores, ...wrk]
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
      child.on('error', reject)
      child.on('exit', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`wrk exited with ${code}:\n${stderr}${stdout}`)),
      )
    })
    const line = out.split('\n').find((l) => l.startsWith('KEEL_WRK '))
    if (line === undefined) throw new Error(`wrk printed no summary:\n${out}`)
    const w = JSON.parse(line.slice('KEEL_WRK '.length)) as WrkLine
    const durationS = w.duration_us / 1e6
    const ok = w.requests - w.status
    const ms = (us: number): number => (ok > 0 ? us / 1000 : Number.NaN)
    return {
      mode: 'max',
      connections: spec.connections,
      durationS,
      targetRate: null,
      sent: w.requests,
      ok,
      non2xx: w.status,
      errors: w.connect + w.read + w.write + w.timeout,
      throughput: ok / durationS,
      p50_ms: ms(w.p50),
      p90_ms: ms(w.p90),
      p99_ms: ms(w.p99),
      max_ms: ms(w.max),
      unanswered: 0,
      generatorCpuS: w.ticks / TICKS_PER_S,
      statusCounts: w.status > 0 ? { '4xx/5xx': w.status } : {},
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
