import { KeelError } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { type AuditEntry, AuditLog, type AuditRecord, type AuditStore } from './audit-log.js'

/** A store that is away (TEMPORARILY_UNAVAILABLE) while `down` is set. */
class FlakyStore implements AuditStore {
  down = false
  readonly records: AuditEntry[] = []
  async append(entry: AuditEntry): Promise<void> {
    if (this.down) throw new KeelError('TEMPORARILY_UNAVAILABLE', 'The database is unavailable, try again')
    if (entry.action === 'poison') throw new Error('refused')
    this.records.push(entry)
  }
  async search(): Promise<AuditRecord[]> {
    return this.records.map((r, i) => ({ ...r, seq: i + 1 }))
  }
}

const entry = (n: number, action = `write ${n}`): AuditEntry => ({
  timestampMs: n,
  actor: 'alice',
  authenticated: true,
  address: '127.0.0.1',
  method: 'POST',
  path: '/api/2.0/mlflow/runs/log-metric',
  action,
  status: 200,
  requestId: `r${n}`,
})

describe('the audit log while its store is away', () => {
  it('keeps the records of that time, in order, and writes them once the store answers', async () => {
    const store = new FlakyStore()
    const events: string[] = []
    const log = new AuditLog(store, { onDelay: (e) => events.push(`${e.kind} ${e.count}`) })
    await log.append(entry(1))
    store.down = true
    await log.append(entry(2))
    await log.append(entry(3))
    expect(log.waiting).toBe(2)
    await log.flush() // still away: nothing moves
    expect(log.waiting).toBe(2)
    store.down = false
    // A record arriving now queues behind the waiting ones, so the order holds.
    await log.append(entry(4))
    await log.flush()
    expect(store.records.map((r) => r.timestampMs)).toEqual([1, 2, 3, 4])
    expect(log.waiting).toBe(0)
    expect(events).toEqual(['waiting 1', 'written 3'])
    await log.close()
  })

  it("passes on other errors to the caller, and drops a waiting record the store refuses so it doesn't block the rest", async () => {
    const store = new FlakyStore()
    const events: string[] = []
    const log = new AuditLog(store, { onDelay: (e) => events.push(`${e.kind} ${e.count}`) })
    await expect(log.append(entry(1, 'poison'))).rejects.toThrow('refused')
    store.down = true
    await log.append(entry(2))
    await log.append(entry(3, 'poison'))
    await log.append(entry(4))
    store.down = false
    await log.close()
    expect(store.records.map((r) => r.timestampMs)).toEqual([2, 4])
    expect(events).toEqual(['waiting 1', 'dropped 1', 'written 2'])
  })
})
