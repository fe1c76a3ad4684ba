import { KeelError } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter } from './filter-parser.js'
import { RUN_SEARCH, type SearchGrammar } from './search-grammar.js'

/** The error a filter fails with; checks its code and, for short one-line filters, the caret line. */
function failure(text: string, grammar: SearchGrammar = RUN_SEARCH): { message: string; position: number } {
  let caught: unknown
  try {
    parseFilter(text, grammar)
  } catch (error) {
    caught = error
  }
  if (!(caught instanceof KeelError)) throw new Error(`expected a KeelError for ${text}, got ${String(caught)}`)
  expect(caught.code).toBe('INVALID_PARAMETER_VALUE')
  const position = Number(/ at position (\d+):/.exec(caught.message)?.[1])
  if (!text.includes('\n') && text.length < 40) {
    expect(caught.message.split('\n').slice(1)).toEqual([`  ${text}`, `  ${' '.repeat(position)}^`])
  }
  return { message: caught.message, position }
}

describe('parseFilter errors: names', () => {
  it('rejects an unknown entity type, listing the valid prefixes', () => {
    const { message, position } = failure(`foo.bar = 'x'`)
    expect(position).toBe(0)
    expect(message).toContain(
      "Invalid entity type 'foo'. Valid values are ['metric', 'metrics', 'param', 'params', 'parameter', 'parameters', 'tag', 'tags', 'attribute', 'attributes', 'attr', 'run', 'dataset', 'datasets']",
    )
  })

  it('matches prefixes case-sensitively, as MLflow does', () => {
    expect(failure('METRICS.a > 1').message).toContain("Invalid entity type 'METRICS'")
  })

  it('rejects unknown attribute and dataset keys at the key', () => {
    const attribute = failure(`attributes.foo = 'x'`)
    expect(attribute.position).toBe(11)
    expect(attribute.message).toContain(
      "Invalid attribute key 'foo' specified. Valid keys are ['run_id', 'run_name', 'run name',",
    )
    expect(failure(`Status = 'x'`).message).toContain("Invalid attribute key 'Status' specified")
    const dataset = failure(`datasets.size = 'x'`)
    expect(dataset.position).toBe(9)
    expect(dataset.message).toContain(
      "Invalid dataset key 'size' specified. Valid keys are ['name', 'digest', 'context']",
    )
  })

  it('rejects a key that is not directly after the dot, or is single-quoted', () => {
    expect(failure(`tags.'x' = 'y'`)).toMatchObject({ position: 5 })
    expect(failure(`tags.'x' = 'y'`).message).toContain("expected a key right after 'tags.', found ''x''")
    expect(failure('metrics. acc > 1').message).toContain("expected a key right after 'metrics.', found 'acc'")
    expect(failure('metrics.').position).toBe(8)
  })

  it('rejects a bare key when the grammar wants a prefix', () => {
    const { message, position } = failure(`status = 'x'`, { ...RUN_SEARCH, bareKeyIsAttribute: false })
    expect(position).toBe(0)
    expect(message).toContain('a key needs an entity prefix here, e.g. tags.status')
  })
})

describe('parseFilter errors: comparators', () => {
  it('reports a missing comparator with the field and a caret, as in the design example', () => {
    expect(failure('metrics.acc ?? 0.9').message).toBe(
      "Invalid filter string at position 12: expected a comparator after metrics.acc, found '?'\n" +
        '  metrics.acc ?? 0.9\n' +
        '              ^',
    )
  })

  it.each([
    ['metrics.a LIKE 1', 10, "Invalid comparator 'LIKE' not one of '['=', '!=', '>', '>=', '<', '<=']'"],
    ['metrics.a IS NULL', 10, "Invalid comparator 'IS NULL' not one of"],
    ['metrics.a <> 1', 10, "Invalid comparator '<>' not one of"],
    ['metrics.a == 1', 10, "Invalid comparator '==' not one of"],
    ['params.p > 1', 9, "Invalid comparator '>' not one of '['=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL']'"],
    [`params.p IN ('a')`, 9, "Invalid comparator 'IN' not one of"],
    [`tags.t not in ('a')`, 7, "Invalid comparator 'NOT IN' not one of"],
    ['start_time LIKE 1', 11, "Invalid comparator 'LIKE' not one of '['=', '!=', '>', '>=', '<', '<=']'"],
    [`status > 'a'`, 7, "Invalid comparator '>' not one of '['=', '!=', 'LIKE', 'ILIKE']'"],
    ['status IS NULL', 7, "Invalid comparator 'IS NULL'"],
    [`datasets.name < 'a'`, 14, "Invalid comparator '<'"],
  ])('rejects %s', (text, position, message) => {
    expect(failure(text)).toMatchObject({ position, message: expect.stringContaining(message) })
  })

  it.each([`status IN ('a')`, `run_name NOT IN ('a')`, `user_id in ('a', 'b')`])(
    'allows lists only for run_id: %s',
    (text) => {
      const { message } = failure(text)
      expect(message).toContain("Only the 'run_id' attribute supports comparison with a list of quoted string values.")
    },
  )

  it.each([
    [`run_id NOT LIKE 'a'`, 11, "expected IN after NOT, found 'LIKE'"],
    [`params.p IS 'x'`, 12, "expected NULL after IS, found ''x''"],
    ['params.p IS NOT', 15, 'expected NULL after IS NOT, found the end of the input'],
    ['metrics.a 1', 10, "expected a comparator after metrics.a, found '1'"],
    ['metrics.a', 9, 'expected a comparator after metrics.a, found the end of the input'],
    ['metrics .a > 1', 0, "Invalid attribute key 'metrics' specified"],
  ])('rejects the malformed comparator in %s', (text, position, message) => {
    expect(failure(text)).toMatchObject({ position, message: expect.stringContaining(message) })
  })
})

describe('parseFilter errors: values', () => {
  it.each([
    [`metrics.acc > '0.9'`, 14, "Expected numeric value type for metric. Found '0.9'"],
    [`metrics.acc > "0.9"`, 14, 'Expected numeric value type for metric. Found "0.9"'],
    ['metrics.acc > high', 14, 'Expected numeric value type for metric. Found high'],
    ['metrics.acc > NaN', 14, 'Expected numeric value type for metric. Found NaN'],
    ['metrics.acc > 1e+5', 14, 'Expected numeric value type for metric. Found 1e'],
    [`start_time > '1'`, 13, "Expected numeric value type for numeric attribute: start_time. Found '1'"],
    [`created > '1'`, 10, 'Expected numeric value type for numeric attribute: start_time.'],
    ['params.p = 5', 11, "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 5"],
    ['tags.t != 1.5', 10, "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1.5"],
    ['params.p = NULL', 11, 'Expected a quoted string value for parameter'],
    ['run_name = 5', 11, 'Expected a quoted string value for attributes. Got value 5'],
    ['datasets.name = 5', 16, 'Expected a quoted string value for dataset attributes. Got value 5'],
    [
      'params.p = abc',
      11,
      'Parameter value is either not quoted or unidentified quote types used for string value abc.',
    ],
    [
      'tags.t = `abc`',
      9,
      'Parameter value is either not quoted or unidentified quote types used for string value `abc`.',
    ],
  ])('rejects the value in %s', (text, position, message) => {
    expect(failure(text)).toMatchObject({ position, message: expect.stringContaining(message) })
  })

  it.each([
    ['metrics.a >', 11, 'expected a value after >, found the end of the input'],
    ['metrics.a > AND', 12, 'Expected numeric value type for metric. Found AND'],
    [`params.p = )`, 11, "expected a value after =, found ')'"],
    [`run_id = ('a')`, 9, 'a list of values is only allowed after IN or NOT IN, not after ='],
    [`params.p = 'abc`, 11, "unterminated string: no closing '"],
  ])('rejects the missing or misplaced value in %s', (text, position, message) => {
    expect(failure(text)).toMatchObject({ position, message: expect.stringContaining(message) })
  })

  it('rejects an empty IN list with MLflow message', () => {
    expect(failure(`run_id IN ()`)).toMatchObject({
      position: 11,
      message: expect.stringContaining(
        'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
      ),
    })
  })

  it.each([
    [`run_id IN 'a'`, 10, "expected '(' to start the list of values after IN, found ''a''"],
    [`run_id IN ('a',)`, 15, "but got ill-formed list: expected a single-quoted string, found ')'"],
    [`run_id IN ("a")`, 11, `but got ill-formed list: expected a single-quoted string, found '"a"'`],
    [`run_id IN (1, 2)`, 11, "expected a single-quoted string, found '1'"],
    [`run_id IN ('a' 'b')`, 15, "expected ',' or ')', found ''b''"],
    [`run_id IN ('a', ('b'))`, 16, "expected a single-quoted string, found '('"],
    [`run_id IN ('a'`, 14, "expected ',' or ')', found the end of the input"],
  ])('rejects the ill-formed list in %s', (text, position, message) => {
    expect(failure(text)).toMatchObject({ position, message: expect.stringContaining(message) })
  })
})

describe('parseFilter errors: structure', () => {
  it.each([
    ['metrics.a > 1 metrics.b > 2', 14, "expected AND, OR or the end of the filter, found 'metrics'"],
    ['metrics.a > 1 )', 14, "expected AND, OR or the end of the filter, found ')'"],
    ['metrics.a > 1; metrics.b > 2', 13, "found ';'"],
    ['(metrics.a > 1', 14, "expected AND, OR or ')' to close the '(' at position 0, found the end of the input"],
    ['(metrics.a > 1 metrics.b > 2)', 15, "expected AND, OR or ')' to close the '(' at position 0"],
  ])('reports invalid clauses in %s', (text, position, message) => {
    const error = failure(text)
    expect(error.position).toBe(position)
    expect(error.message).toMatch(/^Invalid clause\(s\) in filter string at position \d+: /)
    expect(error.message).toContain(message)
  })

  it.each([
    ['metrics.a > 1 AND', 17, 'expected a comparison such as metrics.accuracy > 0.9, found the end of the input'],
    ['AND metrics.a > 1', 0, "expected a comparison such as metrics.accuracy > 0.9, found 'AND'"],
    ['metrics.a > 1 AND AND metrics.b > 2', 18, "found 'AND'"],
    ['metrics.a > 1 OR', 16, 'found the end of the input'],
    ['()', 1, "expected a comparison such as metrics.accuracy > 0.9, found ')'"],
    ['> 1', 0, "found '>'"],
    ['NOT metrics.a > 1', 0, "found 'NOT'"],
  ])('rejects the dangling or missing comparison in %s', (text, position, message) => {
    expect(failure(text)).toMatchObject({ position, message: expect.stringContaining(message) })
  })

  it(`rejects parentheses nested deeper than ${MAX_FILTER_DEPTH}`, () => {
    const depth = MAX_FILTER_DEPTH + 1
    const text = `${'('.repeat(depth)}metrics.a = 1${')'.repeat(depth)}`
    const error = failure(text)
    expect(error.position).toBe(MAX_FILTER_DEPTH)
    expect(error.message).toContain(`parentheses are nested more than ${MAX_FILTER_DEPTH} levels deep`)
  })

  it('rejects a hostile nesting quickly without exhausting the stack', () => {
    expect(failure('('.repeat(60_000)).position).toBe(MAX_FILTER_DEPTH)
  })

  it(`rejects a filter longer than ${MAX_FILTER_LENGTH} characters`, () => {
    const text = `params.p = '${'x'.repeat(MAX_FILTER_LENGTH)}'`
    expect(() => parseFilter(text, RUN_SEARCH)).toThrow(
      `Invalid filter string: it is ${text.length} characters long; the limit is ${MAX_FILTER_LENGTH}`,
    )
  })

  it('points at the right line of a multi-line filter', () => {
    const { message, position } = failure(`metrics.a > 1\nAND\tmetrics.b ! 2`)
    expect(position).toBe(28)
    expect(message).toContain("Invalid comparator '!' not one of")
    expect(message.split('\n').slice(1)).toEqual(['  AND metrics.b ! 2', `  ${' '.repeat(14)}^`])
  })

  it('shows a window of a long line around the position', () => {
    const text = `params.p = '${'x'.repeat(200)}' AND metrics.a ?`
    const { message, position } = failure(text)
    expect(position).toBe(text.length - 1)
    const [, line, caret] = message.split('\n')
    expect(line).toBe(`  …${text.slice(position - 60)}`)
    expect(caret).toBe(`  ${' '.repeat(61)}^`)
  })
})
