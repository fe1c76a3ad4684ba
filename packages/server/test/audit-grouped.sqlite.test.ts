import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditEntry } from '../src/auth/audit-log.js'
import { SqlAuditStore } from '../src/sql/auth/sql-audit-store.js'
import { openDatabase, type SqlDatabase } from '../src/sql/open-database.js'

const entry = (i: number): AuditEntry => ({
  timestampMs: 1_700_000_000_000 + i,
  actor: `user-${i}`,
  authenticated: false,
  address: '127.0.0.1',
  method: 'POST',
  path: '/api/2.0/mlflow/runs/log-batch',
  action: 'POST /mlflow/runs/log-batch',
  resource: { run_id: `run-${i}` },
  status: 200,
  requestId: `req-${i}`,
})

describe('SQL audit store: concurrent appends', () => {
  let dir: string | undefined
  let database: SqlDatabase | undefined
  afterEach(async () => {
    await database?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('commits each record before its append resolves, in the order appended, when appends share a commit', async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-audit-group-'))
    const file = join(dir, 'k.db')
    database = await openDatabase(`sqlite:///${file}`)
    const store = new SqlAuditStore(database.db)
    // Another connection sees only committed rows: each append, once resolved, must be there.
    const reader = new BetterSqlite3(file, { readonly: true })
    const committed = (requestId: string) =>
      reader.prepare('SELECT count(*) AS n FROM audit_log WHERE request_id = ?').get(requestId) as { n: number }
    const seen: number[] = []
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.append(entry(i)).then(() => {
          if (committed(`req-${i}`).n === 1) seen.push(i)
        }),
      ),
    )
    reader.close()
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i))
    const records = await store.search({ limit: 100 })
    expect(records.map((r) => r.requestId)).toEqual(Array.from({ length: 40 }, (_, i) => `req-${i}`))
    expect(records[7]).toMatchObject({ ...entry(7), seq: records[0]!.seq + 7 })
  })
})
