import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ArtifactFileInfo } from './artifact-repository.js'
import { LocalArtifactRepository } from './local-artifact-repository.js'

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part)
}

/** Yields `parts`, then fails, as a client that disconnects mid-upload does. */
async function* brokenUpload(...parts: string[]): AsyncGenerator<Uint8Array> {
  yield* chunks(...parts)
  throw new Error('client went away')
}

async function collect(files: AsyncIterable<ArtifactFileInfo>): Promise<ArtifactFileInfo[]> {
  const all: ArtifactFileInfo[] = []
  for await (const file of files) all.push(file)
  return all
}

/** Every entry under `folder`, temp files included, as paths relative to it. */
async function everything(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true })).sort()
}

let sandbox: string
let root: string
let repo: LocalArtifactRepository

beforeEach(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), 'keel-artifacts-'))
  root = path.join(sandbox, 'root')
  repo = new LocalArtifactRepository(root)
})

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true })
})

async function content(artifactPath: string): Promise<string> {
  const { stream } = await repo.get(artifactPath)
  return text(stream)
}

describe('LocalArtifactRepository', () => {
  it('creates the root on the first write, not at construction', async () => {
    await expect(readdir(root)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await repo.list('')).toEqual([])
    await repo.put('a.txt', chunks('a'))
    expect(await readdir(root)).toEqual(['a.txt'])
  })

  it('round-trips put, get, list, walk and delete through nested folders', async () => {
    expect(await repo.put('1/run/artifacts/model/MLmodel', chunks('flavors:', '\n  python: {}\n'))).toEqual({
      size: 22,
    })
    await repo.put('1/run/artifacts/model/weights.bin', Readable.from([Buffer.alloc(1000, 7)]))
    await repo.put('1/run/artifacts/metrics.json', chunks('{}'))

    const got = await repo.get('1/run/artifacts/model/MLmodel')
    expect(got.size).toBe(22)
    expect(await text(got.stream)).toBe('flavors:\n  python: {}\n')

    expect(await repo.list('1/run/artifacts')).toEqual([
      { path: 'metrics.json', isDir: false, fileSize: 2 },
      { path: 'model', isDir: true },
    ])
    expect(await collect(repo.walk('1/run'))).toEqual([
      { path: 'artifacts/metrics.json', isDir: false, fileSize: 2 },
      { path: 'artifacts/model/MLmodel', isDir: false, fileSize: 22 },
      { path: 'artifacts/model/weights.bin', isDir: false, fileSize: 1000 },
    ])

    await repo.delete('1/run/artifacts/model')
    expect(await repo.list('1/run/artifacts')).toEqual([{ path: 'metrics.json', isDir: false, fileSize: 2 }])
    await repo.delete('1/run/artifacts/metrics.json')
    expect(await repo.list('1/run/artifacts')).toEqual([])
  })

  it('normalises paths on every method', async () => {
    await repo.put('./a//b/c.txt', chunks('c'))
    expect(await content('a/b/c.txt')).toBe('c')
    expect(await repo.list('a/./b/')).toEqual([{ path: 'c.txt', isDir: false, fileSize: 1 }])
    await repo.delete('a//b')
    expect(await repo.list('a')).toEqual([])
  })

  it('lists basenames sorted by name, with sizes for files only', async () => {
    await repo.put('d/b.txt', chunks('bb'))
    await repo.put('d/A.txt', chunks('a'))
    await repo.put('d/c/inner.txt', chunks('inner'))
    await repo.put('d/a.txt', chunks(''))
    expect(await repo.list('d')).toEqual([
      { path: 'A.txt', isDir: false, fileSize: 1 },
      { path: 'a.txt', isDir: false, fileSize: 0 },
      { path: 'b.txt', isDir: false, fileSize: 2 },
      { path: 'c', isDir: true },
    ])
  })

  it('lists a missing folder and a file as [], and walks them as nothing', async () => {
    await repo.put('f.txt', chunks('f'))
    expect(await repo.list('no/such/dir')).toEqual([])
    expect(await repo.list('f.txt')).toEqual([])
    expect(await repo.list('f.txt/below')).toEqual([])
    expect(await collect(repo.walk('no/such/dir'))).toEqual([])
    expect(await collect(repo.walk('f.txt'))).toEqual([])
  })

  it('reports missing files and folders with the right codes', async () => {
    await repo.put('dir/f.txt', chunks('f'))
    await expect(repo.get('dir/missing.txt')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
    await expect(repo.get('dir/f.txt/below')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
    await expect(repo.get('dir')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: /is a folder/ })
    await expect(repo.get('')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
  })

  it('refuses to write over a folder, below a file, or to the root', async () => {
    await repo.put('dir/f.txt', chunks('f'))
    await expect(repo.put('dir', chunks('x'))).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: /is a folder/,
    })
    await expect(repo.put('dir/f.txt/g', chunks('x'))).rejects.toMatchObject({ message: /parent .* is a file/ })
    await expect(repo.put('', chunks('x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
    expect(await everything(root)).toEqual(['dir', 'dir/f.txt'])
  })

  it('deletes idempotently and refuses to delete the root', async () => {
    await repo.delete('never/existed')
    await repo.put('f.txt', chunks('f'))
    await repo.delete('f.txt/below')
    await repo.delete('f.txt')
    await repo.delete('f.txt')
    await expect(repo.delete('')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
    await expect(repo.delete('./')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
  })

  it('refuses hostile paths before touching the disk', async () => {
    for (const hostile of ['../x', '%2e%2e/x', '/etc/passwd', 'a\\b', 'file:///etc/passwd', 'a\u0000b']) {
      await expect(repo.put(hostile, chunks('x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
      await expect(repo.get(hostile)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
      await expect(repo.list(hostile)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
      await expect(collect(repo.walk(hostile))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
      await expect(repo.delete(hostile)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
    }
    await expect(readdir(root)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('overwrites atomically: a reader that opened the old file reads it whole', async () => {
    await repo.put('model.bin', chunks('old content'))
    const before = await repo.get('model.bin')
    await repo.put('model.bin', chunks('new ', 'content, longer'))
    expect(await text(before.stream)).toBe('old content')
    expect(await content('model.bin')).toBe('new content, longer')
  })

  it('keeps the old file visible while an upload is in progress', async () => {
    await repo.put('model.bin', chunks('old'))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let askedForMore!: () => void
    const underWay = new Promise<void>((resolve) => (askedForMore = resolve))
    const upload = repo.put(
      'model.bin',
      (async function* () {
        yield Buffer.from('new, first half ')
        askedForMore() // the repository took the first half and wants the rest: the upload is under way
        await gate
        yield Buffer.from('second half')
      })(),
    )
    await underWay
    expect(await content('model.bin')).toBe('old')
    expect(await repo.list('')).toEqual([{ path: 'model.bin', isDir: false, fileSize: 3 }])
    expect(await collect(repo.walk(''))).toEqual([{ path: 'model.bin', isDir: false, fileSize: 3 }])
    expect((await everything(root)).some((name) => name.endsWith('.tmp'))).toBe(true)
    release()
    await upload
    expect(await content('model.bin')).toBe('new, first half second half')
    expect(await everything(root)).toEqual(['model.bin'])
  })

  it('leaves the old content and no temp file behind when an upload fails', async () => {
    await repo.put('dir/model.bin', chunks('old content'))
    await expect(repo.put('dir/model.bin', brokenUpload('partial new'))).rejects.toThrow('client went away')
    expect(await content('dir/model.bin')).toBe('old content')
    expect(await everything(root)).toEqual(['dir', 'dir/model.bin'])
  })

  it('enforces maxBytes, keeps the old file and leaves no temp file behind', async () => {
    await repo.put('dir/a.bin', chunks('old'))
    expect(await repo.put('dir/b.bin', chunks('12345'), { maxBytes: 5 })).toEqual({ size: 5 })
    const tooLarge = repo.put('dir/a.bin', chunks('1234', '56'), { maxBytes: 5 })
    await expect(tooLarge).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', limit: 'size' })
    await expect(repo.put('dir/a.bin', chunks('1234', '56'), { maxBytes: 5 })).rejects.toThrow(
      "Artifact 'dir/a.bin' is too large: this server accepts at most 5 bytes per artifact (keel server --max-artifact-size)",
    )
    await expect(repo.put('dir/new.bin', Readable.from(['123456']), { maxBytes: 5 })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    })
    expect(await content('dir/a.bin')).toBe('old')
    expect(await everything(root)).toEqual(['dir', 'dir/a.bin', 'dir/b.bin'])
  })

  it('refuses a declared size over maxBytes before creating anything', async () => {
    await expect(
      repo.put('1/run/artifacts/big.bin', chunks('never read'), { maxBytes: 5, expectedBytes: 6 }),
    ).rejects.toThrow(
      "Artifact '1/run/artifacts/big.bin' is too large: it is 6 bytes, and this server accepts at most 5 bytes",
    )
    await expect(readdir(root)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('removes the folders a failed upload created, and only those', async () => {
    await repo.put('1/run/artifacts/kept.txt', chunks('kept'))
    await expect(repo.put('1/run/artifacts/model/data/w.bin', brokenUpload('partial'))).rejects.toThrow(
      'client went away',
    )
    await expect(repo.put('2/run/artifacts/x.bin', chunks('123456'), { maxBytes: 5 })).rejects.toMatchObject({
      limit: 'size',
    })
    expect(await everything(root)).toEqual(['1', '1/run', '1/run/artifacts', '1/run/artifacts/kept.txt'])
  })

  describe('the free-disk reserve', () => {
    const MiB = 1024 * 1024
    /** A volume with `free` bytes that shrinks as the probe is asked again. */
    function volume(...free: number[]) {
      const probes: string[] = []
      const freeBytes = async (target: string) => {
        probes.push(target)
        return free.length > 1 ? free.shift()! : free[0]!
      }
      return { probes, repo: new LocalArtifactRepository(root, { freeBytes }) }
    }
    async function* megabytes(count: number): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < count; i++) yield Buffer.alloc(MiB, i)
    }

    it('refuses from the declared size what would leave less than the reserve, writing nothing', async () => {
      const { repo, probes } = volume(100 * MiB)
      await expect(
        repo.put('1/r/a.bin', megabytes(1), { expectedBytes: 60 * MiB, minFreeBytes: 50 * MiB }),
      ).rejects.toMatchObject({
        limit: 'disk',
        code: 'TEMPORARILY_UNAVAILABLE',
      })
      await expect(
        repo.put('1/r/a.bin', megabytes(1), { expectedBytes: 60 * MiB, minFreeBytes: 50 * MiB }),
      ).rejects.toThrow(
        `Not enough free disk space for artifact '1/r/a.bin': the artifact volume has ${100 * MiB} bytes free and keeps at least ${50 * MiB} free (keel server --min-free-disk)`,
      )
      expect(probes[0]).toBe(path.join(root, '1', 'r'))
      await expect(readdir(root)).rejects.toMatchObject({ code: 'ENOENT' })
      expect(await repo.put('1/r/b.bin', megabytes(1), { expectedBytes: MiB, minFreeBytes: 50 * MiB })).toEqual({
        size: MiB,
      })
    })

    it('stops a chunked upload when the volume fills up while it streams, leaving nothing', async () => {
      // Enough at the start; someone else fills the disk while 20 MiB stream in.
      const { repo, probes } = volume(200 * MiB, 52 * MiB)
      await expect(repo.put('1/r/big.bin', megabytes(20), { minFreeBytes: 50 * MiB })).rejects.toMatchObject({
        limit: 'disk',
      })
      expect(probes).toHaveLength(2) // before the first byte, then after 8 MiB
      await expect(readdir(root)).rejects.toMatchObject({ code: 'ENOENT' })
    })

    it('is off at 0', async () => {
      const { repo, probes } = volume(0)
      expect(await repo.put('a.bin', megabytes(9), { minFreeBytes: 0 })).toEqual({ size: 9 * MiB })
      expect(probes).toEqual([])
    })
  })

  describe('sweepStaleUploads', () => {
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000)

    it('removes temp files untouched for an hour, and the folders that held only them', async () => {
      await repo.put('1/live/artifacts/kept.txt', chunks('kept'))
      const stale = [
        path.join(root, '1', 'dead', 'artifacts', 'model', '.w.bin.0123456789ab.tmp'),
        path.join(root, '1', 'live', 'artifacts', '.x.bin.00000000000a.tmp'),
      ]
      const young = path.join(root, '2', 'busy', '.y.bin.abcdefabcdef.tmp')
      const lookalike = path.join(root, '1', 'live', 'artifacts', '.notes.tmp')
      for (const file of [...stale, young, lookalike]) {
        await mkdir(path.dirname(file), { recursive: true })
        await writeFile(file, 'partial')
      }
      for (const file of [...stale, lookalike]) await utimes(file, hoursAgo(2), hoursAgo(2))
      await utimes(young, hoursAgo(0.5), hoursAgo(0.5))
      expect(await repo.sweepStaleUploads()).toBe(2)
      expect(await everything(root)).toEqual([
        '1',
        '1/live',
        '1/live/artifacts',
        '1/live/artifacts/.notes.tmp',
        '1/live/artifacts/kept.txt',
        '2',
        '2/busy',
        '2/busy/.y.bin.abcdefabcdef.tmp',
      ])
    })

    it('finds nothing to do in a root that does not exist yet', async () => {
      expect(await repo.sweepStaleUploads()).toBe(0)
    })
  })

  it('hides stray temp files from list and walk, and refuses their names as artifacts', async () => {
    await repo.put('dir/real.txt', chunks('real'))
    await writeFile(path.join(root, 'dir', '.real.txt.0123456789ab.tmp'), 'partial')
    expect(await repo.list('dir')).toEqual([{ path: 'real.txt', isDir: false, fileSize: 4 }])
    expect(await collect(repo.walk(''))).toEqual([{ path: 'dir/real.txt', isDir: false, fileSize: 4 }])
    await expect(repo.get('dir/.real.txt.0123456789ab.tmp')).rejects.toMatchObject({ message: /reserved/ })
    await expect(repo.put('.x.0123456789ab.tmp', chunks('x'))).rejects.toMatchObject({ message: /reserved/ })
    await repo.put('.hidden.tmp', chunks('dotfiles that merely end in .tmp are fine'))
    expect((await repo.list('')).map((file) => file.path)).toEqual(['.hidden.tmp', 'dir'])
  })

  it('accepts a WHATWG ReadableStream body (Request.body)', async () => {
    const body = new Response('from fetch').body
    if (body === null) throw new Error('no body')
    expect(await repo.put('web.txt', body)).toEqual({ size: 10 })
    expect(await content('web.txt')).toBe('from fetch')
  })
})

describe('LocalArtifactRepository and symbolic links', () => {
  let outside: string

  beforeEach(async () => {
    outside = path.join(sandbox, 'outside')
    await mkdir(outside)
    await writeFile(path.join(outside, 'secret'), 'secret')
    await mkdir(root)
    await symlink(outside, path.join(root, 'escape'))
    await symlink(path.join(outside, 'secret'), path.join(root, 'secret-link'))
  })

  const escaped = { code: 'INVALID_PARAMETER_VALUE', message: /symbolic link/ }

  it('refuses to read through a link that leads outside', async () => {
    await expect(repo.get('escape/secret')).rejects.toMatchObject(escaped)
    await expect(repo.get('secret-link')).rejects.toMatchObject(escaped)
  })

  it('refuses to write through a link that leads outside', async () => {
    await expect(repo.put('escape/secret', chunks('pwned'))).rejects.toMatchObject(escaped)
    await expect(repo.put('escape/new/file', chunks('pwned'))).rejects.toMatchObject(escaped)
    await expect(repo.put('secret-link', chunks('pwned'))).rejects.toMatchObject(escaped)
    expect(await readFile(path.join(outside, 'secret'), 'utf8')).toBe('secret')
    expect(await everything(outside)).toEqual(['secret'])
  })

  it('refuses to list, walk or delete through a link that leads outside', async () => {
    await expect(repo.list('escape')).rejects.toMatchObject(escaped)
    await expect(collect(repo.walk('escape'))).rejects.toMatchObject(escaped)
    await expect(repo.delete('escape/secret')).rejects.toMatchObject(escaped)
    expect(await everything(outside)).toEqual(['secret'])
  })

  it('never shows or follows links when listing or walking a folder that holds them', async () => {
    await repo.put('real.txt', chunks('real'))
    expect(await repo.list('')).toEqual([{ path: 'real.txt', isDir: false, fileSize: 4 }])
    expect(await collect(repo.walk(''))).toEqual([{ path: 'real.txt', isDir: false, fileSize: 4 }])
  })
})
