/**
 * Splitting metrics, params and tags into log-batch requests within MLflow's limits: at most 1000
 * metrics, 100 params, 100 tags and 1000 entities per request, and a body under 1 MB.
 */
import { type KeyValue, LIMITS, type Metric } from '@keel/contracts'

export interface Batch {
  readonly metrics: readonly Metric[]
  readonly params: readonly KeyValue[]
  readonly tags: readonly KeyValue[]
}

/** Room left in a request body for its envelope and the estimate's slack (snake_case keys, NaN). */
const BODY_BUDGET = LIMITS.batchRequestBytes * 0.95
const jsonBytes = (item: object): number => Buffer.byteLength(JSON.stringify(item)) + 1

/**
 * Chunks a batch in order: each request takes up to 100 params and 100 tags, then fills up to 1000
 * entities with metrics. The order of each kind is kept, so a later tag value still wins. An item
 * larger than the byte budget travels alone (the server then decides).
 */
export function splitBatch(batch: Batch): Batch[] {
  const chunks: Batch[] = []
  const next = { params: 0, tags: 0, metrics: 0 }
  const more = (): boolean =>
    next.params < batch.params.length || next.tags < batch.tags.length || next.metrics < batch.metrics.length
  while (more()) {
    let entities = 0
    let bytes = 0
    const take = <T extends object>(items: readonly T[], kind: keyof typeof next, max: number): T[] => {
      const taken: T[] = []
      for (let item = items[next[kind]]; item !== undefined; item = items[next[kind]]) {
        const size = jsonBytes(item)
        if (taken.length >= max || entities >= LIMITS.entitiesPerBatch) break
        if (entities > 0 && bytes + size > BODY_BUDGET) break
        taken.push(item)
        entities++
        bytes += size
        next[kind]++
      }
      return taken
    }
    const params = take(batch.params, 'params', LIMITS.paramsPerBatch)
    const tags = take(batch.tags, 'tags', LIMITS.tagsPerBatch)
    const metrics = take(batch.metrics, 'metrics', LIMITS.metricsPerBatch)
    chunks.push({ metrics, params, tags })
  }
  return chunks
}
