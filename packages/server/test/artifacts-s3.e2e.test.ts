/**
 * The built CLI on S3 (moto, started for this file) where the socket or the process is the point:
 * an upload cut short by its client (the connection closed after several parts went to S3) leaves
 * no object and no multipart upload, and logs one warning; a server killed mid-upload (SIGKILL)
 * leaves no object visible either (its open multipart upload holds parts that no reader sees, for
 * the bucket's lifecycle rule to expire, as with any S3 client).
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { type ClientRequest, request } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, startKeelServer } from './support/keel-server.js'
import { type S3Server, startS3Server } from './support/s3-server.js'
import { poll } from './support/poll.js'

const MiB = 1024 * 1024
let s3: S3Server
const servers: KeelServer[] = []

beforeAll(async () => {
  s3 = await startS3Server()
})
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
})
afterAll(async () => {
  await s3?.close()
})

async function start(prefix: string): Promise<KeelServer> {
  const server = await startKeelServer({
    args: ['--artifacts-destination', `s3://${s3.bucket}/${prefix}`],
    env: s3.env,
  })
  servers.push(server)
  return server
}

async function objects(prefix: string): Promise<string[]> {
  const page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }))
  return (page.Contents ?? []).map((o) => o.Key!)
}

async function uploads(prefix: string): Promise<number> {
  const page = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: `${prefix}/` }))
  return page.Uploads?.length ?? 0
}

/** A PUT of a declared 256 MiB that the test feeds itself. */
function upload(server: KeelServer, path: string): ClientRequest {
  const { hostname, port } = new URL(server.url)
  const req = request({
    host: hostname,
    port,
    method: 'PUT',
    path: `/api/2.0/mlflow-artifacts/artifacts/${path}`,
    headers: { 'Content-Length': String(256 * MiB) },
  })
  req.on('error', () => undefined)
  return req
}

/** Writes 1 MiB at a time until `done()` says stop (or the request is gone). */
async function feed(req: ClientRequest, done: () => Promise<boolean>): Promise<void> {
  const chunk = Buffer.alloc(MiB, 7)
  while (!req.destroyed && !(await done())) {
    if (!req.write(chunk)) await new Promise((r) => req.once('drain', r).once('close', r))
  }
}

describe('an S3 upload cut short', () => {
  it('by its client leaves no object and no multipart upload, and logs one warning', async () => {
    const server = await start('client-gone')
    const req = upload(server, '3/run/artifacts/model/weights.bin')
    // Until parts are on their way to S3: the multipart upload exists.
    await feed(req, async () => (await uploads('client-gone')) > 0)
    req.destroy()
    await poll('the multipart upload to be aborted', async () => (await uploads('client-gone')) === 0)
    expect(await objects('client-gone')).toEqual([])
    await poll('the warning', async () => server.output().includes('request aborted by the client'))
    expect(server.output()).not.toContain('ERROR')
  })

  it('by a killed server leaves no object visible', async () => {
    const server = await start('killed')
    const req = upload(server, '3/run/artifacts/model/weights.bin')
    await feed(req, async () => (await uploads('killed')) > 0)
    await server.stop('SIGKILL')
    req.destroy()
    expect(await objects('killed')).toEqual([])
  })
})
