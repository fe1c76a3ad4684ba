/**
 * MLflow's multipart uploads (`mlflow-artifacts/mpu/create|complete|abort`) and presigned downloads,
 * in-process, on the local folder (keel takes the parts itself) and on S3 (moto: the parts go to
 * presigned S3 URLs): MLflow's request and response shapes, the artifact whole or absent, and a 4xx
 * naming the problem for every bad input.
 */
import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type S3Server, startS3Server } from './support/s3-server.js'

const MiB = 1024 * 1024
const API = '/api/2.0/mlflow-artifacts'

interface Backend {
  readonly server: InProcessKeel
  /** Multipart uploads still holding parts. */
  pending(): Promise<number>
}

/** Two parts: 5 MiB (S3's smallest non-last part) and a tail. */
function partsOf(seed: number): Buffer[] {
  return [Buffer.alloc(5 * MiB, seed), Buffer.from(`tail ${seed}`)]
}

function backends(): Array<[string, () => Promise<Backend>, () => Promise<void>]> {
  let s3: S3Server | undefined
  const saved = { ...process.env }
  return [
    [
      'local folder',
      async () => {
        const server = await startKeelApp()
        return {
          server,
          pending: async () => (await readdir(join(server.artifactsDir, '.keel-mpu')).catch(() => [])).length,
        }
      },
      async () => {},
    ],
    [
      'S3',
      async () => {
        s3 = await startS3Server()
        // The S3 client reads its endpoint and credentials from the environment, as keel server does.
        Object.assign(process.env, s3.env)
        const server = await startKeelApp({ args: ['--artifacts-destination', `s3://${s3.bucket}/artifacts`] })
        const bucket = s3.bucket
        const client = s3.client
        return {
          server,
          pending: async () =>
            (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length ?? 0,
        }
      },
      async () => {
        await s3?.close()
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      },
    ],
  ]
}

for (const [name, open, cleanUp] of backends()) {
  describe(`multipart uploads: ${name}`, () => {
    let backend: Backend
    let server: InProcessKeel

    beforeAll(async () => {
      backend = await open()
      server = backend.server
    })

    afterAll(async () => {
      await server?.close()
      await cleanUp()
    })

    const post = async (step: string, folder: string, body: unknown) => {
      const res = await server.fetch(`${server.url}${API}/mpu/${step}/${folder}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json()) as any }
    }

    const create = async (folder: string, file: string, numParts: number) => {
      const created = await post('create', folder, { path: `/home/user/${file}`, num_parts: numParts })
      expect(created.status).toBe(200)
      return created.body as {
        upload_id: string
        credentials: { url: string; part_number: number; headers: Record<string, string> }[]
      }
    }

    /** PUTs a part as MLflow's client does: raw bytes, the credential's headers, no auth. */
    const putPart = async (credential: { url: string; headers: Record<string, string> }, bytes: Buffer) => {
      const res = await server.fetch(credential.url, { method: 'PUT', headers: credential.headers, body: bytes })
      expect(res.status, await res.clone().text()).toBe(200)
      return res.headers.get('etag') ?? ''
    }

    it("uploads in parts with MLflow's shapes, and the artifact appears whole on complete", async () => {
      const parts = partsOf(1)
      const created = await create('1/run1/artifacts/model', 'weights.bin', 2)
      expect(created.upload_id).toEqual(expect.any(String))
      expect(created.credentials.map((c) => [c.part_number, c.headers])).toEqual([
        [1, {}],
        [2, {}],
      ])
      const etags: string[] = []
      for (const [i, credential] of created.credentials.entries()) etags.push(await putPart(credential, parts[i]!))
      expect(etags.every((e) => e.length > 0)).toBe(true)
      // Not visible before complete.
      const early = await server.fetch(`${server.url}${API}/artifacts/1/run1/artifacts/model/weights.bin`)
      expect(early.status).toBe(404)
      await early.body?.cancel()

      const done = await post('complete', '1/run1/artifacts/model', {
        path: '/home/user/weights.bin',
        upload_id: created.upload_id,
        parts: created.credentials.map((c, i) => ({ part_number: c.part_number, etag: etags[i], url: c.url })),
      })
      expect(done).toEqual({ status: 200, body: {} })
      const got = await server.fetch(`${server.url}${API}/artifacts/1/run1/artifacts/model/weights.bin`)
      expect(got.status).toBe(200)
      const bytes = Buffer.from(await got.arrayBuffer())
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(
        createHash('sha256').update(Buffer.concat(parts)).digest('hex'),
      )
      expect(await backend.pending()).toBe(0)
    })

    it('abort removes the parts and leaves no artifact', async () => {
      const created = await create('1/run2/artifacts', 'big.bin', 2)
      await putPart(created.credentials[0]!, partsOf(2)[0]!)
      expect(await backend.pending()).toBe(1)
      expect(await post('abort', '1/run2/artifacts', { path: 'big.bin', upload_id: created.upload_id })).toEqual({
        status: 200,
        body: {},
      })
      expect(await backend.pending()).toBe(0)
      const listed = await server.fetch(`${server.url}${API}/artifacts?path=1/run2/artifacts`)
      expect(await listed.json()).toEqual({})
    })

    it('answers bad input with a 4xx naming the problem', async () => {
      const folder = '1/run3/artifacts'
      const expectError = async (
        result: Promise<{ status: number; body: any }>,
        status: number,
        message: RegExp,
      ): Promise<void> => {
        const { status: got, body } = await result
        expect({ got, message: body.message }).toEqual({ got: status, message: expect.stringMatching(message) })
      }
      await expectError(post('create', folder, { num_parts: 1 }), 400, /required parameter 'path'/)
      await expectError(post('create', folder, { path: 'x.bin', num_parts: 0 }), 400, /num_parts/)
      await expectError(post('create', folder, { path: 'x.bin', num_parts: 10_001 }), 400, /num_parts/)
      await expectError(post('create', folder, { path: 'x.bin', num_parts: 'many' }), 400, /num_parts/)
      await expectError(post('create', folder, { path: '/tmp/..', num_parts: 1 }), 400, /names no file/)
      await expectError(
        post('create', '1/%252e%252e/%252e%252e', { path: 'x.bin', num_parts: 1 }),
        400,
        /Invalid artifact path/,
      )
      await expectError(post('create', '1/..%5C..', { path: 'x.bin', num_parts: 1 }), 400, /Invalid artifact path/)
      await expectError(
        post('create', folder, { path: 'a\\..\\..\\x.bin', num_parts: 1 }),
        400,
        /Invalid artifact path/,
      )

      await expectError(
        post('complete', folder, {
          path: 'x.bin',
          upload_id: 'no-such-upload',
          parts: [{ part_number: 1, etag: '"e"' }],
        }),
        404,
        /no-such-upload.*does not exist/,
      )
      await expectError(post('abort', folder, { path: 'x.bin', upload_id: 'no-such-upload' }), 404, /does not exist/)
      await expectError(post('abort', folder, { path: 'x.bin' }), 400, /required parameter 'upload_id'/)

      const created = await create(folder, 'x.bin', 2)
      const etag = await putPart(created.credentials[0]!, partsOf(3)[0]!)
      const complete = (parts: unknown, path = 'x.bin') =>
        post('complete', folder, { path, upload_id: created.upload_id, parts })
      await expectError(complete(undefined), 400, /required parameter 'parts'/)
      await expectError(complete([]), 400, /at least one part/)
      await expectError(complete([{ part_number: 0, etag }]), 400, /part_number 0/)
      await expectError(
        complete([
          { part_number: 2, etag },
          { part_number: 1, etag },
        ]),
        400,
        /ascending/,
      )
      await expectError(complete([{ part_number: 'one', etag }]), 400, /part_number/)
      // Part 2 was never sent.
      await expectError(
        complete([
          { part_number: 1, etag },
          { part_number: 2, etag },
        ]),
        400,
        /[Pp]art/,
      )
      await expectError(complete([{ part_number: 1, etag: '"0000"' }]), 400, /etag|ETag|part/i)
      // Still there after the refusals: abort cleans up.
      expect((await post('abort', folder, { path: 'x.bin', upload_id: created.upload_id })).status).toBe(200)
      expect(await backend.pending()).toBe(0)
    })

    if (name === 'local folder') {
      it('refuses a part without its token, or past the last part, and hides the parts folder', async () => {
        const created = await create('1/run4/artifacts', 'y.bin', 1)
        const url = new URL(created.credentials[0]!.url)
        const wrong = new URL(url)
        wrong.searchParams.set('token', '0'.repeat(64))
        let res = await server.fetch(wrong, { method: 'PUT', body: 'x' })
        expect(res.status).toBe(403)
        expect(((await res.json()) as any).message).toMatch(/Invalid token for part 1/)
        const past = new URL(url)
        past.pathname = past.pathname.replace(/\/1$/, '/2')
        res = await server.fetch(past, { method: 'PUT', body: 'x' })
        expect(res.status).toBe(403) // the token is the part's own
        await res.body?.cancel()
        res = await server.fetch(`${server.url}${API}/artifacts/.keel-mpu/x`)
        expect(res.status).toBe(400)
        expect(((await res.json()) as any).message).toMatch(/reserved for multipart uploads/)
        res = await server.fetch(`${server.url}${API}/artifacts?path=`)
        expect(JSON.stringify(await res.json())).not.toContain('.keel-mpu')
        await post('abort', '1/run4/artifacts', { path: 'y.bin', upload_id: created.upload_id })
      })

      it("answers presigned downloads with MLflow's 501 (its client then downloads through the proxy)", async () => {
        const res = await server.fetch(`${server.url}${API}/presigned/1/run1/artifacts/model/weights.bin`)
        expect(res.status).toBe(501)
        expect(((await res.json()) as any).message).toBe(
          'Multipart download is not supported for the current artifact repository',
        )
      })
    } else {
      it('presigns a download URL with the file size', async () => {
        const res = await server.fetch(`${server.url}${API}/presigned/1/run1/artifacts/model/weights.bin`)
        expect(res.status).toBe(200)
        const body = (await res.json()) as { url: string; headers: Record<string, string>; file_size: number }
        expect(body.headers).toEqual({})
        expect(body.file_size).toBe(5 * MiB + 'tail 1'.length)
        const ranged = await fetch(body.url, { headers: { Range: `bytes=${5 * MiB}-` } })
        expect(await ranged.text()).toBe('tail 1')
        const missing = await server.fetch(`${server.url}${API}/presigned/1/run1/artifacts/missing.bin`)
        expect(missing.status).toBe(404)
        await missing.body?.cancel()
        const escaping = await server.fetch(`${server.url}${API}/presigned/1/%252e%252e/%252e%252e/secret`)
        expect(escaping.status).toBe(400)
        await escaping.body?.cancel()
      })
    }
  })
}
