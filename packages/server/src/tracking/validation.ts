/**
 * MLflow's input rules (mlflow/utils/validation.py): names, lengths and batch limits. Each check
 * throws INVALID_PARAMETER_VALUE with a message that names the field and the rule.
 */
import { KeelError, LIMITS, type KeyValue, type Metric } from '@keel/contracts'

// Python's `\w` (Unicode letters, digits, marks and underscore), as MLflow's regex reads it.
const KEY_PATTERN = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u

export function validateKey(key: string, kind: 'metric' | 'param' | 'tag'): void {
  if (key.length === 0) throw KeelError.invalid(`Invalid ${kind} name: '' (a name cannot be empty)`)
  if (key.length > LIMITS.entityKeyLength) {
    throw KeelError.invalid(
      `${kind} name '${key.slice(0, 40)}…' had length ${key.length}, which exceeded length limit of ${LIMITS.entityKeyLength}`,
    )
  }
  if (!KEY_PATTERN.test(key)) {
    throw KeelError.invalid(
      `Invalid value "${key}" for parameter 'key' supplied: Names may only contain alphanumerics, ` +
        'underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).',
    )
  }
  if (!isUniquePath(key)) {
    throw KeelError.invalid(
      `Invalid value "${key}" for parameter 'key' supplied: Names cannot be a path that normalizes differently (such as '.', '..', 'a//b' or a leading '/')`,
    )
  }
}

/** MLflow's path_not_unique: the name must be its own normalised relative path. */
function isUniquePath(key: string): boolean {
  if (key.startsWith('/')) return false
  const segments = key.split('/')
  return segments.every((s) => s !== '' && s !== '.' && s !== '..')
}

/** Values over MLflow's limits are truncated, as MLflow does with MLFLOW_TRUNCATE_LONG_VALUES (its default). */
export function fitValue(value: string, limit: number): string {
  return value.length > limit ? value.slice(0, limit) : value
}

export function validateMetric(m: Metric): void {
  validateKey(m.key, 'metric')
  validatePoint(m)
}

/**
 * The metrics of a batch, in order, with the same first error as validateMetric on each in turn;
 * a key repeated over many points (a training script's few keys over its steps) is checked once.
 */
export function validateMetrics(metrics: readonly Metric[]): void {
  const keys = new Set<string>()
  for (const m of metrics) {
    if (!keys.has(m.key)) {
      validateKey(m.key, 'metric')
      keys.add(m.key)
    }
    validatePoint(m)
  }
}

function validatePoint(m: Metric): void {
  if (!Number.isSafeInteger(m.timestamp) || m.timestamp < 0) {
    throw KeelError.invalid(
      `Metric '${m.key}' has an invalid timestamp ${m.timestamp}: expected a non-negative integer`,
    )
  }
  if (!Number.isSafeInteger(m.step))
    throw KeelError.invalid(`Metric '${m.key}' has an invalid step ${m.step}: expected an integer`)
}

export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  if (metrics > LIMITS.metricsPerBatch) {
    throw KeelError.invalid(
      `A batch logging request can contain at most ${LIMITS.metricsPerBatch} metrics. Got ${metrics} metrics. Please split up metrics across multiple requests and try again.`,
    )
  }
  if (params > LIMITS.paramsPerBatch) {
    throw KeelError.invalid(
      `A batch logging request can contain at most ${LIMITS.paramsPerBatch} params. Got ${params} params. Please split up params across multiple requests and try again.`,
    )
  }
  if (tags > LIMITS.tagsPerBatch) {
    throw KeelError.invalid(
      `A batch logging request can contain at most ${LIMITS.tagsPerBatch} tags. Got ${tags} tags. Please split up tags across multiple requests and try again.`,
    )
  }
  const total = metrics + params + tags
  if (total > LIMITS.entitiesPerBatch) {
    throw KeelError.invalid(
      `A batch logging request can contain at most ${LIMITS.entitiesPerBatch} total metrics, params and tags. Got ${total}. Please split up across multiple requests and try again.`,
    )
  }
}

/**
 * No key twice in one request (MLflow's _validate_param_keys_unique, and the same rule for the tags
 * of a create: the store keys them by name, so a repeat would be a constraint violation).
 */
export function validateUniqueKeys(items: readonly { readonly key: string }[], kind: 'param' | 'tag'): void {
  const seen = new Set<string>()
  const dupes = new Set<string>()
  for (const item of items) (seen.has(item.key) ? dupes : seen).add(item.key)
  if (dupes.size > 0) {
    const noun = kind === 'param' ? 'parameter' : 'tag'
    throw KeelError.invalid(
      `Duplicate ${noun} keys have been submitted: [${[...dupes].map((d) => `'${d}'`).join(', ')}]. Please ensure the request contains only one ${kind} value per ${kind} key.`,
    )
  }
}

export function validateUniqueParamKeys(params: readonly KeyValue[]): void {
  validateUniqueKeys(params, 'param')
}

/**
 * Names and keys never hold NUL: C tools and file names cut the string there, and PostgreSQL's
 * text refuses it. (Keys also pass validateKey's pattern, which has no control characters.)
 */
export function validateNoNul(value: string, field: string): void {
  if (value.includes('\0')) {
    throw KeelError.invalid(
      `Invalid value for parameter '${field}': a name or key cannot contain the NUL character (\\u0000)`,
    )
  }
}

export function validateExperimentName(name: string, field = 'name'): void {
  if (name.trim() === '')
    throw KeelError.invalid("Invalid experiment name: ''. An experiment name must be a non-empty string.")
  validateNoNul(name, field)
  if (name.length > LIMITS.experimentNameLength) {
    throw KeelError.invalid(
      `Experiment name had length ${name.length}, which exceeded length limit of ${LIMITS.experimentNameLength}`,
    )
  }
}

export function validateExperimentTag(tag: KeyValue): void {
  validateKey(tag.key, 'tag')
  if (tag.value.length > LIMITS.experimentTagValueLength) {
    throw KeelError.invalid(
      `Experiment tag '${tag.key}' value had length ${tag.value.length}, which exceeded length limit of ${LIMITS.experimentTagValueLength}`,
    )
  }
}

/** `mlflow.runName` and friends are how MLflow clients name things; nothing else is reserved. */
export function requireId(value: string | undefined, field: string): string {
  if (value === undefined || value === '') {
    throw KeelError.invalid(
      `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
    )
  }
  return value
}
