/**
 * `keel models serve` on SIGTERM, as a process manager stops it: it stops accepting connections,
 * closes idle keep-alive connections, lets the request in progress finish (within
 * `--graceful-timeout`), writes the prediction log's last records (within the same bound), and exits,
 * in one process and as a cluster of workers. A request that never finishes and a tracking server
 * that never answers hold the exit for no longer than the bounds. And a cluster on `--port 0`
 * keeps serving the port it announced when its workers die, one or all at once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { type IncomingMessage, type Server, createServer } from 'node:http'
import { type Socket, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { saveModel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ModelServerProcess, pool, send, startModelServe } from './support/model-server.js'

const iris = loadIris()
const columns = iris.featureNames
let dir: string
let modelDir: string

/** A stand-in for the tracking server's prediction-log endpoint: takes batches, or never answers. */
interface FakeTracking {
  readonly url: string
  readonly requestIds: string[]
  hang: boolean
  close(): Promise<void>
}

async function fakeTracking(): Promise<FakeTracking> {
  const requestIds: string[] = []
  const state = { hang: false }
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.url !== '/api/2.0/keel/predictions/log-batch') return void res.writeHead(404).end('{}')
      if (state.hang) return // never answers
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { records: { request_id: string }[] }
      requestIds.push(...body.records.map((r) => r.request_id))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    requestIds,
    get hang() {
      return state.hang
    },
    set hang(value: boolean) {
      state.hang = value
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** A raw HTTP/1.1 connection: what the server sends is collected, so responses can be awaited. */
class Connection {
  private received = ''
  readonly closed: Promise<void>

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8')
    socket.on('data', (text: string) => (this.received += text))
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Connection(socket)))
      socket.once('error', reject)
    })
  }

  write(text: string): void {
    this.socket.write(text)
  }

  /** Waits until the server has sent `count` complete responses (100 Continue included). */
  async responses(count: number): Promise<{ status: number; head: string; body: string }[]> {
    for (;;) {
      const parsed = parseResponses(this.received)
      if (parsed.length >= count) return parsed
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.socket.off('data', done)
          this.socket.off('close', closed)
          resolve()
        }
        const closed = () => reject(new Error(`connection closed after:\n${this.received}`))
        this.socket.once('data', done)
        this.socket.once('close', closed)
      })
    }
  }
}

function parseResponses(text: string): { status: number; head: string; body: string }[] {
  const out: { status: number; head: string; body: string }[] = []
  let rest = text
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    if (end < 0) return out
    const head = rest.slice(0, end)
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
    if (rest.length < end + 4 + length) return out
    out.push({ status: Number(head.slice(9, 12)), head, body: rest.slice(end + 4, end + 4 + length) })
    rest = rest.slice(end + 4 + length)
  }
}

const row = JSON.stringify({ instances: [iris.data[0]] })
const host = (port: number) => `Host: 127.0.0.1:${port}\r\n`

/** A POST whose headers are sent and acknowledged (100 Continue): the server is handling it, waiting for the body. */
async function inFlight(serving: ModelServerProcess, requestId: string): Promise<Connection> {
  const c = await Connection.open(serving.port)
  c.write(
    `POST /invocations HTTP/1.1\r\n${host(serving.port)}Content-Type: application/json\r\nX-Request-Id: ${requestId}\r\n` +
      `Content-Length: ${Buffer.byteLength(row)}\r\nExpect: 100-continue\r\n\r\n`,
  )
  const [continued] = await c.responses(1)
  expect(continued!.status).toBe(100)
  return c
}

/** A keep-alive connection that has had one answer and sits idle. */
async function idleKeepAlive(serving: ModelServerProcess): Promise<Connection> {
  const c = await Connection.open(serving.port)
  c.write(`GET /v2/health/live HTTP/1.1\r\n${host(serving.port)}\r\n`)
  const [live] = await c.responses(1)
  expect(live!.status).toBe(200)
  expect(live!.head).not.toMatch(/connection: close/i)
  return c
}

/** Polls until connecting to the port is refused. */
async function refusesConnections(port: number): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(false)
      })
      socket.once('error', () => resolve(true))
    })
    if (refused) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keel-lifecycle-'))
  modelDir = join(dir, 'model')
  const forest = new RandomForestClassifier({ nEstimators: 5, maxDepth: 3, seed: 3 }).fit(iris.data, iris.target)
  await saveModel(forest, modelDir, { featureNames: columns })
})
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe.each([1, 2])('SIGTERM with %i worker(s)', (workers) => {
  it('stops accepting, closes idle connections, finishes the request in progress, writes its log record and exits promptly', async () => {
    const tracking = await fakeTracking()
    // A bound of an hour: that it exits at all within the test's 60 s shows it waited for nothing.
    const serving = await startModelServe(
      ['-m', modelDir, '--name', 'iris-life', '-w', String(workers), '--graceful-timeout', '3600'],
      tracking.url,
    )
    try {
      const idle = await idleKeepAlive(serving)
      const busy = await inFlight(serving, `in-flight-${workers}`)
      process.kill(serving.pid, 'SIGTERM')
      await refusesConnections(serving.port)
      await idle.closed // closed by the server, long before its keep-alive timeout (65 s)
      busy.write(row)
      const [, answer] = await busy.responses(2)
      expect(answer!.status, answer!.body).toBe(200)
      expect(answer!.head).toMatch(/connection: close/i)
      expect(JSON.parse(answer!.body).predictions).toHaveLength(1)
      const { code } = await serving.exited
      expect(code, serving.output()).toBe(0)
      expect(tracking.requestIds).toContain(`in-flight-${workers}`)
      expect(serving.output()).not.toMatch(/ERROR/)
    } finally {
      await serving.stop('SIGKILL')
      await tracking.close()
    }
  }, 60_000)

  it('exits within its bounds when a request never finishes and the tracking server never answers', async () => {
    const tracking = await fakeTracking()
    const serving = await startModelServe(
      ['-m', modelDir, '--name', 'iris-life', '-w', String(workers), '--graceful-timeout', '1'],
      tracking.url,
    )
    try {
      tracking.hang = true
      const done = await Connection.open(serving.port)
      done.write(
        `POST /invocations HTTP/1.1\r\n${host(serving.port)}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(row)}\r\n\r\n${row}`,
      )
      expect((await done.responses(1))[0]!.status).toBe(200) // its log record is queued, and cannot be written
      await inFlight(serving, 'never-finished') // its body never comes
      const signalled = Date.now()
      process.kill(serving.pid, 'SIGTERM')
      const { code } = await serving.exited
      const took = Date.now() - signalled
      // The bounds are what is tested here, so time is: the request in progress had its 1 s (a
      // timer never fires early), and the exit came once the drain (1 s) and the log's last write
      // (1 s) gave up; the upper bound leaves a loaded machine 10 s of slack. That the bounds fired,
      // rather than a kill, shows in the output: the records not written are reported, and a
      // cluster's primary, which kills a worker past twice the bound plus 5 s, says so.
      expect(took).toBeGreaterThanOrEqual(1_000)
      expect(took).toBeLessThan(1_000 + 1_000 + 10_000)
      expect(code, serving.output()).toBe(0)
      expect(serving.output()).toMatch(/records not written before shutdown/)
      expect(serving.output()).not.toMatch(/ERROR|killing it/)
    } finally {
      await serving.stop('SIGKILL')
      await tracking.close()
    }
  }, 60_000)
})

/** A process's children: a cluster's workers (Linux). */
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)

/** Polls `probe` until it holds (briefly between tries), for at most `ms`. */
async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('a cluster on --port 0', () => {
  it('serves the port it announced from every worker, and from the replacements of workers that died, one or all at once', async () => {
    const tracking = await fakeTracking()
    const serving = await startModelServe(['-m', modelDir, '--name', 'iris-life', '-w', '2'], tracking.url)
    // On a new connection each time: a dead worker's keep-alive connection must not be reused.
    const predict = () =>
      send(`${serving.url}/invocations`, 'POST', row, { connection: 'close' }).then(
        (reply) => reply.status,
        () => 0,
      )
    const count = (pattern: RegExp) => serving.output().match(pattern)?.length ?? 0
    // The primary reports each replacement it starts and each that is ready.
    const replaced = () => count(/exited \(SIGKILL\); starting another/g)
    const replacementsReady = () => count(/\(a replacement\) serves on port \d+/g)
    const all200 = Array.from({ length: 20 }, () => 200)
    try {
      const first = childrenOf(serving.pid)
      expect(first).toHaveLength(2)
      expect(await pool(20, 4, predict)).toEqual(all200)

      // Every worker at once: the port-0 listener they shared closes with them, and the
      // replacements must listen on the announced port again (Node's listen(0) would pick another).
      for (const pid of first) process.kill(pid, 'SIGKILL')
      await until('both workers replaced', () => replacementsReady() === 2)
      expect(replaced()).toBe(2)
      const second = childrenOf(serving.pid)
      expect(second).toHaveLength(2)
      expect(second.filter((pid) => first.includes(pid))).toEqual([])
      expect(await pool(20, 4, predict)).toEqual(all200)

      // One of them: its replacement joins the survivor's listener on the same port, and then
      // serves alone once the survivor dies too.
      process.kill(second[0]!, 'SIGKILL')
      await until('the worker replaced', () => replacementsReady() === 3)
      expect(await pool(20, 4, predict)).toEqual(all200)
      process.kill(second[1]!, 'SIGKILL')
      await until('the other worker gone', () => replaced() === 4)
      expect(await pool(20, 4, predict)).toEqual(all200)
      await until('the other worker replaced', () => replacementsReady() === 4)
      const ports = [...serving.output().matchAll(/\(a replacement\) serves on port (\d+)/g)].map((m) => Number(m[1]))
      expect(ports).toEqual([serving.port, serving.port, serving.port, serving.port])

      process.kill(serving.pid, 'SIGTERM')
      expect((await serving.exited).code, serving.output()).toBe(0)
      expect(serving.output()).not.toMatch(/listens on port|failed|ERROR/)
    } finally {
      await serving.stop('SIGKILL')
      await tracking.close()
    }
  }, 120_000)
})
