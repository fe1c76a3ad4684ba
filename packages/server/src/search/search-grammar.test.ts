import { describe, expect, it } from 'vitest'
import type { Comparison } from './filter-ast.js'
import { parseFilter } from './filter-parser.js'
import { parseOrderBy } from './order-by.js'
import {
  EXPERIMENT_SEARCH,
  LOGGED_MODEL_SEARCH,
  MODEL_VERSION_SEARCH,
  REGISTERED_MODEL_SEARCH,
  RUN_SEARCH,
  entityForPrefix,
  type SearchGrammar,
} from './search-grammar.js'

function one(text: string, grammar: SearchGrammar): Omit<Comparison, 'position' | 'kind'> {
  const expr = parseFilter(text, grammar)
  if (expr?.kind !== 'comparison') throw new Error(`expected one comparison for ${text}`)
  return { entity: expr.entity, key: expr.key, op: expr.op, value: expr.value }
}

const GRAMMARS = { RUN_SEARCH, EXPERIMENT_SEARCH, LOGGED_MODEL_SEARCH, REGISTERED_MODEL_SEARCH, MODEL_VERSION_SEARCH }

describe('grammars', () => {
  it.each(Object.entries(GRAMMARS))('%s gives each prefix to one entity only', (_, grammar) => {
    const prefixes = Object.values(grammar.entities).flatMap((rule) => rule.prefixes)
    expect(new Set(prefixes).size).toBe(prefixes.length)
  })

  it('resolves prefixes and bare keys', () => {
    expect(entityForPrefix(RUN_SEARCH, 'params')?.entity).toBe('param')
    expect(entityForPrefix(RUN_SEARCH, undefined)?.entity).toBe('attribute')
    expect(entityForPrefix(EXPERIMENT_SEARCH, 'metrics')).toBeUndefined()
    expect(entityForPrefix({ ...RUN_SEARCH, bareKeyIsAttribute: false }, undefined)).toBeUndefined()
  })
})

describe('EXPERIMENT_SEARCH', () => {
  it('accepts name, creation_time, last_update_time and tags', () => {
    expect(one(`name LIKE 'exp%'`, EXPERIMENT_SEARCH)).toEqual({
      entity: 'attribute',
      key: 'name',
      op: 'LIKE',
      value: 'exp%',
    })
    expect(one(`attribute.name ILIKE 'E%'`, EXPERIMENT_SEARCH).op).toBe('ILIKE')
    expect(one('creation_time >= 5', EXPERIMENT_SEARCH)).toMatchObject({ key: 'creation_time', value: 5 })
    expect(one('last_update_time < 5', EXPERIMENT_SEARCH)).toMatchObject({ key: 'last_update_time', op: '<' })
    expect(one(`tags.owner = 'me'`, EXPERIMENT_SEARCH)).toMatchObject({ entity: 'tag', key: 'owner' })
    expect(one(`tag.owner IS NOT NULL`, EXPERIMENT_SEARCH)).toMatchObject({ entity: 'tag', op: 'IS NOT NULL' })
  })

  it('rejects the prefixes MLflow rejects for experiments, the unknown keys and lists', () => {
    expect(() => parseFilter(`attributes.name = 'x'`, EXPERIMENT_SEARCH)).toThrow(
      "Invalid entity type 'attributes'. Valid values are ['tag', 'tags', 'attribute']",
    )
    expect(() => parseFilter('metrics.a > 1', EXPERIMENT_SEARCH)).toThrow("Invalid entity type 'metrics'")
    expect(() => parseFilter(`experiment_id = '1'`, EXPERIMENT_SEARCH)).toThrow("Invalid attribute key 'experiment_id'")
    expect(() => parseFilter(`name IN ('a')`, EXPERIMENT_SEARCH)).toThrow("Invalid comparator 'IN' not one of")
    expect(() => parseFilter(`creation_time = '1'`, EXPERIMENT_SEARCH)).toThrow(
      "Expected numeric value type for numeric attribute: creation_time. Found '1'",
    )
  })

  it('orders by the four experiment attributes only', () => {
    expect(
      parseOrderBy(['name', 'experiment_id DESC', 'creation_time', 'last_update_time asc'], EXPERIMENT_SEARCH),
    ).toHaveLength(4)
    expect(() => parseOrderBy(['tags.x'], EXPERIMENT_SEARCH)).toThrow(
      "Invalid order_by entity: tag. Valid entities are ['attribute']",
    )
  })
})

describe('LOGGED_MODEL_SEARCH', () => {
  it.each(['name', 'model_id', 'model_type', 'status', 'source_run_id'])(
    'accepts %s with string and list comparators',
    (key) => {
      expect(one(`${key} = 'x'`, LOGGED_MODEL_SEARCH)).toMatchObject({ key, op: '=' })
      expect(one(`attributes.${key} IN ('x', 'y')`, LOGGED_MODEL_SEARCH)).toMatchObject({ key, value: ['x', 'y'] })
      expect(one(`${key} NOT IN ('x')`, LOGGED_MODEL_SEARCH)).toMatchObject({ key, op: 'NOT IN' })
    },
  )

  it('resolves the numeric aliases and accepts metrics, params and tags', () => {
    expect(one('creation_time > 1', LOGGED_MODEL_SEARCH).key).toBe('creation_timestamp')
    expect(one('creation_timestamp > 1', LOGGED_MODEL_SEARCH).key).toBe('creation_timestamp')
    expect(one('last_updated_time <= 1', LOGGED_MODEL_SEARCH).key).toBe('last_updated_timestamp')
    expect(one('metrics.acc > 0.9', LOGGED_MODEL_SEARCH)).toMatchObject({ entity: 'metric', value: 0.9 })
    expect(one(`params.lr = '0.1'`, LOGGED_MODEL_SEARCH)).toMatchObject({ entity: 'param' })
    expect(one(`tags.t ILIKE 'x'`, LOGGED_MODEL_SEARCH)).toMatchObject({ entity: 'tag' })
  })

  it('rejects datasets and IS NULL on params', () => {
    expect(() => parseFilter(`datasets.name = 'x'`, LOGGED_MODEL_SEARCH)).toThrow("Invalid entity type 'datasets'")
    expect(() => parseFilter('params.p IS NULL', LOGGED_MODEL_SEARCH)).toThrow("Invalid comparator 'IS NULL'")
  })

  it('orders by attributes and metrics', () => {
    expect(parseOrderBy(['metrics.acc DESC', 'creation_time'], LOGGED_MODEL_SEARCH)).toEqual([
      { entity: 'metric', key: 'acc', ascending: false },
      { entity: 'attribute', key: 'creation_timestamp', ascending: true },
    ])
    expect(() => parseOrderBy(['params.p'], LOGGED_MODEL_SEARCH)).toThrow('Invalid order_by entity: param')
  })
})

describe('REGISTERED_MODEL_SEARCH', () => {
  it('accepts name and tags with = != LIKE ILIKE', () => {
    for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      expect(one(`name ${op} 'm'`, REGISTERED_MODEL_SEARCH)).toEqual({
        entity: 'attribute',
        key: 'name',
        op,
        value: 'm',
      })
      expect(one(`tags.\`k\` ${op} 'v'`, REGISTERED_MODEL_SEARCH)).toEqual({ entity: 'tag', key: 'k', op, value: 'v' })
    }
  })

  it('rejects other attributes, IS NULL and lists', () => {
    expect(() => parseFilter(`run_id = 'x'`, REGISTERED_MODEL_SEARCH)).toThrow(
      "Invalid attribute key 'run_id' specified. Valid keys are ['name']",
    )
    expect(() => parseFilter('tags.k IS NULL', REGISTERED_MODEL_SEARCH)).toThrow("Invalid comparator 'IS NULL'")
    expect(() => parseFilter(`name IN ('a')`, REGISTERED_MODEL_SEARCH)).toThrow("Invalid comparator 'IN'")
  })

  it('orders by name and the timestamps, timestamp meaning creation_timestamp', () => {
    expect(parseOrderBy(['timestamp DESC', 'name', 'last_updated_timestamp'], REGISTERED_MODEL_SEARCH)).toEqual([
      { entity: 'attribute', key: 'creation_timestamp', ascending: false },
      { entity: 'attribute', key: 'name', ascending: true },
      { entity: 'attribute', key: 'last_updated_timestamp', ascending: true },
    ])
    expect(() => parseOrderBy(['timestamp', 'creation_timestamp'], REGISTERED_MODEL_SEARCH)).toThrow('duplicate fields')
  })
})

describe('MODEL_VERSION_SEARCH', () => {
  it('accepts name, run_id (with IN), source_path and version_number', () => {
    expect(one(`name = 'm'`, MODEL_VERSION_SEARCH)).toMatchObject({ key: 'name' })
    expect(one(`run_id IN ('r1', 'r2')`, MODEL_VERSION_SEARCH)).toMatchObject({ key: 'run_id', value: ['r1', 'r2'] })
    expect(one(`source_path LIKE 's3://%'`, MODEL_VERSION_SEARCH)).toMatchObject({ key: 'source', op: 'LIKE' })
    expect(one('version_number >= 3', MODEL_VERSION_SEARCH)).toMatchObject({ key: 'version_number', value: 3 })
    expect(one(`tags.stage = 'prod'`, MODEL_VERSION_SEARCH)).toMatchObject({ entity: 'tag' })
  })

  it('rejects NOT IN, lists on other keys and strings for version_number', () => {
    expect(() => parseFilter(`run_id NOT IN ('r')`, MODEL_VERSION_SEARCH)).toThrow(
      "Invalid comparator 'NOT IN' not one of '['=', '!=', 'LIKE', 'ILIKE', 'IN']'",
    )
    expect(() => parseFilter(`name IN ('m')`, MODEL_VERSION_SEARCH)).toThrow(
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    )
    expect(() => parseFilter(`version_number = '3'`, MODEL_VERSION_SEARCH)).toThrow(
      'Expected numeric value type for numeric attribute',
    )
    expect(() => parseFilter(`source = 'x'`, MODEL_VERSION_SEARCH)).toThrow("Invalid attribute key 'source'")
  })

  it('orders by its four attributes', () => {
    expect(parseOrderBy(['version_number DESC'], MODEL_VERSION_SEARCH)).toEqual([
      { entity: 'attribute', key: 'version_number', ascending: false },
    ])
    expect(() => parseOrderBy(['run_id'], MODEL_VERSION_SEARCH)).toThrow("Invalid attribute key 'run_id'")
  })
})
