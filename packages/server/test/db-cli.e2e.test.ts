/**
 * `keel db upgrade` on SQLite as users run it (the built CLI): several processes starting on the
 * same new file at once (servers started together, a deploy step racing a server) migrate it
 * once; the others wait for the write lock and find it current.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { KEEL_BIN } from './support/keel-server.js'

const scratch = mkdtempSync(join(tmpdir(), 'keel-db-upgrade-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('keel db upgrade on a new SQLite file', () => {
  it('migrates once when four processes start on it together', async () => {
    const uri = `sqlite:///${join(scratch, 'shared.db')}`
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        promisify(execFile)(process.execPath, [KEEL_BIN, 'db', 'upgrade', uri, '--json'], {
          env: { ...process.env, NO_COLOR: '1' },
        }),
      ),
    )
    const reports = runs.map((r) => JSON.parse(r.stdout) as { applied: string[]; latest: string })
    const migrated = reports.filter((r) => r.applied.length > 0)
    expect(migrated).toHaveLength(1)
    expect(migrated[0]!.applied.at(-1)).toBe(migrated[0]!.latest)
    expect(reports.filter((r) => r.applied.length === 0)).toHaveLength(3)
  })
})
