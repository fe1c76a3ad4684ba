/**
 * Proxied artifact uploads where the socket or the process is the point, over the built CLI on a
 * real port: a client still sending a refused body reads its 413 (the server drains a little, then
 * closes, rather than resetting the connection under the answer); a size the CLI cannot read stops
 * it at start (exit status, stderr); uploads cut short by the client (the connection closed
 * mid-body: one warning line in the log, nothing left) and by a killed server (SIGKILL: the temp
 * file swept at a later start once it is stale). The limits themselves (statuses, messages,
 * nothing kept) are tested in-process in artifacts-limits.test.ts.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, utimesSync } from 'node:fs'
import { request, type ClientRequest } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { KEEL_BIN, startKeelServer, type KeelServer, type StartOptions } from './support/keel-server.js'

const servers: KeelServer[] = []
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
})
async function start(options: StartOptions): Promise<KeelServer> {
  const server = await startKeelServer(options)
  servers.push(server)
  return server
}

const MiB = 1024 * 1024
const artifactPath = (path: string) => `/api/2.0/mlflow-artifacts/artifacts/${path}`

interface Reply {
  readonly status: number
  readonly json: any
}

/**
 * A PUT whose body the test writes itself: `declared` bytes announced as Content-Length, or chunked
 * when undefined. `reply` settles with the answer, or with the client error if none came.
 */
function upload(server: KeelServer, path: string, declared?: number): { req: ClientRequest; reply: Promise<Reply> } {
  const { hostname, port } = new URL(server.url)
  const headers = declared === undefined ? {} : { 'Content-Length': String(declared) }
  const req = request({ host: hostname, port, method: 'PUT', path: artifactPath(path), headers })
  const reply = new Promise<Reply>((resolve, reject) => {
    req.on('response', (res) => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }))
    })
    req.on('error', reject)
  })
  // The server may answer and close while the body is still being written: that is not a failure.
  req.on('error', () => undefined)
  return { req, reply }
}

function drainOrClose(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done).off('close', done)
      resolve()
    }
    req.once('drain', done).once('close', done)
  })
}

/** Writes `mib` MiB to `req` in 64 KiB chunks, stopping early (quietly) if the server closed it. */
async function send(req: ClientRequest, mib: number, end = true): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 7)
  for (let i = 0; i < mib * 16 && !req.destroyed; i++) {
    if (!req.write(chunk)) await drainOrClose(req)
  }
  if (end && !req.destroyed) req.end()
}

/** Every entry under the artifact folder (temp files and empty folders included). */
function everything(server: KeelServer): string[] {
  return existsSync(server.artifactsDir)
    ? (readdirSync(server.artifactsDir, { recursive: true }) as string[]).sort()
    : []
}

async function poll<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const tempFiles = (server: KeelServer) => everything(server).filter((p) => /\.[0-9a-f]{12}\.tmp$/.test(p))

describe('a refused upload over a socket', () => {
  it('reaches a client still sending its body, from its Content-Length or while it streams', async () => {
    const server = await start({ args: ['--max-artifact-size', '1M'] })
    const declared = upload(server, '1/run/artifacts/declared.bin', 50 * MiB)
    void send(declared.req, 50)
    const early = await declared.reply
    expect(early.status).toBe(413)
    expect(early.json.message).toMatch(/^Artifact '1\/run\/artifacts\/declared\.bin' is too large: it is /)

    const chunked = upload(server, '1/run/artifacts/chunked.bin')
    void send(chunked.req, 50)
    const late = await chunked.reply
    expect(late.status).toBe(413)
    expect(late.json.message).toMatch(/^Artifact '1\/run\/artifacts\/chunked\.bin' is too large: this server/)
    expect(everything(server)).toEqual([])
    expect(server.output()).not.toContain('ERROR')
  })
})

describe('--max-artifact-size at start', () => {
  it('refuses a size it cannot read (the 1M above is one it can)', () => {
    const run = spawnSync(process.execPath, [KEEL_BIN, 'server', '--max-artifact-size', '5X'], {
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(run.status).not.toBe(0)
    expect(run.stderr).toContain(
      "option '--max-artifact-size <bytes>' argument '5X' is invalid. expected a size in bytes, or with a suffix: 512k, 100M, 5G",
    )
  })
})

describe('an upload the client abandons', () => {
  it('is one warning line without a stack, and leaves no temp file or folder', async () => {
    const server = await start({})
    const put = upload(server, '3/run/artifacts/model/weights.bin', 64 * MiB)
    void put.reply.catch(() => undefined)
    await send(put.req, 2, false)
    await poll('the upload to be streaming', () => tempFiles(server).length === 1)
    put.req.destroy()
    const line = await poll('the log line', () =>
      server
        .output()
        .split('\n')
        .find((l) => l.includes('request aborted by the client')),
    )
    expect(line).toMatch(
      /WARN {2}request aborted by the client method=PUT path=\/api\/2\.0\/mlflow-artifacts\/artifacts\/3\/run\/artifacts\/model\/weights\.bin status=499/,
    )
    await poll('the folders to be removed', () => everything(server).length === 0)
    expect(server.output()).not.toContain('ERROR')
    expect(server.output()).not.toMatch(/^\s+at /m)
  })

  it('mid-JSON-body is one warning line too, and stores nothing', async () => {
    const server = await start({})
    const { hostname, port } = new URL(server.url)
    const req = request({
      host: hostname,
      port,
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/create',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
    })
    req.on('error', () => undefined)
    req.write('{"name": "half-')
    await poll(
      'the request to reach the server',
      () => req.socket?.bytesWritten !== undefined && req.socket.bytesWritten > 0,
    )
    req.destroy()
    await poll('the log line', () =>
      server
        .output()
        .includes('WARN  request aborted by the client method=POST path=/api/2.0/mlflow/experiments/create status=499'),
    )
    const found = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=100`)
    expect(((await found.json()) as { experiments: { name: string }[] }).experiments.map((e) => e.name)).toEqual([
      'Default',
    ])
    expect(server.output()).not.toContain('ERROR')
  })
})

describe('an upload cut by a killed server', () => {
  it('leaves a temp file that a later start sweeps once it is an hour old, never a young one', async () => {
    const first = await start({})
    const dead = upload(first, '1/dead/artifacts/model.bin', 64 * MiB)
    const busy = upload(first, '1/busy/artifacts/model.bin', 64 * MiB)
    for (const put of [dead, busy]) {
      void put.reply.catch(() => undefined)
      await send(put.req, 1, false)
    }
    await poll('both uploads to be streaming', () => tempFiles(first).length === 2)
    await first.stop('SIGKILL')
    for (const put of [dead, busy]) put.req.destroy()
    const [young, stale] = tempFiles(first) // sorted: 1/busy/… then 1/dead/…
    expect(young).toMatch(/^1\/busy\/artifacts\/\.model\.bin\.[0-9a-f]{12}\.tmp$/)
    expect(stale).toMatch(/^1\/dead\/artifacts\/\.model\.bin\.[0-9a-f]{12}\.tmp$/)
    // An hour passes for one of them; the other could still belong to a live upload (another worker or host).
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
    utimesSync(join(first.artifactsDir, stale!), twoHoursAgo, twoHoursAgo)

    const second = await start({ dataDir: first.dataDir })
    await poll('the sweep', () => second.output().includes('removed the temp files of interrupted uploads removed=1'))
    expect(everything(second)).toEqual(['1', '1/busy', '1/busy/artifacts', young!])
  })
})
