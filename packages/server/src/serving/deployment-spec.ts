/**
 * What a deployment serves: one or more variants (a model URI each, with a traffic weight, or as a
 * shadow that gets a copy of every request), how requests are routed (weighted at random, or
 * sticky on a header or an input field), and the server's limits. It comes from `keel models
 * serve` flags (one model) or a deployment file (YAML or JSON, snake_case keys):
 *
 * ```yaml
 * name: iris
 * variants:
 *   - { name: champion,   model: "models:/iris-classifier@champion",   weight: 90 }
 *   - { name: challenger, model: "models:/iris-classifier@challenger", weight: 10 }   # a canary
 *   - { name: shadow,     model: "models:/iris-classifier/4", shadow: true }
 * routing: { sticky_header: x-user-id }        # or sticky_field: user_id
 * batching: { max_batch_size: 64, max_wait_ms: 2 }
 * ```
 */
import { KeelError } from '@keel/contracts'
import { parseModelUri } from '@keel/sdk'
import { parse as parseYaml } from 'yaml'
import { DEFAULTS } from './deployment-defaults.js'

export interface VariantSpec {
  readonly name: string
  readonly modelUri: string
  /** Share of live traffic: weight / sum of the live variants' weights. 0 for a shadow. */
  readonly weight: number
  /** Gets a copy of each request; its answers are logged, never returned. */
  readonly shadow: boolean
}

export interface BatchingSpec {
  readonly maxBatchSize: number
  readonly maxWaitMs: number
}

export interface DeploymentSpec {
  /** The model name clients address (`/v2/models/<name>/infer`). */
  readonly name: string
  readonly variants: readonly VariantSpec[]
  /** Route each request by a hash of this header's value (lower-case) … */
  readonly stickyHeader?: string
  /** … or of this input field's value in the request's first row. */
  readonly stickyField?: string
  readonly batching?: BatchingSpec
  /** How often variants that follow an alias, a stage or `latest` check the registry. */
  readonly pollIntervalMs: number
  readonly maxBodyBytes: number
  /** Requests in progress per worker beyond which new ones are shed with 503. */
  readonly maxConcurrency: number
  readonly predictionLog: PredictionLogSpec
}

export interface PredictionLogSpec {
  readonly enabled: boolean
  /** Records waiting to be written, per worker; beyond this they are dropped and counted. */
  readonly queueSize: number
  readonly batchSize: number
  readonly flushMs: number
}

export { DEFAULTS }

const NAME = /^[A-Za-z0-9][\w.-]{0,127}$/

/** The deployment name a model URI suggests: the registered model's name, else 'model'. */
export function defaultDeploymentName(modelUri: string): string {
  const parsed = parseModelUri(modelUri)
  return 'name' in parsed && NAME.test(parsed.name) ? parsed.name : 'model'
}

/** Checks a spec built from flags or a file; throws INVALID_PARAMETER_VALUE naming the problem. */
export function validateDeployment(spec: DeploymentSpec): DeploymentSpec {
  const invalid = (why: string): never => {
    throw KeelError.invalid(`Deployment '${spec.name}': ${why}`)
  }
  if (!NAME.test(spec.name))
    invalid('the name must be 1-128 letters, digits, _ . or -, starting with a letter or digit')
  if (spec.variants.length === 0) invalid('it needs at least one variant')
  const names = new Set<string>()
  for (const v of spec.variants) {
    if (!NAME.test(v.name)) invalid(`variant name '${v.name}' must be letters, digits, _ . or -`)
    if (names.has(v.name)) invalid(`two variants are named '${v.name}'`)
    names.add(v.name)
    parseModelUri(v.modelUri)
    if (!Number.isFinite(v.weight) || v.weight < 0) invalid(`variant '${v.name}': weight must be a number >= 0`)
    if (v.shadow && v.weight > 0) invalid(`variant '${v.name}': a shadow takes no live traffic (drop its weight)`)
  }
  const live = spec.variants.filter((v) => !v.shadow)
  if (live.length === 0) invalid('every variant is a shadow: at least one must answer requests')
  if (live.reduce((s, v) => s + v.weight, 0) <= 0) invalid("the live variants' weights sum to 0")
  if (spec.stickyHeader !== undefined && spec.stickyField !== undefined)
    invalid('route on sticky_header or sticky_field, not both')
  if (spec.batching !== undefined) {
    const { maxBatchSize, maxWaitMs } = spec.batching
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) invalid('batching.max_batch_size must be an integer >= 1')
    if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0 || maxWaitMs > 10_000)
      invalid('batching.max_wait_ms must be between 0 and 10000')
  }
  if (!Number.isInteger(spec.pollIntervalMs) || spec.pollIntervalMs < 50)
    invalid('the poll interval must be at least 50 ms')
  if (!Number.isInteger(spec.maxBodyBytes) || spec.maxBodyBytes < 1024)
    invalid('the body limit must be at least 1024 bytes')
  if (!Number.isInteger(spec.maxConcurrency) || spec.maxConcurrency < 1)
    invalid('max concurrency must be an integer >= 1')
  const log = spec.predictionLog
  if (
    !Number.isInteger(log.queueSize) ||
    log.queueSize < 1 ||
    !Number.isInteger(log.batchSize) ||
    log.batchSize < 1 ||
    log.batchSize > 1000
  ) {
    invalid('prediction_log.queue_size must be >= 1 and prediction_log.batch_size between 1 and 1000')
  }
  return spec
}

type Raw = Record<string, unknown>

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

function num(raw: Raw, key: string, fallback: number, where: string): number {
  const v = raw[key]
  if (v === undefined) return fallback
  if (typeof v !== 'number') throw KeelError.invalid(`${where}.${key} must be a number, got ${JSON.stringify(v)}`)
  return v
}

function str(raw: Raw, key: string, where: string): string | undefined {
  const v = raw[key]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v === '') throw KeelError.invalid(`${where}.${key} must be a non-empty string`)
  return v
}

/** Reads a deployment file's text (YAML or JSON); `overrides` are the CLI's flags, which win. */
export function parseDeploymentFile(
  text: string,
  file: string,
  overrides: Partial<DeploymentSpec> = {},
): DeploymentSpec {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (error) {
    throw KeelError.invalid(`${file} is not valid YAML or JSON: ${(error as Error).message}`)
  }
  if (!isObject(raw)) throw KeelError.invalid(`${file} must hold a mapping with 'variants'`)
  const known = new Set([
    'name',
    'variants',
    'routing',
    'batching',
    'poll_interval_ms',
    'max_body_bytes',
    'max_concurrency',
    'prediction_log',
  ])
  const unknown = Object.keys(raw).filter((k) => !known.has(k))
  if (unknown.length > 0)
    throw KeelError.invalid(`${file}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`)
  if (!Array.isArray(raw.variants))
    throw KeelError.invalid(`${file}: 'variants' must be a list of {name, model, weight | shadow}`)
  const variants = raw.variants.map((v: unknown, i): VariantSpec => {
    const where = `${file}: variants[${i}]`
    if (!isObject(v)) throw KeelError.invalid(`${where} must be a mapping {name, model, weight}`)
    const model = str(v, 'model', where)
    if (model === undefined) throw KeelError.invalid(`${where}.model is required (a model URI)`)
    const shadow = v.shadow === undefined ? false : v.shadow === true ? true : v.shadow === false ? false : undefined
    if (shadow === undefined) throw KeelError.invalid(`${where}.shadow must be true or false`)
    return {
      name: str(v, 'name', where) ?? `v${i + 1}`,
      modelUri: model,
      weight: num(v, 'weight', shadow ? 0 : 1, where),
      shadow,
    }
  })
  const routing = raw.routing === undefined ? {} : raw.routing
  if (!isObject(routing)) throw KeelError.invalid(`${file}: 'routing' must be a mapping`)
  const batching = raw.batching
  if (batching !== undefined && !isObject(batching)) throw KeelError.invalid(`${file}: 'batching' must be a mapping`)
  const log = raw.prediction_log === undefined ? {} : raw.prediction_log
  if (!isObject(log)) throw KeelError.invalid(`${file}: 'prediction_log' must be a mapping`)
  const stickyHeader = str(routing, 'sticky_header', `${file}: routing`)
  const stickyField = str(routing, 'sticky_field', `${file}: routing`)
  const spec: DeploymentSpec = {
    name: str(raw, 'name', file) ?? (variants[0] === undefined ? 'model' : defaultDeploymentName(variants[0].modelUri)),
    variants,
    ...(stickyHeader !== undefined && { stickyHeader: stickyHeader.toLowerCase() }),
    ...(stickyField !== undefined && { stickyField }),
    ...(batching !== undefined && {
      batching: {
        maxBatchSize: num(batching, 'max_batch_size', 32, `${file}: batching`),
        maxWaitMs: num(batching, 'max_wait_ms', 2, `${file}: batching`),
      },
    }),
    pollIntervalMs: num(raw, 'poll_interval_ms', DEFAULTS.pollIntervalMs, file),
    maxBodyBytes: num(raw, 'max_body_bytes', DEFAULTS.maxBodyBytes, file),
    maxConcurrency: num(raw, 'max_concurrency', DEFAULTS.maxConcurrency, file),
    predictionLog: {
      enabled: log.enabled === undefined ? true : log.enabled === true,
      queueSize: num(log, 'queue_size', DEFAULTS.predictionLog.queueSize, `${file}: prediction_log`),
      batchSize: num(log, 'batch_size', DEFAULTS.predictionLog.batchSize, `${file}: prediction_log`),
      flushMs: num(log, 'flush_ms', DEFAULTS.predictionLog.flushMs, `${file}: prediction_log`),
    },
    ...overrides,
  }
  return validateDeployment(spec)
}
