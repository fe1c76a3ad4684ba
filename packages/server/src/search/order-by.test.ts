import { KeelError } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { MAX_FILTER_LENGTH } from './filter-parser.js'
import { parseOrderBy } from './order-by.js'
import { RUN_SEARCH } from './search-grammar.js'

function failure(clauses: string[]): { message: string; position: number } {
  let caught: unknown
  try {
    parseOrderBy(clauses, RUN_SEARCH)
  } catch (error) {
    caught = error
  }
  if (!(caught instanceof KeelError)) throw new Error(`expected a KeelError, got ${String(caught)}`)
  expect(caught.code).toBe('INVALID_PARAMETER_VALUE')
  return { message: caught.message, position: Number(/ at position (\d+):/.exec(caught.message)?.[1]) }
}

describe('parseOrderBy', () => {
  it('returns no clauses for an absent or empty list', () => {
    expect(parseOrderBy(undefined, RUN_SEARCH)).toEqual([])
    expect(parseOrderBy([], RUN_SEARCH)).toEqual([])
  })

  it('parses the documented forms', () => {
    expect(
      parseOrderBy(
        ['metrics.accuracy DESC', 'params.`max depth` ASC', 'start_time', 'attributes.run_name desc'],
        RUN_SEARCH,
      ),
    ).toEqual([
      { entity: 'metric', key: 'accuracy', ascending: false },
      { entity: 'param', key: 'max depth', ascending: true },
      { entity: 'attribute', key: 'start_time', ascending: true },
      { entity: 'attribute', key: 'run_name', ascending: false },
    ])
  })

  it('reads the direction in any case and with any spacing', () => {
    expect(
      parseOrderBy(['  metrics.a   Desc  ', 'metrics.b aSc', 'metrics.c\tDESC'], RUN_SEARCH).map((c) => c.ascending),
    ).toEqual([false, true, false])
  })

  it.each([
    ['metric.a', 'metric', 'a'],
    ['params.p', 'param', 'p'],
    ['parameter.p', 'param', 'p'],
    ['tag.t', 'tag', 't'],
    ['tags."mlflow.runName"', 'tag', 'mlflow.runName'],
    ['tags.mlflow.user', 'tag', 'mlflow.user'],
    ['attr.status', 'attribute', 'status'],
    ['run.user_id', 'attribute', 'user_id'],
    ['artifact_uri', 'attribute', 'artifact_uri'],
    ['run_id', 'attribute', 'run_id'],
    ['end_time', 'attribute', 'end_time'],
    ['created', 'attribute', 'start_time'],
    ['Created', 'attribute', 'start_time'],
    ['timestamp', 'attribute', 'start_time'],
  ] as const)('resolves %s', (clause, entity, key) => {
    expect(parseOrderBy([clause], RUN_SEARCH)).toEqual([{ entity, key, ascending: true }])
  })

  it('allows the same key under different entities', () => {
    expect(parseOrderBy(['metrics.a', 'params.a', 'tags.a'], RUN_SEARCH)).toHaveLength(3)
  })

  it.each([
    [['metrics.a', 'metrics.a DESC'], "metric 'a' is specified more than once"],
    [['metric.a', 'metrics.a'], "metric 'a' is specified more than once"],
    [['created', 'start_time DESC'], "attribute 'start_time' is specified more than once"],
    [['tags.`x`', 'tags.x'], "tag 'x' is specified more than once"],
  ])('rejects the duplicate fields in %j', (clauses, message) => {
    const { message: actual } = failure(clauses)
    expect(actual).toContain('`order_by` contains duplicate fields')
    expect(actual).toContain(message)
  })

  it.each([
    ['foo', 0, "Invalid attribute key 'foo' specified. Valid keys are ['run_id', 'run_name', 'user_id',"],
    ['attributes.`run name`', 11, "Invalid attribute key 'run name' specified"],
    ['experiment_id', 0, "Invalid attribute key 'experiment_id'"],
    [
      'datasets.name',
      0,
      "Invalid order_by entity: dataset. Valid entities are ['attribute', 'metric', 'param', 'tag']",
    ],
    ['foo.bar', 0, "Invalid entity type 'foo'. Valid values are ['metric',"],
    ['metrics.a DOWN', 10, "Invalid ordering key: expected ASC or DESC after metrics.a, found 'DOWN'"],
    ['metrics.a ASC DESC', 14, "expected the end of the clause after ASC, found 'DESC'"],
    ['metrics.a, metrics.b', 9, "Invalid ordering key: expected ASC or DESC after metrics.a, found ','"],
    ["metrics.a 'DESC'", 10, "found ''DESC''"],
    ['', 0, 'expected a field to order by, such as metrics.accuracy DESC, found the end of the input'],
    ['   ', 3, 'expected a field to order by'],
    ['DESC metrics.a', 0, "Invalid attribute key 'DESC' specified"],
    ['metrics.`a', 8, 'unterminated quoted key: no closing `'],
    ['metrics.', 8, "expected a key right after 'metrics.', found the end of the input"],
  ])('rejects %j', (clause, position, message) => {
    const error = failure([clause])
    expect(error.message).toMatch(/^Invalid order_by clause at position \d+: /)
    expect(error.message).toContain(message)
    expect(error.position).toBe(position)
  })

  it('points at the offending clause with a caret', () => {
    expect(failure(['metrics.a', 'metrics.b sideways']).message).toBe(
      "Invalid order_by clause at position 10: Invalid ordering key: expected ASC or DESC after metrics.b, found 'sideways'\n" +
        '  metrics.b sideways\n' +
        '            ^',
    )
  })

  it('rejects an overlong clause', () => {
    const clause = `tags.\`${'k'.repeat(MAX_FILTER_LENGTH)}\``
    expect(failure([clause]).message).toContain(
      `it is ${clause.length} characters long; the limit is ${MAX_FILTER_LENGTH}`,
    )
  })
})
