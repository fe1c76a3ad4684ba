/** The lenient input shapes of the SDK's methods, and their normalisation to entities. */
import type { KeyValue, Metric } from '@keel/contracts'

/** Tags as a record (`{team: 'ml'}`) or as a list of `{key, value}`. */
export type TagsInput = Readonly<Record<string, string>> | readonly KeyValue[]

/** A param value; non-strings are stringified, as MLflow does. */
export type ParamValue = string | number | boolean

/** Params as a record (`{lr: 0.01}`) or as a list of `{key, value}`. */
export type ParamsInput =
  | Readonly<Record<string, ParamValue>>
  | readonly { readonly key: string; readonly value: ParamValue }[]

/** A metric value to log; `timestamp` defaults to now and `step` to 0. */
export interface MetricInput {
  readonly key: string
  readonly value: number
  readonly timestamp?: number | undefined
  readonly step?: number | undefined
  readonly modelId?: string | undefined
  readonly datasetName?: string | undefined
  readonly datasetDigest?: string | undefined
}

/** Metrics, params and tags for one run, of any size (the client splits them into requests). */
export interface LogBatchInput {
  readonly metrics?: readonly MetricInput[] | undefined
  readonly params?: ParamsInput | undefined
  readonly tags?: TagsInput | undefined
}

export function toKeyValues(input: TagsInput | ParamsInput | undefined): KeyValue[] {
  if (input === undefined) return []
  const entries = Array.isArray(input)
    ? (input as readonly { key: string; value: ParamValue }[]).map((kv) => [kv.key, kv.value] as const)
    : Object.entries(input as Readonly<Record<string, ParamValue>>)
  return entries.map(([key, value]) => ({ key, value: String(value) }))
}

export function toMetric(input: MetricInput, now = Date.now()): Metric {
  return { ...input, timestamp: input.timestamp ?? now, step: input.step ?? 0 }
}
