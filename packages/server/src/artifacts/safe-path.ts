/**
 * The path-safety gate every artifact path passes before it touches a storage backend.
 *
 * MLflow shipped path-traversal CVEs through `..`, single-, double- and triple-encoded dots,
 * backslashes, absolute and drive-letter paths, NUL bytes and `file://` sources. keel refuses all of
 * them in two layers:
 *
 * 1. `normalizeArtifactPath` is purely lexical: it turns what a client sent into a canonical POSIX
 *    relative path or throws `INVALID_PARAMETER_VALUE`. It is deliberately stricter than MLflow's
 *    `validate_path_is_safe`: a leading `/` is refused rather than stripped (MLflow clients always
 *    send relative paths, e.g. `path=1/abc`), and a segment is refused if *any* further round of
 *    percent-decoding turns it into something dangerous, so no later layer that decodes once more
 *    can be tricked.
 * 2. `resolveInside` maps a normalised path onto a folder and checks the result, lexically and
 *    through `realpath`, so a symbolic link inside the root cannot lead outside it.
 */
import { lstat, realpath } from 'node:fs/promises'
import path from 'node:path'
import { KeelError } from '@keel/contracts'
import { hasErrnoCode } from './errno.js'

/** PATH_MAX on Linux; longer paths are refused before any filesystem call. */
export const MAX_PATH_BYTES = 4096
/** NAME_MAX on common filesystems. */
export const MAX_SEGMENT_BYTES = 255

// C0 controls (includes NUL), DEL and C1 controls.
const CONTROL_CHARS = /\p{Cc}/u
/** A URI scheme (`file:`, `s3:`, `mlflow-artifacts:`) or a Windows drive letter (`C:`). */
const SCHEME_OR_DRIVE = /^[A-Za-z][A-Za-z0-9+.-]*:/

function refuse(raw: string, problem: string): KeelError {
  const shown = raw.length > 120 ? `${raw.slice(0, 120)}…` : raw
  return KeelError.invalid(`Invalid artifact path ${JSON.stringify(shown)}: ${problem}`)
}

/** Refusal reason for `text` as a whole, or undefined if the structural checks pass. */
function structuralProblem(text: string): string | undefined {
  if (CONTROL_CHARS.test(text)) return 'contains a NUL or control character'
  if (text.includes('\\')) return 'contains a backslash'
  if (text.startsWith('/')) return 'must be relative, not absolute'
  if (SCHEME_OR_DRIVE.test(text)) return 'must be a relative path, not a URI or a drive letter'
  return undefined
}

/**
 * Refusal reason if a segment, percent-decoded once more (and again, until decoding no longer
 * changes it), becomes a dot segment or gains a separator, control character or scheme.
 * Undecodable text such as `100%.txt` is a literal name and is accepted.
 */
function encodedProblem(segment: string, isFirst: boolean): string | undefined {
  let current = segment
  while (current.includes('%')) {
    let decoded: string
    try {
      decoded = decodeURIComponent(current)
    } catch {
      return undefined
    }
    if (decoded === current) return undefined
    if (decoded === '.' || decoded === '..') return 'contains a percent-encoded dot segment'
    if (decoded.includes('/')) return 'contains a percent-encoded slash'
    if (decoded.includes('\\')) return 'contains a percent-encoded backslash'
    if (CONTROL_CHARS.test(decoded)) return 'contains a percent-encoded control character'
    if (isFirst && SCHEME_OR_DRIVE.test(decoded)) return 'contains a percent-encoded URI scheme or drive letter'
    current = decoded
  }
  return undefined
}

/**
 * Normalises a relative artifact path as it arrives from a URL (already percent-decoded once by the
 * router) or from a JSON field. Returns the canonical POSIX relative path (`''` is the root): empty
 * and `.` segments are dropped, so `./a//b/` becomes `a/b`. Throws `INVALID_PARAMETER_VALUE`,
 * naming the problem, for anything that could address something outside the root.
 */
export function normalizeArtifactPath(raw: string): string {
  if (Buffer.byteLength(raw, 'utf8') > MAX_PATH_BYTES) {
    throw refuse(raw, `is longer than ${MAX_PATH_BYTES} bytes`)
  }
  const problem = structuralProblem(raw)
  if (problem !== undefined) throw refuse(raw, problem)

  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.')
  for (const [index, segment] of segments.entries()) {
    if (segment === '..') throw refuse(raw, "contains a '..' segment")
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      throw refuse(raw, `has a name longer than ${MAX_SEGMENT_BYTES} bytes`)
    }
    const encoded = encodedProblem(segment, index === 0)
    if (encoded !== undefined) throw refuse(raw, encoded)
  }
  return segments.join('/')
}

function isWithin(base: string, candidate: string): boolean {
  const prefix = base.endsWith(path.sep) ? base : base + path.sep
  return candidate === base || candidate.startsWith(prefix)
}

/** The realpath of `target`, or undefined if it does not exist (ENOENT, or a parent is a file). */
async function realpathIfExists(target: string, relative: string): Promise<string | undefined> {
  try {
    return await realpath(target)
  } catch (error) {
    if (hasErrnoCode(error, 'ELOOP')) throw refuse(relative, 'runs into a symbolic link loop')
    if (!hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) throw error
  }
  // realpath fails on a dangling symbolic link, yet the link itself exists: its target is unknown.
  const entry = await lstat(target).catch(() => undefined)
  if (entry?.isSymbolicLink()) throw refuse(relative, 'goes through a broken symbolic link')
  return undefined
}

/**
 * Joins `relative` (an output of `normalizeArtifactPath`) onto `root` and returns the absolute path,
 * after checking that it stays inside `root`: lexically (`path.resolve` plus a prefix check on
 * `root + path.sep`), then, for the longest part of it that exists, through `realpath` against the
 * realpath of `root`, so no symbolic link leads outside. Async so the check never blocks the event
 * loop. The check cannot rule out a link swapped in after it ran; the root must belong to keel.
 */
export async function resolveInside(root: string, relative: string): Promise<string> {
  const base = path.resolve(root)
  const target = path.resolve(base, relative)
  if (!isWithin(base, target)) throw refuse(relative, 'leaves the artifact root')

  const realBase = await realpathIfExists(base, '')
  if (realBase === undefined) return target // no root yet, so nothing below it exists either
  for (let probe = target; ; probe = path.dirname(probe)) {
    const real = await realpathIfExists(probe, relative)
    if (real === undefined) continue
    if (!isWithin(realBase, real)) throw refuse(relative, 'leads outside the artifact root through a symbolic link')
    return target
  }
}
