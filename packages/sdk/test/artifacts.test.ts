import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { normalizeArtifactPath, resolveArtifactRepository } from '../src/artifacts.js'
import { HttpClient } from '../src/http.js'
import { createKeel } from '../src/keel.js'
import { type FakeMlflow, startFakeMlflow } from './support/fake-mlflow.js'

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts'
let fake: FakeMlflow
let tmp: string
let http: HttpClient

beforeAll(async () => {
  fake = await startFakeMlflow()
  tmp = await mkdtemp(join(tmpdir(), 'keel-artifacts-test-'))
  http = new HttpClient({ trackingUri: fake.url, retry: { initialDelayMs: 1 } })
})
afterAll(async () => {
  await fake.close()
  await rm(tmp, { recursive: true, force: true })
})
afterEach(() => fake.reset())

const sha256 = async (file: string) => {
  const hash = createHash('sha256')
  await pipeline(createReadStream(file), hash)
  return hash.digest('hex')
}

/** Writes `mib` MiB of random bytes, 1 MiB at a time. */
async function bigFile(path: string, mib: number): Promise<void> {
  const out = createWriteStream(path)
  for (let i = 0; i < mib; i++)
    if (!out.write(randomBytes(1 << 20))) await new Promise<void>((r) => out.once('drain', () => r()))
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
}

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(root, ...rel.split('/').slice(0, -1)), { recursive: true })
    await writeFile(join(root, ...rel.split('/')), content)
  }
}

describe('uploads through the artifact proxy', () => {
  it('streams a 64 MiB file from disk: a chunked body, not a buffer with a length', async () => {
    const file = join(tmp, 'model.bin')
    await bigFile(file, 64)
    const run = await createKeel({ trackingUri: fake.url, lineage: false }).startRun()
    await run.logArtifact(file, 'weights')
    await run.end()
    const path = `${ARTIFACTS}/0/${run.runId}/artifacts/weights/model.bin`
    const [put] = fake.calls('PUT', path)
    expect(put?.headers['transfer-encoding']).toBe('chunked')
    expect(put?.headers['content-length']).toBeUndefined()
    expect(put?.headers['content-type']).toBe('application/octet-stream')
    expect(put?.bytes).toBe(64 << 20)
    expect(await sha256(join(fake.artifactRoot, '0', run.runId, 'artifacts', 'weights', 'model.bin'))).toBe(
      await sha256(file),
    )
  })

  it('uploads a folder recursively, keeping relative paths and encoding each segment', async () => {
    const dir = join(tmp, 'report')
    await writeTree(dir, { 'index.html': '<p>', 'img/a b#1.png': 'png', 'data/x/y.csv': '1,2' })
    const repo = resolveArtifactRepository('mlflow-artifacts:/5/r1/artifacts', http)
    await repo.logArtifacts(dir, 'out')
    const puts = fake.requests
      .filter((r) => r.method === 'PUT')
      .map((r) => r.path)
      .sort()
    expect(puts).toEqual([
      `${ARTIFACTS}/5/r1/artifacts/out/data/x/y.csv`,
      `${ARTIFACTS}/5/r1/artifacts/out/img/a%20b%231.png`,
      `${ARTIFACTS}/5/r1/artifacts/out/index.html`,
    ])
    expect(await readFile(join(fake.artifactRoot, '5', 'r1', 'artifacts', 'out', 'img', 'a b#1.png'), 'utf8')).toBe(
      'png',
    )
  })

  it('stores text and JSON', async () => {
    const repo = resolveArtifactRepository('mlflow-artifacts:/5/r2/artifacts', http)
    await repo.logText('hello', 'notes/readme.md')
    await repo.logDict({ lr: 0.1 }, 'config.json')
    expect(await readFile(join(fake.artifactRoot, '5', 'r2', 'artifacts', 'notes', 'readme.md'), 'utf8')).toBe('hello')
    expect(JSON.parse(await readFile(join(fake.artifactRoot, '5', 'r2', 'artifacts', 'config.json'), 'utf8'))).toEqual({
      lr: 0.1,
    })
    expect(fake.calls('PUT', `${ARTIFACTS}/5/r2/artifacts/config.json`)[0]?.headers['content-type']).toBe(
      'application/json',
    )
  })

  it('uses the host of a mlflow-artifacts://host:port URI, keeping the tracking URI path prefix', async () => {
    const elsewhere = new HttpClient({ trackingUri: 'http://127.0.0.1:9/prefix', retry: { maxAttempts: 1 } })
    const repo = resolveArtifactRepository(`mlflow-artifacts://${new URL(fake.url).host}/5/r3/artifacts`, elsewhere)
    await repo.logText('x', 'a.txt').catch(() => undefined)
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /prefix${ARTIFACTS}/5/r3/artifacts/a.txt`])
  })
})

describe('artifact URIs the SDK does not write to', () => {
  it('refuses an s3:// run artifact URI, saying how to serve it through the proxy', () => {
    const http = new HttpClient({ trackingUri: 'http://127.0.0.1:9', retry: { maxAttempts: 1 } })
    expect(() => resolveArtifactRepository('s3://bucket/prefix/1/r1/artifacts', http)).toThrow(
      expect.objectContaining({
        code: 'NOT_IMPLEMENTED',
        message: expect.stringMatching(/is in S3.*--artifacts-destination s3:\/\/bucket\/prefix/),
      }),
    )
  })
})

describe('listing and downloads', () => {
  const root = () => join(fake.artifactRoot, '7', 'r9', 'artifacts')
  beforeAll(() =>
    writeTree(root(), { 'model/MLmodel': 'flavors', 'model/data/w.bin': 'weights', 'metrics.json': '{}' }),
  )

  it('lists one level with paths relative to the root', async () => {
    const repo = resolveArtifactRepository('mlflow-artifacts:/7/r9/artifacts', http)
    const entries = await repo.listArtifacts()
    expect(entries.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'metrics.json', isDir: false, fileSize: 2 },
      { path: 'model', isDir: true },
    ])
    expect((await repo.listArtifacts('model/data')).map((e) => e.path)).toEqual(['model/data/w.bin'])
    expect(fake.requests.map((r) => r.query)).toEqual([
      [['path', '7/r9/artifacts']],
      [['path', '7/r9/artifacts/model/data']],
    ])
    expect(await repo.listArtifacts('missing')).toEqual([])
  })

  it('downloads a folder, a single file, and everything', async () => {
    const repo = resolveArtifactRepository('mlflow-artifacts:/7/r9/artifacts', http)
    const dst = join(tmp, 'dl')
    expect(await repo.downloadArtifacts('model', dst)).toBe(join(dst, 'model'))
    expect(await readFile(join(dst, 'model', 'data', 'w.bin'), 'utf8')).toBe('weights')
    expect(await readFile(join(dst, 'model', 'MLmodel'), 'utf8')).toBe('flavors')
    expect(await repo.downloadArtifacts('metrics.json', join(tmp, 'one'))).toBe(join(tmp, 'one', 'metrics.json'))
    const all = await repo.downloadArtifacts(undefined, join(tmp, 'all'))
    expect((await readdir(all, { recursive: true })).sort()).toEqual([
      'metrics.json',
      'model',
      'model/MLmodel',
      'model/data',
      'model/data/w.bin',
    ])
    await expect(repo.downloadArtifacts('nope.txt', dst)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
  })

  it('downloads a large file streamed to disk', async () => {
    const file = join(root(), 'big.bin')
    await bigFile(file, 16)
    const repo = resolveArtifactRepository('mlflow-artifacts:/7/r9/artifacts', http)
    const local = await repo.downloadArtifacts('big.bin', join(tmp, 'big'))
    expect((await stat(local)).size).toBe(16 << 20)
    expect(await sha256(local)).toBe(await sha256(file))
    expect(await readdir(join(tmp, 'big'))).toEqual(['big.bin']) // no temporary file left behind
  })
})

describe('local artifact roots (mlflow server --no-serve-artifacts)', () => {
  it('copies to and from a file:// URI or a plain path', async () => {
    const store = join(tmp, 'local-store')
    const src = join(tmp, 'local-src')
    await writeTree(src, { 'a.txt': 'A', 'sub/b.txt': 'B' })
    const repo = resolveArtifactRepository(pathToFileURL(store).href, http)
    await repo.logArtifacts(src, 'run')
    await repo.logArtifact(join(src, 'a.txt'))
    await repo.logDict({ k: 1 }, 'd.json')
    expect((await resolveArtifactRepository(store, http).listArtifacts('run')).map((e) => e.path)).toEqual([
      'run/a.txt',
      'run/sub',
    ])
    const out = await repo.downloadArtifacts('run', join(tmp, 'local-dl'))
    expect(await readFile(join(out, 'sub', 'b.txt'), 'utf8')).toBe('B')
    expect(await readFile(join(store, 'a.txt'), 'utf8')).toBe('A')
    expect(fake.requests).toHaveLength(0)
  })

  it('refuses unsupported schemes and unsafe paths', () => {
    expect(() => resolveArtifactRepository('gs://bucket/x', http)).toThrow(/not supported/)
    expect(() => normalizeArtifactPath('a/../../etc')).toThrow(/\.\./)
    expect(normalizeArtifactPath('/a//./b/')).toBe('a/b')
  })
})
