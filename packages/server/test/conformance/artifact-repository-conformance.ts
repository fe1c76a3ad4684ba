/**
 * The contract of ArtifactRepository (src/artifacts/artifact-repository.ts) as executable tests. The
 * local folder and S3 both call `runArtifactRepositoryConformance` with a factory for a fresh, empty
 * repository, and answer the same way: the same results, the same KeelError codes.
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ArtifactFileInfo, ArtifactRepository } from '../../src/artifacts/artifact-repository.js'
import { refused } from './refused.js'

export interface ArtifactRepositoryHandle {
  readonly repo: ArtifactRepository
  /**
   * Everything the backend holds for this repository, whatever state it is in: every file below the
   * folder (temp files included), or every key below the prefix plus every multipart upload in progress.
   */
  stored(): Promise<string[]>
  /** Puts `secret` in the places next to the repository that it must never reach (a sibling, the parent). */
  seedOutside(): Promise<void>
  /** What is outside, as `seedOutside` left it: names and contents. */
  outside(): Promise<Record<string, string>>
  close(): Promise<void>
}

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part)
}

/** Yields `bytes` in 1 MiB chunks, then fails, as a client that goes away mid-upload. */
async function* brokenAfter(bytes: number): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < bytes; sent += 1024 * 1024) yield Buffer.alloc(Math.min(1024 * 1024, bytes - sent), 1)
  throw new Error('client went away')
}

async function collect(files: AsyncIterable<ArtifactFileInfo>): Promise<ArtifactFileInfo[]> {
  const all: ArtifactFileInfo[] = []
  for await (const file of files) all.push(file)
  return all
}

async function read(repo: ArtifactRepository, path: string): Promise<string> {
  return text((await repo.get(path)).stream)
}

/** The paths every backend refuses, each for a reason safe-path.ts names. */
export const ESCAPES = [
  '..',
  '../secret.txt',
  '1/../../secret.txt',
  '%2e%2e/secret.txt',
  '%252e%252e/secret.txt',
  '1/%2E%2E/%2e%2e/secret.txt',
  '..%2fsecret.txt',
  '/etc/passwd',
  '/secret.txt',
  '..\\secret.txt',
  '1\\..\\..\\secret.txt',
  'C:/secret.txt',
  'file:///etc/passwd',
  's3://other-bucket/secret.txt',
  '1/a\u0000b',
  '../root-other/secret.txt',
  '../prefix-other/secret.txt',
]

export function runArtifactRepositoryConformance(name: string, open: () => Promise<ArtifactRepositoryHandle>): void {
  describe(`ArtifactRepository conformance: ${name}`, () => {
    let handle: ArtifactRepositoryHandle
    let repo: ArtifactRepository

    beforeEach(async () => {
      handle = await open()
      repo = handle.repo
    })

    afterEach(async () => {
      await handle.close()
    })

    it('writes, reads, lists, walks and deletes through nested folders', async () => {
      expect(await repo.put('1/run/artifacts/model/MLmodel', chunks('flavors:', '\n  python: {}\n'))).toEqual({
        size: 22,
      })
      await repo.put('1/run/artifacts/model/weights.bin', Readable.from([Buffer.alloc(1000, 7)]))
      await repo.put('1/run/artifacts/metrics.json', chunks('{}'))
      await repo.put('1/run/artifacts/model.txt', chunks('x'))

      const got = await repo.get('1/run/artifacts/model/MLmodel')
      expect(got.size).toBe(22)
      expect(await text(got.stream)).toBe('flavors:\n  python: {}\n')

      expect(await repo.list('1/run/artifacts')).toEqual([
        { path: 'metrics.json', isDir: false, fileSize: 2 },
        { path: 'model', isDir: true },
        { path: 'model.txt', isDir: false, fileSize: 1 },
      ])
      expect(await repo.list('1/run/artifacts/')).toEqual(await repo.list('./1//run/artifacts'))
      // Folder by folder, by name: `model/…` before `model.txt` (though '.' sorts before '/').
      expect(await collect(repo.walk('1/run'))).toEqual([
        { path: 'artifacts/metrics.json', isDir: false, fileSize: 2 },
        { path: 'artifacts/model/MLmodel', isDir: false, fileSize: 22 },
        { path: 'artifacts/model/weights.bin', isDir: false, fileSize: 1000 },
        { path: 'artifacts/model.txt', isDir: false, fileSize: 1 },
      ])
      expect(await collect(repo.walk(''))).toHaveLength(4)

      await repo.delete('1/run/artifacts/model')
      expect(await repo.list('1/run/artifacts')).toEqual([
        { path: 'metrics.json', isDir: false, fileSize: 2 },
        { path: 'model.txt', isDir: false, fileSize: 1 },
      ])
      await repo.delete('1/run/artifacts/metrics.json')
      expect(await repo.list('1/run/artifacts')).toEqual([{ path: 'model.txt', isDir: false, fileSize: 1 }])
      // Deleting a folder does not touch a file whose name it prefixes.
      await repo.put('1/run/artifacts/model/again', chunks('y'))
      await repo.delete('1/run/artifacts/model')
      expect(await read(repo, '1/run/artifacts/model.txt')).toBe('x')
    })

    it('replaces a file whole', async () => {
      await repo.put('1/a.txt', chunks('old content'))
      expect(await repo.put('1/a.txt', chunks('new'))).toEqual({ size: 3 })
      expect(await read(repo, '1/a.txt')).toBe('new')
      expect(await repo.list('1')).toEqual([{ path: 'a.txt', isDir: false, fileSize: 3 }])
    })

    it('stores empty files', async () => {
      expect(await repo.put('1/empty.txt', chunks())).toEqual({ size: 0 })
      const got = await repo.get('1/empty.txt')
      expect(got.size).toBe(0)
      expect(await text(got.stream)).toBe('')
      expect(await repo.list('1')).toEqual([{ path: 'empty.txt', isDir: false, fileSize: 0 }])
    })

    it('keeps unicode and unusual names as they are', async () => {
      const names = ['données.csv', '模型/权重.bin', 'emoji 🎉.txt', 'a b+c=d&e.txt', '100%.txt', 'ünïcödé/ñ']
      for (const [i, n] of names.entries()) await repo.put(`1/${n}`, chunks(`content ${i}`))
      for (const [i, n] of names.entries()) expect(await read(repo, `1/${n}`)).toBe(`content ${i}`)
      expect((await repo.list('1')).map((f) => f.path)).toEqual(
        ['a b+c=d&e.txt', '100%.txt', 'données.csv', 'emoji 🎉.txt', 'ünïcödé', '模型'].sort(),
      )
      expect(await repo.list('1/模型')).toEqual([{ path: '权重.bin', isDir: false, fileSize: 9 }])
    })

    it('streams a large file in and out (several multipart parts on S3)', { timeout: 120_000 }, async () => {
      const MiB = 1024 * 1024
      const parts = 40
      const sent = createHash('sha256')
      async function* body(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < parts; i++) {
          const chunk = Buffer.allocUnsafe(MiB).fill(i % 251)
          chunk.writeUInt32BE(i, 0)
          sent.update(chunk)
          yield chunk
        }
      }
      expect(await repo.put('1/big/model.bin', body())).toEqual({ size: parts * MiB })
      const { stream, size } = await repo.get('1/big/model.bin')
      expect(size).toBe(parts * MiB)
      const received = createHash('sha256')
      for await (const chunk of stream as AsyncIterable<Buffer>) received.update(chunk)
      expect(received.digest('hex')).toBe(sent.digest('hex'))
      expect(await repo.list('1/big')).toEqual([{ path: 'model.bin', isDir: false, fileSize: parts * MiB }])
    })

    it('answers a missing path the same way', async () => {
      await refused(repo.get('1/missing.txt'), 'RESOURCE_DOES_NOT_EXIST', /does not exist/)
      await refused(repo.get('9/nowhere/at/all'), 'RESOURCE_DOES_NOT_EXIST')
      expect(await repo.list('1/missing')).toEqual([])
      expect(await collect(repo.walk('1/missing'))).toEqual([])
      await repo.delete('1/missing') // not an error
      await repo.put('1/file.txt', chunks('x'))
      // A file lists as nothing; reading a folder is refused.
      expect(await repo.list('1/file.txt')).toEqual([])
      await refused(repo.get('1'), 'INVALID_PARAMETER_VALUE', /is a folder/)
    })

    it('refuses the root, a file over a folder and a file below a file', async () => {
      await refused(repo.put('', chunks('x')), 'INVALID_PARAMETER_VALUE', /root/)
      await refused(repo.put('./', chunks('x')), 'INVALID_PARAMETER_VALUE', /root/)
      await refused(repo.delete(''), 'INVALID_PARAMETER_VALUE', /root/)
      await repo.put('1/dir/file.txt', chunks('x'))
      await refused(repo.put('1/dir', chunks('y')), 'INVALID_PARAMETER_VALUE', /is a folder/)
      await refused(repo.put('1/dir/file.txt/below', chunks('y')), 'INVALID_PARAMETER_VALUE', /is a file/)
      expect(await read(repo, '1/dir/file.txt')).toBe('x')
      expect(await handle.stored()).toEqual(['1/dir/file.txt'])
    })

    it('refuses every path that could escape, for every operation, and touches nothing outside', async () => {
      await handle.seedOutside()
      const before = await handle.outside()
      await repo.put('1/inside.txt', chunks('inside'))
      for (const attempt of ESCAPES) {
        await refused(repo.put(attempt, chunks('pwned')), 'INVALID_PARAMETER_VALUE', /Invalid artifact path/)
        await refused(repo.get(attempt), 'INVALID_PARAMETER_VALUE', /Invalid artifact path/)
        await refused(repo.list(attempt), 'INVALID_PARAMETER_VALUE', /Invalid artifact path/)
        await refused(collect(repo.walk(attempt)), 'INVALID_PARAMETER_VALUE', /Invalid artifact path/)
        await refused(repo.delete(attempt), 'INVALID_PARAMETER_VALUE', /Invalid artifact path/)
      }
      expect(await handle.outside()).toEqual(before)
      expect(await handle.stored()).toEqual(['1/inside.txt'])
      // The root lists only what is inside, never a sibling whose name it prefixes.
      expect(await repo.list('')).toEqual([{ path: '1', isDir: true }])
      expect(await collect(repo.walk(''))).toEqual([{ path: '1/inside.txt', isDir: false, fileSize: 6 }])
    })

    it('leaves nothing visible after an upload that fails midway', { timeout: 60_000 }, async () => {
      await repo.put('1/kept.txt', chunks('kept'))
      // Small (fails before the first part is full) and large (fails after parts were uploaded).
      for (const bytes of [3, 20 * 1024 * 1024]) {
        await expect(repo.put('1/partial/upload.bin', brokenAfter(bytes))).rejects.toThrow('client went away')
        await refused(repo.get('1/partial/upload.bin'), 'RESOURCE_DOES_NOT_EXIST')
        expect(await repo.list('1')).toEqual([{ path: 'kept.txt', isDir: false, fileSize: 4 }])
        expect(await handle.stored()).toEqual(['1/kept.txt'])
      }
      // Over an existing file: the old one stays whole.
      await expect(repo.put('1/kept.txt', brokenAfter(20 * 1024 * 1024))).rejects.toThrow('client went away')
      expect(await read(repo, '1/kept.txt')).toBe('kept')
      expect(await handle.stored()).toEqual(['1/kept.txt'])
    })

    it('refuses a body over maxBytes and stores nothing', async () => {
      const limited = repo.put('1/big.bin', chunks('0123456789', '0123456789'), { maxBytes: 15 })
      await refused(limited, 'INVALID_PARAMETER_VALUE', /too large/)
      await refused(
        repo.put('1/declared.bin', chunks('x'), { maxBytes: 15, expectedBytes: 16 }),
        'INVALID_PARAMETER_VALUE',
      )
      expect(await handle.stored()).toEqual([])
    })
  })
}
