import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLogger } from './logger.js'

describe('the request log', () => {
  const dirs: string[] = []
  const fds: number[] = []
  afterEach(() => {
    for (const fd of fds.splice(0)) closeSync(fd)
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  // An open descriptor, as the server's stdout: the destination is ready at once.
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-log-'))
    dirs.push(dir)
    const path = join(dir, 'out.log')
    fds.push(openSync(path, 'w'))
    return { path, fd: fds.at(-1)! }
  }
  const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n')

  for (const format of ['text', 'json'] as const) {
    it(`writes batched lines in order, a warning at once with the lines before it (${format})`, () => {
      const { path, fd } = file()
      const log = createLogger(format, fd)
      log.info({ n: 1 }, 'request')
      log.info({ n: 2 }, 'request')
      log.warn({ n: 3 }, 'request aborted by the client')
      log.info({ n: 4 }, 'request')
      log.flush()
      const got = lines(path)
      expect(got).toHaveLength(4)
      got.forEach((line, i) => {
        expect(line).toContain(format === 'json' ? `"n":${i + 1}` : `n=${i + 1}`)
      })
    })
  }

  it('writes a waiting info line without a flush, once its batch interval has passed', () => {
    vi.useFakeTimers()
    try {
      const { path, fd } = file()
      const log = createLogger('text', fd)
      log.info({ n: 1 }, 'request')
      expect(readFileSync(path, 'utf8')).toBe('')
      vi.advanceTimersByTime(50)
      expect(readFileSync(path, 'utf8')).toContain('INFO  request n=1')
    } finally {
      vi.useRealTimers()
    }
  })
})
