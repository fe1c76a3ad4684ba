/**
 * The work queue a process runs with: the durable default on the SQL store's database, or BullMQ
 * on Redis (`--queue redis://host:port/db`, loaded only then).
 */
import type { JobQueue } from '../queue/job-queue.js'
import { DurableQueue } from '../queue/durable-queue.js'
import type { SqlDatabase } from '../sql/open-database.js'
import { SqlJobStore } from '../sql/queue/sql-job-store.js'

export interface QueueLog {
  warn(fields: Record<string, unknown>, message: string): void
}

export async function openQueue(
  uri: string | undefined,
  database: SqlDatabase,
  log: QueueLog,
  leaseMs?: number,
): Promise<JobQueue> {
  if (uri === undefined || uri === '')
    return new DurableQueue({
      store: new SqlJobStore(database.db, database.ops),
      description: database.description,
      log,
      ...(leaseMs !== undefined && { leaseMs }),
    })
  const { BullQueue } = await import('../queue/bullmq-queue.js')
  return BullQueue.open(uri, { log })
}
