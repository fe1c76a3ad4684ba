import { KeelError } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { parseFilter } from './filter-parser.js'
import { parseOrderBy } from './order-by.js'
import { FilterWriter, Random, writeOrderBy } from '../../test/support/filter-writer.js'
import {
  EXPERIMENT_SEARCH,
  LOGGED_MODEL_SEARCH,
  MODEL_VERSION_SEARCH,
  REGISTERED_MODEL_SEARCH,
  RUN_SEARCH,
  type SearchGrammar,
} from './search-grammar.js'

const GRAMMARS = { RUN_SEARCH, EXPERIMENT_SEARCH, LOGGED_MODEL_SEARCH, REGISTERED_MODEL_SEARCH, MODEL_VERSION_SEARCH }
/** A different seed per grammar, so that each grammar sees different filters. */
const grammarSeed = (grammar: SearchGrammar): number => Object.values(GRAMMARS).indexOf(grammar) * 1000

/** Runs `parse` and requires success or a KeelError that points inside the text. */
function expectOnlyKeelErrors(text: string, parse: () => unknown): void {
  try {
    parse()
  } catch (error) {
    if (!(error instanceof KeelError)) throw new Error(`non-KeelError for ${JSON.stringify(text)}: ${String(error)}`)
    expect(error.code).toBe('INVALID_PARAMETER_VALUE')
    const position = /at position (\d+):/.exec(error.message)?.[1]
    if (position !== undefined) expect(Number(position)).toBeLessThanOrEqual(text.length)
  }
}

describe('property: well-formed filters', () => {
  it.each(Object.entries(GRAMMARS))(
    'every filter written from %s parses to the AST it was written from',
    (_, grammar) => {
      const random = new Random(0x5eed + grammarSeed(grammar))
      for (let run = 0; run < 400; run += 1) {
        const writer = new FilterWriter(random, grammar)
        const expected = writer.expr(1 + random.int(4), false)
        expect(parseFilter(writer.text, grammar), writer.text).toEqual(expected)
      }
    },
  )

  it.each(Object.entries(GRAMMARS))('every order_by clause written from %s parses', (_, grammar) => {
    const random = new Random(0x0bd + grammarSeed(grammar))
    for (let run = 0; run < 200; run += 1) {
      const { clause, expected } = writeOrderBy(random, grammar)
      expect(parseOrderBy([clause], grammar), clause).toEqual([expected])
    }
  })
})

describe('property: hostile input only ever fails with KeelError', () => {
  const PIECES = [
    'metrics',
    'params',
    'tags',
    'run_id',
    'acc',
    '.',
    '`',
    '"',
    "'",
    '(',
    ')',
    ',',
    ' ',
    '\n',
    'AND',
    'or',
    'IN',
    'not',
    'is',
    'NULL',
    'like',
    '=',
    '!=',
    '<>',
    '>',
    '<=',
    '-',
    '1',
    '1e',
    '.5',
    '\\',
    'é',
    '\u0000',
    '\ud800',
    '😀',
    ';',
  ]

  it('random sequences of filter pieces and code units', () => {
    const random = new Random(42)
    for (let run = 0; run < 2000; run += 1) {
      const text = Array.from({ length: random.int(24) }, () =>
        random.chance(0.85) ? random.pick(PIECES) : String.fromCharCode(random.int(0x10000)),
      ).join('')
      const grammar = random.pick(Object.values(GRAMMARS))
      expectOnlyKeelErrors(text, () => parseFilter(text, grammar))
      expectOnlyKeelErrors(text, () => parseOrderBy([text], grammar))
    }
  })

  it('well-formed filters with a few characters deleted, inserted or swapped', () => {
    const random = new Random(7)
    for (let run = 0; run < 2000; run += 1) {
      const grammar = random.pick(Object.values(GRAMMARS))
      const writer = new FilterWriter(random, grammar)
      writer.expr(1 + random.int(3), false)
      let text = writer.text
      for (let edit = 1 + random.int(3); edit > 0; edit -= 1) {
        const at = random.int(text.length + 1)
        const char = random.pick([...PIECES, String.fromCharCode(random.int(0x10000))])
        text = random.pick([
          () => text.slice(0, at) + text.slice(at + 1),
          () => text.slice(0, at) + char + text.slice(at),
          () => text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) + text.slice(at + 2),
        ])()
      }
      expectOnlyKeelErrors(text, () => parseFilter(text, grammar))
    }
  })
})
