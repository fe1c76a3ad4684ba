/**
 * Proxied artifacts, in-process through the app's request function: round trips, listing, and every
 * path-traversal trick refused.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

let server: InProcessKeel
beforeAll(async () => {
  server = await startKeelApp()
})
afterAll(async () => {
  await server?.close()
})

const artifactUrl = (path: string) => `${server.url}/api/2.0/mlflow-artifacts/artifacts/${path}`

/**
 * Sends a request with the path as written. Its URL is resolved as the Node adapter resolves a raw
 * request line (`new URL(scheme://host + path)`: `..` and `%2e%2e` segments removed, other escapes
 * kept), so the app sees what a client that sent these bytes on a socket would make it see.
 */
async function rawRequest(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await server.fetch(`${server.url}${path}`, { method, ...(body !== undefined && { body }) })
  return { status: res.status, text: await res.text() }
}

describe('proxied artifacts', () => {
  it('uploads, lists with basenames, downloads and deletes', async () => {
    const put = await server.fetch(artifactUrl('1/run1/artifacts/model/MLmodel'), {
      method: 'PUT',
      body: 'flavors: {}\n',
    })
    expect(put.status).toBe(200)
    await server.fetch(artifactUrl('1/run1/artifacts/model/data/weights.bin'), {
      method: 'PUT',
      body: new Uint8Array([1, 2, 3]),
    })
    const list = (await (
      await server.fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=1/run1/artifacts/model`)
    ).json()) as {
      files: { path: string; is_dir: boolean; file_size?: number }[]
    }
    expect(list.files).toEqual([
      { path: 'MLmodel', is_dir: false, file_size: 12 },
      { path: 'data', is_dir: true },
    ])
    const get = await server.fetch(artifactUrl('1/run1/artifacts/model/MLmodel'))
    expect(get.headers.get('content-disposition')).toContain('attachment')
    expect(get.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await get.text()).toBe('flavors: {}\n')
    expect((await server.fetch(artifactUrl('1/run1/artifacts/model'), { method: 'DELETE' })).status).toBe(200)
    expect((await server.fetch(artifactUrl('1/run1/artifacts/model/MLmodel'))).status).toBe(404)
  })

  it('answers 400, not a 5xx, for a run whose experiment keeps artifacts where this server does not serve', async () => {
    const post = async (path: string, body: object) =>
      (
        await server.fetch(`${server.url}/api/2.0/mlflow${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json() as Promise<any>
    const { experiment_id } = await post('/experiments/create', {
      name: `elsewhere-${Date.now()}`,
      artifact_location: 's3://bucket/keel',
    })
    const { run } = await post('/runs/create', { experiment_id })
    const res = await server.fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.run_id}`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toMatch(
      /s3:\/\/bucket\/keel.* is not served by this server/,
    )
  })

  it('lists a missing folder as an empty object (the client relies on it)', async () => {
    const res = await server.fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=9/none/artifacts/model`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
  })

  it('streams a 64 MiB upload and download intact', async () => {
    const size = 64 * 1024 * 1024
    const chunk = new Uint8Array(1024 * 1024).map((_, i) => i % 251)
    const sent = createHash('sha256')
    let produced = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= size) return controller.close()
        sent.update(chunk)
        produced += chunk.byteLength
        controller.enqueue(chunk)
      },
    })
    const put = await server.fetch(artifactUrl('big/blob.bin'), { method: 'PUT', body, duplex: 'half' } as RequestInit)
    expect(put.status).toBe(200)
    const res = await server.fetch(artifactUrl('big/blob.bin'))
    expect(res.headers.get('content-length')).toBe(String(size))
    const received = createHash('sha256')
    let got = 0
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      received.update(part)
      got += part.byteLength
    }
    expect(got).toBe(size)
    expect(received.digest('hex')).toBe(sent.digest('hex'))
  })

  const attacks = [
    '../../etc/passwd',
    '..%2f..%2fetc%2fpasswd',
    '%2e%2e/%2e%2e/etc/passwd',
    '%252e%252e/%252e%252e/etc/passwd',
    'a/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '..%5c..%5cetc%5cpasswd',
    '%2fetc%2fpasswd',
    'C:%5cwindows%5cwin.ini',
    'file:%2f%2f%2fetc%2fpasswd',
    'a%00b',
  ]
  for (const attack of attacks) {
    it(`refuses ${attack} for GET, PUT and DELETE without touching the disk outside the root`, async () => {
      const path = `/api/2.0/mlflow-artifacts/artifacts/${attack}`
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await rawRequest(method, path, method === 'PUT' ? 'pwned' : undefined)
        expect(res.status, `${method} ${attack}`).toBeGreaterThanOrEqual(400)
        expect(res.status, `${method} ${attack}`).toBeLessThan(500)
      }
      const list = await rawRequest('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${attack}`)
      expect(list.status).toBeGreaterThanOrEqual(400)
      expect(list.status).toBeLessThan(500)
    })
  }

  it('left nothing outside the artifact root', () => {
    expect(existsSync(join(server.dataDir, 'etc'))).toBe(false)
    expect(readdirSync(server.dataDir).sort()).toEqual(expect.arrayContaining(['artifacts', 'keel.db']))
  })
})
