/**
 * The artifact repository conformance suite on S3 (moto's server mode, started for this file), with
 * each test on a fresh prefix of one bucket; keys beside the prefix (a sibling whose name it
 * prefixes, the parent, the bucket's root) must stay untouched.
 */
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3ArtifactRepository } from '../src/artifacts/s3-artifact-repository.js'
import { runArtifactRepositoryConformance } from './conformance/artifact-repository-conformance.js'
import { type S3Server, startS3Server } from './support/s3-server.js'

let s3: S3Server
let next = 0

beforeAll(async () => {
  s3 = await startS3Server()
})

afterAll(async () => {
  await s3?.close()
})

async function keys(prefix: string): Promise<string[]> {
  const found: string[] = []
  let token: string | undefined
  do {
    const page = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ...(token && { ContinuationToken: token }) }),
    )
    found.push(...(page.Contents ?? []).map((o) => o.Key!))
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return found
}

runArtifactRepositoryConformance('S3', async () => {
  const base = `t${++next}`
  const prefix = `${base}/prefix`
  const outsideKeys = [`${base}/secret.txt`, `${base}/prefix-other/secret.txt`, `${base}/prefixsecret.txt`]
  return {
    // 5 MiB parts (S3's minimum): the large-file and interrupted-upload tests span several.
    repo: new S3ArtifactRepository(s3.client, { bucket: s3.bucket, prefix }, { partSize: 5 * 1024 * 1024 }),
    async stored() {
      const objects = (await keys(`${prefix}/`)).map((k) => k.slice(prefix.length + 1))
      const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: `${prefix}/` }))
      const pending = (uploads.Uploads ?? []).map((u) => `(multipart upload in progress) ${u.Key}`)
      return [...objects, ...pending].sort()
    },
    async seedOutside() {
      for (const Key of outsideKeys) {
        await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: 'secret' }))
      }
    },
    async outside() {
      const seen: Record<string, string> = {}
      for (const key of await keys(`${base}/`)) {
        if (key.startsWith(`${prefix}/`)) continue
        const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
        seen[key] = await object.Body!.transformToString()
      }
      return seen
    },
    async close() {},
  }
})

describe('S3 listings page through continuation tokens', () => {
  it('lists, walks and deletes past one page', async () => {
    const repo = new S3ArtifactRepository(s3.client, { bucket: s3.bucket, prefix: 'paged' }, { listPageSize: 2 })
    const files = ['a.txt', 'b.txt', 'c.txt', 'd/1.txt', 'd/2.txt', 'd/3.txt', 'e/x/y.txt', 'f.txt']
    for (const f of files) await repo.put(`1/${f}`, Readable.from([Buffer.from(f)]))
    expect((await repo.list('1')).map((f) => `${f.path}${f.isDir ? '/' : ''}`)).toEqual([
      'a.txt',
      'b.txt',
      'c.txt',
      'd/',
      'e/',
      'f.txt',
    ])
    const walked: string[] = []
    for await (const f of repo.walk('1')) walked.push(f.path)
    expect(walked).toEqual(files)
    await repo.delete('1/d')
    expect(await keys('paged/')).toEqual([
      'paged/1/a.txt',
      'paged/1/b.txt',
      'paged/1/c.txt',
      'paged/1/e/x/y.txt',
      'paged/1/f.txt',
    ])
    await repo.delete('1')
    expect(await keys('paged/')).toEqual([])
  })
})
