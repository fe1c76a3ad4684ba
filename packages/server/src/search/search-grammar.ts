import type { Comparator, FilterEntity } from './filter-ast.js'

/**
 * What one kind of search (runs, experiments, …) accepts in its filter and order_by. The tables
 * follow MLflow's `SearchUtils` family (`mlflow/utils/search_utils.py`) and the SQL stores that
 * consume them; see /work/shared/reference/mlflow-wire-protocol.md §2.
 */
export interface SearchGrammar {
  /** Entities that may appear in a filter, each with its prefixes and keys. */
  readonly entities: Readonly<Partial<Record<FilterEntity, EntityRule>>>
  /** Whether a key without a prefix (`status = 'FINISHED'`) means `attribute.<key>`. */
  readonly bareKeyIsAttribute: boolean
  readonly orderBy: OrderByRule
}

export type ValueType = 'string' | 'number'

/** How the values of a field compare. */
export interface FieldRule {
  readonly valueType: ValueType
  readonly comparators: readonly Comparator[]
}

/** A listed key; `canonical` is the key it stands for when it is an alias. */
export interface KeyRule extends FieldRule {
  readonly canonical?: string
}

export type EntityRule = OpenEntityRule | ListedEntityRule

/** An entity whose keys are user data (metrics, params, tags): any key, one rule. */
export interface OpenEntityRule {
  readonly prefixes: readonly string[]
  readonly keys: 'any'
  readonly field: FieldRule
}

/** An entity with a fixed set of keys (attributes, dataset fields). */
export interface ListedEntityRule {
  readonly prefixes: readonly string[]
  readonly keys: 'listed'
  readonly fields: Readonly<Record<string, KeyRule>>
}

export interface OrderByRule {
  /** Attribute keys as written, mapped to their canonical key. */
  readonly attributes: Readonly<Record<string, string>>
  /** Entities any key of which may be ordered on (`metrics.acc DESC`). */
  readonly anyKeyEntities: readonly FilterEntity[]
}

const NUMERIC_OPS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<=']
const STRING_OPS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE']

const NUMBER: FieldRule = { valueType: 'number', comparators: NUMERIC_OPS }
const STRING: FieldRule = { valueType: 'string', comparators: STRING_OPS }
const NULLABLE_STRING: FieldRule = { valueType: 'string', comparators: [...STRING_OPS, 'IS NULL', 'IS NOT NULL'] }
const LISTABLE_STRING: FieldRule = { valueType: 'string', comparators: [...STRING_OPS, 'IN', 'NOT IN'] }

const METRIC_PREFIXES = ['metric', 'metrics']
const PARAM_PREFIXES = ['param', 'params', 'parameter', 'parameters']
const TAG_PREFIXES = ['tag', 'tags']
const ATTRIBUTE_PREFIXES = ['attribute', 'attributes', 'attr', 'run']
/** Experiments and the model registry accept only `attribute`, `tag` and `tags` (MLflow's `valid_entity_types`). */
const REGISTRY_ATTRIBUTE_PREFIXES = ['attribute']

export const RUN_SEARCH: SearchGrammar = {
  entities: {
    metric: { prefixes: METRIC_PREFIXES, keys: 'any', field: NUMBER },
    param: { prefixes: PARAM_PREFIXES, keys: 'any', field: NULLABLE_STRING },
    tag: { prefixes: TAG_PREFIXES, keys: 'any', field: NULLABLE_STRING },
    attribute: {
      prefixes: ATTRIBUTE_PREFIXES,
      keys: 'listed',
      fields: {
        run_id: LISTABLE_STRING,
        run_name: STRING,
        'run name': { ...STRING, canonical: 'run_name' },
        'Run name': { ...STRING, canonical: 'run_name' },
        'Run Name': { ...STRING, canonical: 'run_name' },
        user_id: STRING,
        status: STRING,
        artifact_uri: STRING,
        start_time: NUMBER,
        end_time: NUMBER,
        created: { ...NUMBER, canonical: 'start_time' },
        Created: { ...NUMBER, canonical: 'start_time' },
      },
    },
    dataset: {
      prefixes: ['dataset', 'datasets'],
      keys: 'listed',
      fields: { name: LISTABLE_STRING, digest: LISTABLE_STRING, context: LISTABLE_STRING },
    },
  },
  bareKeyIsAttribute: true,
  orderBy: {
    attributes: {
      run_id: 'run_id',
      run_name: 'run_name',
      user_id: 'user_id',
      status: 'status',
      start_time: 'start_time',
      end_time: 'end_time',
      artifact_uri: 'artifact_uri',
      created: 'start_time',
      Created: 'start_time',
      timestamp: 'start_time',
    },
    anyKeyEntities: ['metric', 'param', 'tag'],
  },
}

export const EXPERIMENT_SEARCH: SearchGrammar = {
  entities: {
    tag: { prefixes: TAG_PREFIXES, keys: 'any', field: NULLABLE_STRING },
    attribute: {
      prefixes: REGISTRY_ATTRIBUTE_PREFIXES,
      keys: 'listed',
      fields: { name: STRING, creation_time: NUMBER, last_update_time: NUMBER },
    },
  },
  bareKeyIsAttribute: true,
  orderBy: {
    attributes: {
      name: 'name',
      experiment_id: 'experiment_id',
      creation_time: 'creation_time',
      last_update_time: 'last_update_time',
    },
    anyKeyEntities: [],
  },
}

export const LOGGED_MODEL_SEARCH: SearchGrammar = {
  entities: {
    metric: { prefixes: METRIC_PREFIXES, keys: 'any', field: NUMBER },
    param: { prefixes: PARAM_PREFIXES, keys: 'any', field: STRING },
    tag: { prefixes: TAG_PREFIXES, keys: 'any', field: STRING },
    attribute: {
      prefixes: ATTRIBUTE_PREFIXES,
      keys: 'listed',
      fields: {
        name: LISTABLE_STRING,
        model_id: LISTABLE_STRING,
        model_type: LISTABLE_STRING,
        status: LISTABLE_STRING,
        source_run_id: LISTABLE_STRING,
        creation_timestamp: NUMBER,
        creation_time: { ...NUMBER, canonical: 'creation_timestamp' },
        last_updated_timestamp: NUMBER,
        last_updated_time: { ...NUMBER, canonical: 'last_updated_timestamp' },
      },
    },
  },
  bareKeyIsAttribute: true,
  orderBy: {
    attributes: {
      name: 'name',
      model_id: 'model_id',
      model_type: 'model_type',
      status: 'status',
      source_run_id: 'source_run_id',
      creation_timestamp: 'creation_timestamp',
      creation_time: 'creation_timestamp',
      last_updated_timestamp: 'last_updated_timestamp',
      last_updated_time: 'last_updated_timestamp',
    },
    anyKeyEntities: ['metric'],
  },
}

export const REGISTERED_MODEL_SEARCH: SearchGrammar = {
  entities: {
    tag: { prefixes: TAG_PREFIXES, keys: 'any', field: STRING },
    attribute: { prefixes: REGISTRY_ATTRIBUTE_PREFIXES, keys: 'listed', fields: { name: STRING } },
  },
  bareKeyIsAttribute: true,
  orderBy: {
    attributes: {
      name: 'name',
      creation_timestamp: 'creation_timestamp',
      timestamp: 'creation_timestamp',
      last_updated_timestamp: 'last_updated_timestamp',
    },
    anyKeyEntities: [],
  },
}

export const MODEL_VERSION_SEARCH: SearchGrammar = {
  entities: {
    tag: { prefixes: TAG_PREFIXES, keys: 'any', field: STRING },
    attribute: {
      prefixes: REGISTRY_ATTRIBUTE_PREFIXES,
      keys: 'listed',
      fields: {
        name: STRING,
        run_id: { valueType: 'string', comparators: [...STRING_OPS, 'IN'] },
        source_path: { ...STRING, canonical: 'source' },
        version_number: NUMBER,
      },
    },
  },
  bareKeyIsAttribute: true,
  orderBy: {
    attributes: {
      name: 'name',
      version_number: 'version_number',
      creation_timestamp: 'creation_timestamp',
      last_updated_timestamp: 'last_updated_timestamp',
    },
    anyKeyEntities: [],
  },
}

const ENTITY_ORDER: readonly FilterEntity[] = [
  'metric',
  'param',
  'tag',
  'attribute',
  'dataset',
  'metadata',
  'span',
  'feedback',
  'expectation',
]

export interface ResolvedEntity {
  readonly entity: FilterEntity
  readonly rule: EntityRule
}

/** The entity a prefix names (`undefined` prefix: a bare key), if the grammar has it. */
export function entityForPrefix(grammar: SearchGrammar, prefix: string | undefined): ResolvedEntity | undefined {
  if (prefix === undefined) {
    const rule = grammar.bareKeyIsAttribute ? grammar.entities.attribute : undefined
    return rule && { entity: 'attribute', rule }
  }
  for (const entity of ENTITY_ORDER) {
    const rule = grammar.entities[entity]
    if (rule?.prefixes.includes(prefix)) return { entity, rule }
  }
  return undefined
}

/** Every prefix the grammar accepts, for error messages. */
export function entityPrefixes(grammar: SearchGrammar): string[] {
  return ENTITY_ORDER.flatMap((entity) => grammar.entities[entity]?.prefixes ?? [])
}

/** `record[key]` for own keys only, so that 'constructor' or '__proto__' is never a field. */
export function lookup<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

/** MLflow's SearchTraceUtils: trace attributes (`trace.` or `attributes.`), tags, metadata, spans and assessments. */
const TRACE_VALUE: FieldRule = {
  valueType: 'string',
  comparators: ['=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'],
}
export const TRACE_SEARCH: SearchGrammar = {
  entities: {
    tag: { prefixes: TAG_PREFIXES, keys: 'any', field: NULLABLE_STRING },
    metadata: { prefixes: ['request_metadata', 'metadata'], keys: 'any', field: NULLABLE_STRING },
    attribute: {
      prefixes: ['attribute', 'attributes', 'trace'],
      keys: 'listed',
      fields: {
        request_id: LISTABLE_STRING,
        timestamp_ms: NUMBER,
        timestamp: { ...NUMBER, canonical: 'timestamp_ms' },
        execution_time_ms: NUMBER,
        execution_time: { ...NUMBER, canonical: 'execution_time_ms' },
        end_time_ms: NUMBER,
        end_time: { ...NUMBER, canonical: 'end_time_ms' },
        status: LISTABLE_STRING,
        state: { ...LISTABLE_STRING, canonical: 'status' },
        client_request_id: LISTABLE_STRING,
        name: LISTABLE_STRING,
        run_id: LISTABLE_STRING,
        prompt: STRING,
        text: { valueType: 'string', comparators: ['LIKE', 'ILIKE'] },
      },
    },
    span: {
      prefixes: ['span'],
      keys: 'listed',
      fields: {
        name: LISTABLE_STRING,
        type: LISTABLE_STRING,
        status: LISTABLE_STRING,
        content: { valueType: 'string', comparators: ['LIKE', 'ILIKE'] },
      },
    },
    feedback: { prefixes: ['feedback'], keys: 'any', field: TRACE_VALUE },
    expectation: { prefixes: ['expectation'], keys: 'any', field: TRACE_VALUE },
  },
  bareKeyIsAttribute: true,
  orderBy: {
    attributes: {
      experiment_id: 'experiment_id',
      timestamp_ms: 'timestamp_ms',
      timestamp: 'timestamp_ms',
      execution_time_ms: 'execution_time_ms',
      execution_time: 'execution_time_ms',
      end_time_ms: 'end_time_ms',
      end_time: 'end_time_ms',
      status: 'status',
      request_id: 'request_id',
      name: 'name',
      run_id: 'run_id',
    },
    anyKeyEntities: [],
  },
}
