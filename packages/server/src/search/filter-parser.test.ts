import { describe, expect, it } from 'vitest'
import type { BoolExpr, Comparison } from './filter-ast.js'
import { parseFilter } from './filter-parser.js'
import { RUN_SEARCH } from './search-grammar.js'

/** The single comparison a filter parses to, without its position. */
function comparison(text: string): Omit<Comparison, 'position'> {
  const expr = parseFilter(text, RUN_SEARCH)
  if (expr?.kind !== 'comparison') throw new Error(`expected one comparison, got ${JSON.stringify(expr)}`)
  const { position: _position, ...rest } = expr
  return rest
}

const cmp = (entity: Comparison['entity'], key: string, op: Comparison['op'], value: Comparison['value']) => ({
  kind: 'comparison',
  entity,
  key,
  op,
  value,
})

describe('parseFilter: empty input', () => {
  it.each([undefined, '', '   ', '\n\t '])('returns undefined for %j', (text) => {
    expect(parseFilter(text, RUN_SEARCH)).toBeUndefined()
  })
})

describe('parseFilter: runs, per entity and comparator', () => {
  it.each(['>', '>=', '=', '!=', '<', '<='] as const)('metrics with %s', (op) => {
    expect(comparison(`metrics.acc ${op} 0.5`)).toEqual(cmp('metric', 'acc', op, 0.5))
  })

  it.each(['=', '!=', 'LIKE', 'ILIKE'] as const)('params and tags with %s', (op) => {
    expect(comparison(`params.lr ${op} '0.1%'`)).toEqual(cmp('param', 'lr', op, '0.1%'))
    expect(comparison(`tags.team ${op} 'ml'`)).toEqual(cmp('tag', 'team', op, 'ml'))
  })

  it.each(['IS NULL', 'IS NOT NULL'] as const)('params and tags with %s', (op) => {
    expect(comparison(`params.lr ${op}`)).toEqual(cmp('param', 'lr', op, null))
    expect(comparison(`tags.team ${op}`)).toEqual(cmp('tag', 'team', op, null))
  })

  it.each(['run_id', 'run_name', 'user_id', 'status', 'artifact_uri'])(
    'string attribute %s with = != LIKE ILIKE',
    (key) => {
      for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
        expect(comparison(`attributes.${key} ${op} 'x'`)).toEqual(cmp('attribute', key, op, 'x'))
      }
    },
  )

  it.each(['IN', 'NOT IN'] as const)('run_id with %s', (op) => {
    expect(comparison(`attributes.run_id ${op} ('a1', 'b2')`)).toEqual(cmp('attribute', 'run_id', op, ['a1', 'b2']))
  })

  it.each(['start_time', 'end_time'])('numeric attribute %s with every numeric comparator', (key) => {
    for (const op of ['>', '>=', '=', '!=', '<', '<='] as const) {
      expect(comparison(`attributes.${key} ${op} 1700000000000`)).toEqual(cmp('attribute', key, op, 1700000000000))
    }
  })

  it.each(['name', 'digest', 'context'])('dataset %s with string and list comparators', (key) => {
    for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      expect(comparison(`datasets.${key} ${op} 'v'`)).toEqual(cmp('dataset', key, op, 'v'))
    }
    expect(comparison(`dataset.${key} IN ('a')`)).toEqual(cmp('dataset', key, 'IN', ['a']))
    expect(comparison(`dataset.${key} NOT IN ('a', 'b')`)).toEqual(cmp('dataset', key, 'NOT IN', ['a', 'b']))
  })
})

describe('parseFilter: prefixes, keys and aliases', () => {
  it.each([
    ['metric', 'metric'],
    ['metrics', 'metric'],
    ['param', 'param'],
    ['params', 'param'],
    ['parameter', 'param'],
    ['parameters', 'param'],
    ['tag', 'tag'],
    ['tags', 'tag'],
    ['dataset', 'dataset'],
    ['datasets', 'dataset'],
  ] as const)('prefix %s means %s', (prefix, entity) => {
    const value = entity === 'metric' ? '1' : "'name'"
    const key = entity === 'dataset' ? 'name' : 'k'
    expect(comparison(`${prefix}.${key} = ${value}`)).toMatchObject({ entity, key })
  })

  it.each(['attribute', 'attributes', 'attr', 'run'])('prefix %s means attribute', (prefix) => {
    expect(comparison(`${prefix}.status = 'FINISHED'`)).toEqual(cmp('attribute', 'status', '=', 'FINISHED'))
  })

  it('reads a bare key as an attribute', () => {
    expect(comparison(`status = 'RUNNING'`)).toEqual(cmp('attribute', 'status', '=', 'RUNNING'))
    expect(comparison('end_time < 5')).toEqual(cmp('attribute', 'end_time', '<', 5))
  })

  it.each(['run name', 'Run name', 'Run Name'])('resolves the alias %j to run_name', (alias) => {
    expect(comparison(`attributes.\`${alias}\` = 'x'`)).toEqual(cmp('attribute', 'run_name', '=', 'x'))
    expect(comparison(`\`${alias}\` = 'x'`)).toEqual(cmp('attribute', 'run_name', '=', 'x'))
    expect(comparison(`"${alias}" LIKE 'x%'`)).toEqual(cmp('attribute', 'run_name', 'LIKE', 'x%'))
  })

  it.each(['created', 'Created'])('resolves the alias %s to start_time', (alias) => {
    expect(comparison(`attributes.${alias} > 10`)).toEqual(cmp('attribute', 'start_time', '>', 10))
    expect(comparison(`${alias} <= 10`)).toEqual(cmp('attribute', 'start_time', '<=', 10))
  })

  it('reads keys quoted with backticks or double quotes', () => {
    expect(comparison('metrics.`f1 score` > 0.8')).toEqual(cmp('metric', 'f1 score', '>', 0.8))
    expect(comparison(`tags."mlflow.runName" = 'r'`)).toEqual(cmp('tag', 'mlflow.runName', '=', 'r'))
    expect(comparison("params.`a``b` = 'x'")).toEqual(cmp('param', 'a`b', '=', 'x'))
    expect(comparison(`params."a""b" = 'x'`)).toEqual(cmp('param', 'a"b', '=', 'x'))
    expect(comparison('metrics.`loss/val-1 (avg)` < 1')).toEqual(cmp('metric', 'loss/val-1 (avg)', '<', 1))
  })

  it('reads an unquoted dotted key after the prefix', () => {
    expect(comparison(`tags.mlflow.runName = 'r'`)).toEqual(cmp('tag', 'mlflow.runName', '=', 'r'))
    expect(comparison(`tags.mlflow.source.git.commit = 'abc'`)).toEqual(
      cmp('tag', 'mlflow.source.git.commit', '=', 'abc'),
    )
  })

  it('reads keys that are reserved words or start with digits', () => {
    expect(comparison(`tags.in = 'x'`)).toEqual(cmp('tag', 'in', '=', 'x'))
    expect(comparison(`params.not.null = 'x'`)).toEqual(cmp('param', 'not.null', '=', 'x'))
    expect(comparison('metrics.1st > 0')).toEqual(cmp('metric', '1st', '>', 0))
    expect(comparison('metrics.5 > 0')).toEqual(cmp('metric', '5', '>', 0))
    expect(comparison('metrics.v1.5 > 0')).toEqual(cmp('metric', 'v1.5', '>', 0))
  })

  it('accepts a backtick-quoted prefix, as MLflow trims backticks from the entity type', () => {
    expect(comparison('`metrics`.acc > 1')).toEqual(cmp('metric', 'acc', '>', 1))
  })

  it('does not treat inherited object properties as keys', () => {
    expect(() => parseFilter(`attributes.constructor = 'x'`, RUN_SEARCH)).toThrow(/Invalid attribute key 'constructor'/)
    expect(() => parseFilter(`__proto__ = 'x'`, RUN_SEARCH)).toThrow(/Invalid attribute key '__proto__'/)
  })
})

describe('parseFilter: values', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['-7', -7],
    ['3.25', 3.25],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['1.', 1],
    ['1e3', 1000],
    ['2.5E-3', 0.0025],
    ['-1e-2', -0.01],
    ['1700000000123', 1700000000123],
  ])('reads the number %s', (text, value) => {
    expect(comparison(`metrics.m = ${text}`).value).toBe(value)
  })

  it('reads numbers without surrounding spaces', () => {
    expect(comparison('metrics.m>=-1')).toEqual(cmp('metric', 'm', '>=', -1))
    expect(comparison('metrics.m<.5')).toEqual(cmp('metric', 'm', '<', 0.5))
  })

  it('reads single- and double-quoted string values with their escapes', () => {
    expect(comparison(`params.p = 'it''s'`).value).toBe("it's")
    expect(comparison(`params.p = 'it\\'s'`).value).toBe("it's")
    expect(comparison(`params.p = "say ""hi"""`).value).toBe('say "hi"')
    expect(comparison(`params.p = "it's"`).value).toBe("it's")
    expect(comparison(`params.p = ''`).value).toBe('')
    expect(comparison(`params.p LIKE '%\\_x'`).value).toBe('%\\_x')
  })

  it('reads IN lists with any spacing', () => {
    expect(comparison(`run_id IN ('a')`).value).toEqual(['a'])
    expect(comparison(`run_id IN('a','b' ,  'c')`).value).toEqual(['a', 'b', 'c'])
    expect(comparison(`run_id not   in ( 'a''b' )`)).toEqual(cmp('attribute', 'run_id', 'NOT IN', ["a'b"]))
  })

  it('reads comparator keywords in any case', () => {
    expect(comparison(`params.p like 'a%'`).op).toBe('LIKE')
    expect(comparison(`params.p iLike 'a%'`).op).toBe('ILIKE')
    expect(comparison(`params.p is null`).op).toBe('IS NULL')
    expect(comparison(`params.p Is Not Null`).op).toBe('IS NOT NULL')
    expect(comparison(`run_id In ('a')`).op).toBe('IN')
    expect(comparison(`run_id nOt iN ('a')`).op).toBe('NOT IN')
  })

  it('records the offset of each comparison', () => {
    const expr = parseFilter(`  metrics.a > 1 AND\n(tags.t = 'x')`, RUN_SEARCH) as BoolExpr
    expect(expr.items.map((item) => (item as Comparison).position)).toEqual([2, 21])
  })
})
