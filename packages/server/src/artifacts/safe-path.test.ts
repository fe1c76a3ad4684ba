import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KeelError } from '@keel/contracts'
import { MAX_PATH_BYTES, normalizeArtifactPath, resolveInside } from './safe-path.js'

/** Inputs as the router hands them over: URL paths already percent-decoded once. */
const HOSTILE: ReadonlyArray<readonly [label: string, input: string, problem: RegExp]> = [
  ['plain ..', '..', /'\.\.' segment/],
  ['leading ../', '../x', /'\.\.' segment/],
  ['climbing out of a folder', 'a/../../b', /'\.\.' segment/],
  ['dot then climb', 'a/./../..', /'\.\.' segment/],
  ['.. that would stay inside', 'a/../b', /'\.\.' segment/],
  ['trailing ..', 'a/b/..', /'\.\.' segment/],
  ['encoded dots', '%2e%2e', /percent-encoded dot segment/],
  ['encoded dots then a folder', '%2e%2e/x', /percent-encoded dot segment/],
  ['upper-case encoded dots', '%2E%2E/x', /percent-encoded dot segment/],
  ['half-encoded dots', '.%2e/x', /percent-encoded dot segment/],
  ['encoded dots deeper down', 'a/%2e%2e/%2e%2e/b', /percent-encoded dot segment/],
  ['double-encoded dots', '%252e%252e/x', /percent-encoded dot segment/],
  ['triple-encoded dots', '%25252e%25252e/x', /percent-encoded dot segment/],
  ['dots and an encoded slash', '..%2f', /percent-encoded slash/],
  ['encoded climb in one segment', 'a%2f..%2f..%2fb', /percent-encoded slash/],
  ['double-encoded slash', '..%252f..%252fetc', /percent-encoded slash/],
  ['encoded absolute path', '%2fetc%2fpasswd', /percent-encoded slash/],
  ['encoded backslash', '..%5cx', /percent-encoded backslash/],
  ['backslash climb', '..\\x', /backslash/],
  ['backslash separator', 'a\\b', /backslash/],
  ['UNC share', '\\\\server\\share', /backslash/],
  ['absolute POSIX path', '/etc/passwd', /absolute/],
  ['double-slash absolute path', '//etc/passwd', /absolute/],
  ['bare slash', '/', /absolute/],
  ['drive letter with backslash', 'C:\\x', /backslash/],
  ['drive letter with slash', 'c:/x', /drive letter/],
  ['drive-relative path', 'C:x', /drive letter/],
  ['file URI', 'file:///etc/passwd', /URI/],
  ['file URI, one slash', 'file:/etc/passwd', /URI/],
  ['S3 URI', 's3://bucket/key', /URI/],
  ['mlflow-artifacts URI', 'mlflow-artifacts:/1/x', /URI/],
  ['encoded scheme', 'file%3a/etc/passwd', /percent-encoded URI scheme/],
  ['NUL byte', 'a\u0000b', /NUL/],
  ['NUL before an extension', 'model.pkl\u0000.txt', /NUL/],
  ['encoded NUL', 'a%00b', /percent-encoded control/],
  ['newline', 'a\nb', /control/],
  ['DEL', 'a\u007f', /control/],
  ['C1 control', 'a\u0085b', /control/],
  ['path over PATH_MAX', 'a/'.repeat(MAX_PATH_BYTES / 2 + 1), /longer than 4096 bytes/],
  ['multi-byte path over PATH_MAX', 'é'.repeat(MAX_PATH_BYTES / 2 + 1), /longer than 4096 bytes/],
  ['name over NAME_MAX', `a/${'x'.repeat(256)}`, /name longer than 255 bytes/],
]

const BENIGN: ReadonlyArray<readonly [input: string, normalised: string]> = [
  ['a/b', 'a/b'],
  ['a//b', 'a/b'],
  ['./a', 'a'],
  ['a/./b', 'a/b'],
  ['a/b/', 'a/b'],
  ['', ''],
  ['.', ''],
  ['./', ''],
  ['model.pkl', 'model.pkl'],
  ['.hidden/config', '.hidden/config'],
  ['...', '...'],
  ['..a/b..', '..a/b..'],
  ['my model/weights v1.bin', 'my model/weights v1.bin'],
  ['模型/データ.json', '模型/データ.json'],
  ['émoji 🎉.txt', 'émoji 🎉.txt'],
  ['100%.txt', '100%.txt'],
  ['50%25 off', '50%25 off'],
  ['report%20final.pdf', 'report%20final.pdf'],
  ['checkpoints/epoch:3', 'checkpoints/epoch:3'],
  ['1/abc/artifacts/model/MLmodel', '1/abc/artifacts/model/MLmodel'],
  [`${'x'.repeat(255)}/y`, `${'x'.repeat(255)}/y`],
]

function refusal(action: () => unknown): KeelError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(KeelError)
    return error as KeelError
  }
  throw new Error('expected a refusal')
}

describe('normalizeArtifactPath', () => {
  it.each(HOSTILE)('refuses %s', (_label, input, problem) => {
    const error = refusal(() => normalizeArtifactPath(input))
    expect(error.code).toBe('INVALID_PARAMETER_VALUE')
    expect(error.message).toMatch(/^Invalid artifact path /)
    expect(error.message).toMatch(problem)
  })

  it.each(BENIGN)('accepts %j as %j', (input, normalised) => {
    expect(normalizeArtifactPath(input)).toBe(normalised)
  })

  it('shows a long refused path shortened in the message', () => {
    const error = refusal(() => normalizeArtifactPath(`/${'a'.repeat(5000)}`))
    expect(error.message.length).toBeLessThan(300)
  })
})

describe('resolveInside', () => {
  let sandbox: string
  let root: string
  let outside: string

  beforeEach(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'keel-safe-path-'))
    root = path.join(sandbox, 'root')
    outside = path.join(sandbox, 'outside')
    await mkdir(path.join(root, 'inside'), { recursive: true })
    await mkdir(outside)
    await writeFile(path.join(outside, 'secret'), 'secret')
  })

  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true })
  })

  it('joins a normalised path onto the root', async () => {
    await expect(resolveInside(root, 'inside/new/file')).resolves.toBe(path.join(root, 'inside', 'new', 'file'))
    await expect(resolveInside(root, '')).resolves.toBe(root)
  })

  it('refuses a path that resolves outside the root, even if the caller skipped normalisation', async () => {
    await expect(resolveInside(root, '../outside/secret')).rejects.toThrow(/leaves the artifact root/)
    await expect(resolveInside(root, '../root-sibling')).rejects.toThrow(/leaves the artifact root/)
    await expect(resolveInside(root, '/etc/passwd')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
  })

  it('works before the root exists', async () => {
    const missing = path.join(sandbox, 'not-yet')
    await expect(resolveInside(missing, 'a/b')).resolves.toBe(path.join(missing, 'a', 'b'))
  })

  it('refuses existing and new paths through a symbolic link that leads outside', async () => {
    await symlink(outside, path.join(root, 'escape'))
    await symlink(path.join(outside, 'secret'), path.join(root, 'inside', 'secret-link'))
    const message = /leads outside the artifact root through a symbolic link/
    await expect(resolveInside(root, 'escape')).rejects.toThrow(message)
    await expect(resolveInside(root, 'escape/secret')).rejects.toThrow(message)
    await expect(resolveInside(root, 'escape/new/file')).rejects.toThrow(message)
    await expect(resolveInside(root, 'inside/secret-link')).rejects.toThrow(message)
  })

  it('allows a symbolic link that stays inside, and a root that is itself reached through a link', async () => {
    await symlink(path.join(root, 'inside'), path.join(root, 'alias'))
    await expect(resolveInside(root, 'alias/file')).resolves.toBe(path.join(root, 'alias', 'file'))
    const linkedRoot = path.join(sandbox, 'linked-root')
    await symlink(root, linkedRoot)
    await expect(resolveInside(linkedRoot, 'inside')).resolves.toBe(path.join(linkedRoot, 'inside'))
  })

  it('refuses broken links and link loops', async () => {
    await symlink(path.join(outside, 'missing'), path.join(root, 'dangling'))
    await symlink(path.join(root, 'loop'), path.join(root, 'loop'))
    await expect(resolveInside(root, 'dangling')).rejects.toThrow(/broken symbolic link/)
    await expect(resolveInside(root, 'loop/x')).rejects.toThrow(/symbolic link loop/)
  })
})
