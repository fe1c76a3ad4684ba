/**
 * The load generator of bench/serving.bench.ts, run in its own process (bench/lib/load.ts spawns
 * it) so that the server under test and the client never share an event loop. Reads a LoadSpec
 * (JSON) from argv[2], prints a LoadResult (JSON) on stdout.
 *
 * - `max`: autocannon, closed loop: `connections` keep-alive connections, pipelining 1, each sends
 *   its next request as soon as the previous answer is read.
 * - `autocannon-rate`: the same with autocannon's `overallRate`. autocannon spreads the rate over
 *   the connections and lets each send its share of a second back to back, then wait for the
 *   next second, so the load comes in bursts.
 * - `paced`: open loop, evenly paced: request i is due at i / rate seconds and goes out on an
 *   idle connection (the generator queues it when all are busy); its latency counts from when it
 *   was due, so a stalled server cannot hide its backlog (no coordinated omission).
 *
 * Latencies are recorded per request as floats (autocannon's own histogram keeps whole
 * milliseconds, too coarse for a sub-millisecond p50).
 */
import { connect, type Socket } from 'node:net'
import autocannon from 'autocannon'
import { HTTPParser } from 'http-parser-js'

export interface LoadRequest {
  readonly method: 'POST' | 'GET'
  readonly path: string
  readonly body: string
}

export interface LoadSpec {
  readonly url: string
  readonly mode: 'max' | 'autocannon-rate' | 'paced'
  readonly connections: number
  readonly durationS: number
  /** Requests per second (autocannon-rate and paced). */
  readonly rate?: number
  /** Sent in turn (each connection cycles through them for autocannon). */
  readonly requests: readonly LoadRequest[]
}

export interface LoadResult {
  readonly mode: LoadSpec['mode']
  readonly connections: number
  readonly durationS: number
  readonly targetRate: number | null
  readonly sent: number
  /** Answered with 2xx. */
  readonly ok: number
  readonly non2xx: number
  /** Connection errors and timeouts. */
  readonly errors: number
  /** 2xx answers per second over the run. */
  readonly throughput: number
  readonly p50_ms: number
  readonly p90_ms: number
  readonly p99_ms: number
  readonly max_ms: number
  /** paced: requests still unanswered 2 s after the schedule ended. */
  readonly unanswered: number
  /** CPU seconds the generator itself used (user + system). */
  readonly generatorCpuS: number
  readonly statusCounts: Record<string, number>
}

class Latencies {
  private values = new Float64Array(1 << 16)
  private n = 0
  push(ms: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.n++] = ms
  }
  percentile(p: number): number {
    if (this.n === 0) return Number.NaN
    const sorted = this.values.slice(0, this.n).sort()
    const rank = (p / 100) * (this.n - 1)
    const lo = Math.floor(rank)
    const hi = Math.ceil(rank)
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo)
  }
  get count(): number {
    return this.n
  }
}

interface Tally {
  readonly latencies: Latencies
  readonly status: Record<string, number>
  errors: number
}

function newTally(): Tally {
  return { latencies: new Latencies(), status: {}, errors: 0 }
}

/** Only 2xx answers go into the latency distribution; the rest are counted by status. */
function record(t: Tally, status: number, ms: number): void {
  t.status[status] = (t.status[status] ?? 0) + 1
  if (status >= 200 && status < 300) t.latencies.push(ms)
}

async function runAutocannon(spec: LoadSpec, t: Tally): Promise<{ sent: number; durationS: number }> {
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.durationS,
    ...(spec.mode === 'autocannon-rate' && { overallRate: spec.rate }),
    headers: { 'content-type': 'application/json' },
    requests: spec.requests.map((r) => ({ method: r.method, path: r.path, body: r.body })),
  })
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => record(t, status, ms))
  instance.on('reqError', () => t.errors++)
  const result = await instance
  return { sent: result.requests.sent, durationS: result.duration }
}

function requestBytes(url: URL, r: LoadRequest): Buffer {
  const body = Buffer.from(r.body)
  const head =
    `${r.method} ${r.path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`
  return Buffer.concat([Buffer.from(head), body])
}

interface Conn {
  socket: Socket
  due: number // when the request in flight was due (performance.now() ms), or -1 when idle
  status: number
}

async function runPaced(spec: LoadSpec, t: Tally): Promise<{ sent: number; durationS: number; unanswered: number }> {
  const url = new URL(spec.url)
  const rate = spec.rate ?? 1000
  const buffers = spec.requests.map((r) => requestBytes(url, r))
  const total = Math.round(rate * spec.durationS)
  const interval = 1000 / rate
  const backlog: number[] = [] // due times of requests waiting for an idle connection
  const idle: Conn[] = []
  let next = 0 // index of the next request to schedule
  let inFlight = 0
  let sent = 0
  let lastAnswer = 0

  const send = (c: Conn, due: number): void => {
    c.due = due
    inFlight++
    c.socket.write(buffers[sent++ % buffers.length]!)
  }
  const release = (c: Conn): void => {
    c.due = -1
    inFlight--
    const due = backlog.shift()
    if (due !== undefined) send(c, due)
    else idle.push(c)
  }
  const open = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname)
      socket.setNoDelay(true)
      const c: Conn = { socket, due: -1, status: 0 }
      const parser = new HTTPParser(HTTPParser.RESPONSE)
      parser[HTTPParser.kOnHeadersComplete] = (info: { statusCode: number }) => {
        c.status = info.statusCode
      }
      parser[HTTPParser.kOnMessageComplete] = () => {
        lastAnswer = performance.now()
        record(t, c.status, lastAnswer - c.due)
        release(c)
      }
      socket.on('data', (chunk: Buffer) => parser.execute(chunk))
      socket.once('connect', () => resolve(c))
      socket.on('error', (err) => {
        if (c.due < 0 && inFlight === 0 && sent === 0) reject(err)
        t.errors++
      })
    })
  const conns = await Promise.all(Array.from({ length: spec.connections }, open))
  idle.push(...conns)

  const start = performance.now()
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now()
      while (next < total && start + next * interval <= now) {
        const due = start + next * interval
        next++
        const c = idle.pop()
        if (c) send(c, due)
        else backlog.push(due)
      }
      if (next < total) setTimeout(tick, 1)
      else done()
    }
    tick()
  })
  const scheduleEnd = performance.now()
  // Let the last answers arrive (2 s at most); what is still missing then is reported.
  while ((inFlight > 0 || backlog.length > 0) && performance.now() - scheduleEnd < 2000) {
    await new Promise((r) => setTimeout(r, 5))
  }
  const unanswered = inFlight + backlog.length
  for (const c of conns) c.socket.destroy()
  return { sent, durationS: (Math.max(scheduleEnd, lastAnswer) - start) / 1000, unanswered }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
  const t = newTally()
  const cpu0 = process.cpuUsage()
  let sent: number
  let durationS: number
  let unanswered = 0
  if (spec.mode === 'paced') ({ sent, durationS, unanswered } = await runPaced(spec, t))
  else ({ sent, durationS } = await runAutocannon(spec, t))
  const cpu = process.cpuUsage(cpu0)
  const ok = t.latencies.count
  const answered = Object.values(t.status).reduce((a, b) => a + b, 0)
  const result: LoadResult = {
    mode: spec.mode,
    connections: spec.connections,
    durationS,
    targetRate: spec.rate ?? null,
    sent,
    ok,
    non2xx: answered - ok,
    errors: t.errors,
    throughput: ok / durationS,
    p50_ms: t.latencies.percentile(50),
    p90_ms: t.latencies.percentile(90),
    p99_ms: t.latencies.percentile(99),
    max_ms: t.latencies.percentile(100),
    unanswered,
    generatorCpuS: (cpu.user + cpu.system) / 1e6,
    statusCounts: t.status,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

await main()
