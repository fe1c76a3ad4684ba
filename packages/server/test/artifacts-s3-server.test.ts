/**
 * keel server on S3 (moto, started for this file), in-process: `--artifacts-destination s3://…`
 * (proxied: uploads, downloads, listings and deletes through the artifact routes land below the
 * prefix), `--default-artifact-root s3://…` (clients write there; the server reads run artifacts
 * below that root and nowhere else), and the start-up check that names a missing bucket or an
 * unreachable endpoint.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKeelApp } from './support/keel-app.js'
import { type S3Server, startS3Server } from './support/s3-server.js'

let s3: S3Server
const saved = { ...process.env }

beforeAll(async () => {
  s3 = await startS3Server()
  // The server's S3 client reads its endpoint and credentials from the environment, as keel server does.
  Object.assign(process.env, s3.env)
})

afterAll(async () => {
  await s3?.close()
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
  Object.assign(process.env, saved)
})

async function keys(prefix: string): Promise<string[]> {
  const page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }))
  return (page.Contents ?? []).map((o) => o.Key!).sort()
}

describe('keel server --artifacts-destination s3://', () => {
  it('streams artifacts through the proxy into the bucket, below the prefix', async () => {
    const server = await startKeelApp({ args: ['--artifacts-destination', `s3://${s3.bucket}/proxied`] })
    try {
      // MLflow's client sends large files to S3 in parts when the server says it may, as MLflow's does.
      const info = await server.fetch(`${server.url}/api/3.0/mlflow/server-info`)
      expect(await info.json()).toMatchObject({ multipart_uploads_enabled: true, multipart_downloads_enabled: true })
      const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts`
      const put = await server.fetch(`${base}/1/run/artifacts/model/MLmodel`, {
        method: 'PUT',
        headers: { 'content-type': 'text/plain' },
        body: 'flavors: {}\n',
      })
      expect(put.status).toBe(200)
      await put.body?.cancel()
      expect(await keys('proxied/')).toEqual(['proxied/1/run/artifacts/model/MLmodel'])
      const got = await server.fetch(`${base}/1/run/artifacts/model/MLmodel`)
      expect(got.headers.get('content-length')).toBe('12')
      expect(await got.text()).toBe('flavors: {}\n')
      const listed = await server.fetch(`${base}?path=1/run/artifacts`)
      expect(await listed.json()).toEqual({ files: [{ path: 'model', is_dir: true }] })
      const missing = await server.fetch(`${base}/1/run/artifacts/nope.txt`)
      expect(missing.status).toBe(404)
      await missing.body?.cancel()
      const escaped = await server.fetch(`${base}/1/%252e%252e/%252e%252e/secret`)
      expect(escaped.status).toBe(400)
      await escaped.body?.cancel()
      const deleted = await server.fetch(`${base}/1/run/artifacts/model`, { method: 'DELETE' })
      expect(deleted.status).toBe(200)
      await deleted.body?.cancel()
      expect(await keys('proxied/')).toEqual([])
    } finally {
      await server.close()
    }
  })

  it('refuses to start when the bucket does not exist, naming it', async () => {
    await expect(startKeelApp({ args: ['--artifacts-destination', 's3://no-such-bucket/x'] })).rejects.toThrow(
      /Cannot use the artifact store s3:\/\/no-such-bucket\/x: the bucket does not exist/,
    )
  })

  it('refuses to start when S3 cannot be reached, naming the store', async () => {
    const endpoint = process.env.MLFLOW_S3_ENDPOINT_URL
    process.env.MLFLOW_S3_ENDPOINT_URL = 'http://127.0.0.1:1'
    try {
      await expect(startKeelApp({ args: ['--artifacts-destination', `s3://${s3.bucket}/x`] })).rejects.toThrow(
        /Cannot use the artifact store s3:\/\/keel-test\/x: .*ECONNREFUSED/,
      )
    } finally {
      process.env.MLFLOW_S3_ENDPOINT_URL = endpoint
    }
  })

  it('refuses an invalid S3 URI at start', async () => {
    await expect(startKeelApp({ args: ['--artifacts-destination', 's3://Bad_Bucket/x'] })).rejects.toThrow(
      /not a valid bucket name/,
    )
    await expect(startKeelApp({ args: ['--artifacts-destination', `s3://${s3.bucket}/a/../b`] })).rejects.toThrow(
      /'\.\.' segment/,
    )
  })
})

describe('keel server --default-artifact-root s3://', () => {
  it('gives experiments s3:// locations and reads run artifacts below the root, and only there', async () => {
    const server = await startKeelApp({ args: ['--default-artifact-root', `s3://${s3.bucket}/root`] })
    const post = async (path: string, body: unknown) =>
      (
        await server.fetch(`${server.url}/api/2.0/mlflow${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json() as Promise<any>
    try {
      const { experiment_id } = await post('/experiments/create', { name: 'on-s3' })
      const { run } = await post('/runs/create', { experiment_id })
      const uri: string = run.info.artifact_uri
      expect(uri).toMatch(new RegExp(`^s3://${s3.bucket}/root/${experiment_id}/`))
      // A client (MLflow's, with boto3) writes the artifact itself.
      const key = `${uri.slice(`s3://${s3.bucket}/`.length)}/metrics.json`
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: '{"a": 1}' }))
      const listed = await server.fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.run_id}`)
      expect(((await listed.json()) as any).files).toEqual([{ path: 'metrics.json', is_dir: false, file_size: 8 }])

      // A location outside the root (set by a client) is not read.
      const elsewhere = await post('/experiments/create', {
        name: 'elsewhere',
        artifact_location: `s3://${s3.bucket}/other`,
      })
      const { run: other } = await post('/runs/create', { experiment_id: elsewhere.experiment_id })
      await s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: `other/${other.info.run_id}/secret.txt`, Body: 'x' }),
      )
      const refused = await server.fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${other.info.run_id}`)
      expect(refused.status).toBe(400)
      expect(((await refused.json()) as any).message).toMatch(/is not served by this server/)
      const secret = await s3.client.send(
        new GetObjectCommand({ Bucket: s3.bucket, Key: `other/${other.info.run_id}/secret.txt` }),
      )
      expect(await secret.Body!.transformToString()).toBe('x')
    } finally {
      await server.close()
    }
  })
})
