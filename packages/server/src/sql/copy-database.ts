/**
 * `keel db copy`: every row of one keel database into another, empty one — typically a laptop's
 * SQLite file into the team's PostgreSQL. Both are brought to the latest schema first; the target
 * is filled in one transaction, so an interrupted copy leaves it empty, never half-filled.
 */
import { type Kysely, sql } from 'kysely'
import { KeelError } from '@keel/contracts'
import type { SqlDatabase } from './database.js'
import { withWriteTransaction } from './sql-util.js'

export interface CopyProgress {
  readonly table: string
  readonly copied: number
  readonly total: number
}

export interface CopiedTable {
  readonly table: string
  readonly rows: number
}

/** Rows read from the source per round trip, and at most this many bound values per insert. */
const READ_CHUNK = 5_000
const MAX_PARAMS = 30_000

type TableReferences = { name: string; references: readonly string[] }

/**
 * Parents before children: each of the source's tables after every table its foreign keys
 * reference, on either side. The engines' schemas may differ in which keys they declare
 * (PostgreSQL's metrics have none to runs; SQLite's do, and check them as rows arrive).
 */
export function copyOrder(source: readonly TableReferences[], target: readonly TableReferences[] = []): string[] {
  const targetReferences = new Map(target.map((t) => [t.name, t.references]))
  const tables = source.map((t) => ({
    name: t.name,
    references: [...t.references, ...(targetReferences.get(t.name) ?? [])],
  }))
  const byName = new Map(tables.map((t) => [t.name, t]))
  const done = new Set<string>()
  const visiting = new Set<string>()
  const order: string[] = []
  const visit = (name: string): void => {
    if (done.has(name)) return
    if (visiting.has(name)) throw new Error(`foreign keys form a cycle through ${name}`)
    visiting.add(name)
    for (const parent of byName.get(name)?.references ?? []) if (parent !== name && byName.has(parent)) visit(parent)
    visiting.delete(name)
    done.add(name)
    order.push(name)
  }
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t.name)
  return order
}

async function count(db: Kysely<unknown>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | bigint }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db)
  return Number(rows[0]?.n ?? 0)
}

export async function copyDatabase(
  source: SqlDatabase,
  target: SqlDatabase,
  onProgress: (progress: CopyProgress) => void = () => {},
): Promise<CopiedTable[]> {
  const src = source.db as unknown as Kysely<unknown>
  const dst = target.db as unknown as Kysely<unknown>
  const sourceTables = await source.ops.tables(src)
  const targetSchema = await target.ops.tables(dst)
  const targetTables = new Set(targetSchema.map((t) => t.name))
  const missing = sourceTables.filter((t) => !targetTables.has(t.name)).map((t) => t.name)
  if (missing.length > 0) {
    throw KeelError.invalid(`The target has no table ${missing.join(', ')}: is it a keel database of another version?`)
  }
  for (const name of targetTables) {
    const rows = await count(dst, name)
    if (rows > 0) {
      throw KeelError.invalid(
        `The target is not empty (${name} holds ${rows} row${rows === 1 ? '' : 's'}): keel db copy fills an empty database`,
      )
    }
  }
  const order = copyOrder(sourceTables, targetSchema)
  const totals = new Map<string, number>()
  for (const table of order) totals.set(table, await count(src, table))

  const copied: CopiedTable[] = []
  await withWriteTransaction(dst, target.ops, async (tx) => {
    for (const table of order) {
      const total = totals.get(table) ?? 0
      let done = 0
      onProgress({ table, copied: 0, total })
      let batch: Record<string, unknown>[] = []
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return
        const perInsert = Math.max(1, Math.floor(MAX_PARAMS / Object.keys(batch[0]!).length))
        for (let i = 0; i < batch.length; i += perInsert) {
          await tx
            .insertInto(table as never)
            .values(batch.slice(i, i + perInsert) as never)
            .execute()
        }
        done += batch.length
        batch = []
        onProgress({ table, copied: done, total })
      }
      const rows = (src as Kysely<Record<string, Record<string, unknown>>>)
        .selectFrom(table as never)
        .selectAll()
        .stream(READ_CHUNK) as AsyncIterable<Record<string, unknown>>
      for await (const row of rows) {
        batch.push(row)
        if (batch.length >= READ_CHUNK) await flush()
      }
      await flush()
      copied.push({ table, rows: done })
    }
    await target.ops.resetSerials(tx)
  })
  return copied
}
