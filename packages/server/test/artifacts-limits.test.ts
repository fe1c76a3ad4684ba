/**
 * The limits on proxied artifact uploads, in-process through the app's request function: the size
 * cap (`--max-artifact-size`, 413 from the Content-Length or while the body streams) and the
 * free-disk reserve (`--min-free-disk`, 507), each refusal naming the limit and keeping nothing.
 * Where the socket or the process is the point (a client still sending a refused body reads the
 * answer, a bad size stops the CLI, uploads cut by the client or a killed server) see
 * artifacts-uploads.e2e.test.ts.
 */
import { existsSync, readdirSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { type InProcessKeel, type KeelAppOptions, startKeelApp } from './support/keel-app.js'

const servers: InProcessKeel[] = []
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
})
async function start(options: KeelAppOptions): Promise<InProcessKeel> {
  const server = await startKeelApp(options)
  servers.push(server)
  return server
}

const MiB = 1024 * 1024

interface Reply {
  readonly status: number
  readonly json: any
}

/**
 * PUTs `mib` MiB, streamed in 64 KiB chunks as the server reads them: `declared` bytes announced as
 * Content-Length, or none (as a chunked upload) when undefined.
 */
async function upload(server: InProcessKeel, path: string, mib: number, declared?: number): Promise<Reply> {
  const chunk = new Uint8Array(64 * 1024).fill(7)
  let chunks = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (chunks++ >= mib * 16) controller.close()
      else controller.enqueue(chunk.slice())
    },
  })
  const res = await server.fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
    method: 'PUT',
    body,
    duplex: 'half',
    headers: declared === undefined ? {} : { 'Content-Length': String(declared) },
  } as RequestInit)
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : {} }
}

/** Every entry under the artifact folder (temp files and empty folders included). */
function everything(server: InProcessKeel): string[] {
  return existsSync(server.artifactsDir)
    ? (readdirSync(server.artifactsDir, { recursive: true }) as string[]).sort()
    : []
}

describe('--max-artifact-size', () => {
  it('refuses a larger upload with 413, from its Content-Length or while it streams, and keeps nothing', async () => {
    const server = await start({ args: ['--max-artifact-size', '1M'] })
    const early = await upload(server, '1/run/artifacts/declared.bin', 50, 50 * MiB)
    expect(early.status).toBe(413)
    expect(early.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `Artifact '1/run/artifacts/declared.bin' is too large: it is ${50 * MiB} bytes, and this server accepts at most ${MiB} bytes per artifact (keel server --max-artifact-size)`,
    })

    const late = await upload(server, '1/run/artifacts/chunked.bin', 50)
    expect(late.status).toBe(413)
    expect(late.json.message).toBe(
      `Artifact '1/run/artifacts/chunked.bin' is too large: this server accepts at most ${MiB} bytes per artifact (keel server --max-artifact-size)`,
    )
    expect(everything(server)).toEqual([])

    expect((await upload(server, '1/run/artifacts/exact.bin', 1, MiB)).status).toBe(200)
    expect(everything(server)).toEqual(['1', '1/run', '1/run/artifacts', '1/run/artifacts/exact.bin'])
    expect(server.output()).not.toContain('ERROR')
  })
})

describe('--min-free-disk', () => {
  it('refuses with 507 an upload that would leave less free space than the reserve, and keeps nothing', async () => {
    // A reserve larger than any disk: every upload would break it.
    const server = await start({ args: ['--min-free-disk', '1000T'] })
    for (const declared of [MiB, undefined]) {
      const reply = await upload(server, '1/run/artifacts/model.bin', 1, declared)
      expect(reply.status).toBe(507)
      expect(reply.json.error_code).toBe('TEMPORARILY_UNAVAILABLE')
      expect(reply.json.message).toMatch(
        /^Not enough free disk space for artifact '1\/run\/artifacts\/model\.bin': the artifact volume has \d+ bytes free and keeps at least 1099511627776000 free \(keel server --min-free-disk\)$/,
      )
    }
    expect(everything(server)).toEqual([])
  })

  it('is off at 0', async () => {
    const server = await start({ args: ['--min-free-disk', '0'] })
    expect((await upload(server, '1/run/artifacts/a.bin', 1, MiB)).status).toBe(200)
  })
})
