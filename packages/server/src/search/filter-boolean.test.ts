import { describe, expect, it } from 'vitest'
import type { FilterExpr } from './filter-ast.js'
import { MAX_FILTER_DEPTH, parseFilter } from './filter-parser.js'
import { RUN_SEARCH } from './search-grammar.js'

/** The filter's tree with each comparison written as `key op value`, to compare shapes briefly. */
function shape(text: string): unknown {
  const expr = parseFilter(text, RUN_SEARCH)
  if (expr === undefined) throw new Error('empty filter')
  return simplify(expr)
}

function simplify(expr: FilterExpr): unknown {
  if (expr.kind === 'comparison') return `${expr.key}${expr.op}${String(expr.value)}`
  return { [expr.kind]: expr.items.map(simplify) }
}

describe('parseFilter: AND, OR and parentheses', () => {
  it('joins comparisons with AND, as MLflow does', () => {
    expect(shape('metrics.a > 1 AND metrics.b < 2 and metrics.c = 3')).toEqual({ and: ['a>1', 'b<2', 'c=3'] })
  })

  it('joins comparisons with OR', () => {
    expect(shape('metrics.a > 1 OR metrics.b < 2 or metrics.c = 3')).toEqual({ or: ['a>1', 'b<2', 'c=3'] })
  })

  it('binds AND tighter than OR', () => {
    expect(shape('metrics.a = 1 OR metrics.b = 2 AND metrics.c = 3')).toEqual({ or: ['a=1', { and: ['b=2', 'c=3'] }] })
    expect(shape('metrics.a = 1 AND metrics.b = 2 OR metrics.c = 3')).toEqual({ or: [{ and: ['a=1', 'b=2'] }, 'c=3'] })
    expect(shape('metrics.a = 1 AND metrics.b = 2 OR metrics.c = 3 AND metrics.d = 4')).toEqual({
      or: [{ and: ['a=1', 'b=2'] }, { and: ['c=3', 'd=4'] }],
    })
  })

  it('groups with parentheses', () => {
    expect(shape('(metrics.a = 1 OR metrics.b = 2) AND metrics.c = 3')).toEqual({
      and: [{ or: ['a=1', 'b=2'] }, 'c=3'],
    })
    expect(shape('metrics.a = 1 AND (metrics.b = 2 OR metrics.c = 3)')).toEqual({
      and: ['a=1', { or: ['b=2', 'c=3'] }],
    })
  })

  it('drops redundant parentheses and flattens nested groups of the same kind', () => {
    expect(shape('((metrics.a = 1))')).toEqual('a=1')
    expect(shape('metrics.a = 1 AND (metrics.b = 2 AND metrics.c = 3)')).toEqual({ and: ['a=1', 'b=2', 'c=3'] })
    expect(shape('(metrics.a = 1 OR metrics.b = 2) OR metrics.c = 3')).toEqual({ or: ['a=1', 'b=2', 'c=3'] })
    expect(shape('(metrics.a = 1 AND metrics.b = 2) OR (metrics.c = 3)')).toEqual({
      or: [{ and: ['a=1', 'b=2'] }, 'c=3'],
    })
  })

  it('tells an IN list from a group', () => {
    expect(shape(`(run_id IN ('a', 'b')) OR (run_id NOT IN ('c'))`)).toEqual({ or: ['run_idINa,b', 'run_idNOT INc'] })
  })

  it('needs no spaces around parentheses and accepts newlines', () => {
    expect(shape(`(metrics.a=1)OR(tags.t='x')`)).toEqual({ or: ['a=1', 't=x'] })
    expect(shape('metrics.a = 1\nAND\r\n\tmetrics.b = 2')).toEqual({ and: ['a=1', 'b=2'] })
  })

  it(`accepts parentheses nested ${MAX_FILTER_DEPTH} deep`, () => {
    const text = `${'('.repeat(MAX_FILTER_DEPTH)}metrics.a = 1${')'.repeat(MAX_FILTER_DEPTH)}`
    expect(shape(text)).toEqual('a=1')
  })

  it('parses a long AND chain without recursing per item', () => {
    const text = Array.from({ length: 3000 }, (_, index) => `metrics.m${index % 10} > 1`).join(' AND ')
    const expr = parseFilter(text, RUN_SEARCH)
    expect(expr?.kind === 'and' && expr.items.length).toBe(3000)
  })
})
