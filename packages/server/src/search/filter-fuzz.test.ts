import { KeelError } from '@keel/contracts'
import { createRng } from '@keel/ml'
import { describe, expect, it } from 'vitest'
import type { Comparator, Comparison, FilterEntity, FilterExpr, OrderByClause } from './filter-ast.js'
import { parseFilter } from './filter-parser.js'
import { parseOrderBy } from './order-by.js'
import {
  EXPERIMENT_SEARCH,
  LOGGED_MODEL_SEARCH,
  MODEL_VERSION_SEARCH,
  REGISTERED_MODEL_SEARCH,
  RUN_SEARCH,
  type FieldRule,
  type SearchGrammar,
} from './search-grammar.js'

/** Choices drawn from @keel/ml's seeded generator, so that a failure is reproducible. */
class Random {
  readonly next: () => number
  constructor(seed: number) {
    this.next = createRng(seed)
  }
  int(below: number): number {
    return Math.floor(this.next() * below)
  }
  chance(probability: number): boolean {
    return this.next() < probability
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }
  /** A word in random letter case: keywords are case-insensitive. */
  anyCase(word: string): string {
    return [...word].map((char) => (this.chance(0.5) ? char.toLowerCase() : char.toUpperCase())).join('')
  }
}

const STRING_CHARS = ['a', 'Z', '0', ' ', '%', '_', "'", '"', '`', '\\', '.', '(', ')', ',', 'é', '😀', '\n', '\t', '=']
const WORDS = ['acc', 'loss', 'f1', 'lr', 'in', 'and', 'not', 'null', 'x_1', 'mlflow', 'runName']
const GRAMMARS = { RUN_SEARCH, EXPERIMENT_SEARCH, LOGGED_MODEL_SEARCH, REGISTERED_MODEL_SEARCH, MODEL_VERSION_SEARCH }
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
/** A different seed per grammar, so that each grammar sees different filters. */
const grammarSeed = (grammar: SearchGrammar): number => Object.values(GRAMMARS).indexOf(grammar) * 1000

/** Writes a random well-formed filter for a grammar and builds the AST it must parse to. */
class FilterWriter {
  text = ''

  constructor(
    private readonly random: Random,
    private readonly grammar: SearchGrammar,
  ) {}

  expr(depth: number, insideAnd: boolean): FilterExpr {
    const random = this.random
    if (depth > 0 && random.chance(0.15)) return this.parenthesised(() => this.expr(depth - 1, false))
    if (depth === 0 || random.chance(0.4)) return this.comparison()
    const kind = random.pick(['and', 'or'] as const)
    if (kind === 'or' && insideAnd) return this.parenthesised(() => this.bool('or', depth - 1))
    return this.bool(kind, depth)
  }

  private bool(kind: 'and' | 'or', depth: number): FilterExpr {
    const items: FilterExpr[] = []
    const count = 2 + this.random.int(3)
    for (let index = 0; index < count; index += 1) {
      if (index > 0) this.text += `${this.space()}${this.random.anyCase(kind)}${this.space()}`
      const item = this.expr(Math.max(depth - 1, 0), kind === 'and')
      items.push(...(item.kind === kind ? item.items : [item]))
    }
    return { kind, items }
  }

  private parenthesised(inner: () => FilterExpr): FilterExpr {
    this.text += `(${this.space(true)}`
    const expr = inner()
    this.text += `${this.space(true)})`
    return expr
  }

  private comparison(): Comparison {
    const random = this.random
    const position = this.text.length
    const entity = random.pick(Object.keys(this.grammar.entities) as FilterEntity[])
    const rule = this.grammar.entities[entity]
    if (rule === undefined) throw new Error('unreachable: picked from the keys')
    const bare = entity === 'attribute' && this.grammar.bareKeyIsAttribute && random.chance(0.5)
    if (!bare) {
      const prefix = random.pick(rule.prefixes)
      this.text += random.chance(0.1) ? `\`${prefix}\`.` : `${prefix}.`
    }
    let key: string
    let field: FieldRule
    if (rule.keys === 'any') {
      key = random.chance(0.5) ? this.quotedKey(this.randomString()) : this.dottedKey()
      field = rule.field
    } else {
      const written = random.pick(Object.keys(rule.fields))
      const keyRule = rule.fields[written]
      if (keyRule === undefined) throw new Error('unreachable: picked from the keys')
      this.text += PLAIN_KEY.test(written) && random.chance(0.7) ? written : this.quote(written)
      key = keyRule.canonical ?? written
      field = keyRule
    }
    const op = random.pick(field.comparators)
    this.text += ` ${op
      .split(' ')
      .map((word) => (/[A-Z]/.test(word) ? random.anyCase(word) : word))
      .join(random.pick([' ', '  ', '\n']))}`
    const value = this.value(op, field)
    return { kind: 'comparison', entity, key, op, value, position }
  }

  private value(op: Comparator, field: FieldRule): Comparison['value'] {
    if (op === 'IS NULL' || op === 'IS NOT NULL') return null
    this.text += this.space()
    if (op === 'IN' || op === 'NOT IN') {
      const values = Array.from({ length: 1 + this.random.int(3) }, () => this.randomString())
      this.text += `(${values.map((value) => this.stringLiteral(value, "'")).join(`,${this.space(true)}`)})`
      return values
    }
    if (field.valueType === 'number') {
      const text = this.number()
      this.text += text
      return Number(text)
    }
    const value = this.randomString()
    this.text += this.stringLiteral(value, this.random.pick(["'", '"']))
    return value
  }

  private number(): string {
    const random = this.random
    return random.pick([
      () => String(random.int(2e12)),
      () => `-${random.int(1000)}`,
      () => `${random.int(100)}.${random.int(1000)}`,
      () => `-${random.int(100)}.${random.int(100)}`,
      () => `.${random.int(100)}`,
      () => `${random.int(10)}e${random.int(10)}`,
      () => `${random.int(10)}.${random.int(10)}E-${random.int(5)}`,
    ])()
  }

  private randomString(): string {
    return Array.from({ length: this.random.int(6) }, () => this.random.pick(STRING_CHARS)).join('')
  }

  private stringLiteral(value: string, quote: string): string {
    const escapeQuote = this.random.chance(0.5) ? quote + quote : `\\${quote}`
    return quote + value.replaceAll('\\', '\\\\').replaceAll(quote, escapeQuote) + quote
  }

  private quote(key: string): string {
    return this.random.chance(0.5) ? `\`${key.replaceAll('`', '``')}\`` : this.stringLiteral(key, '"')
  }

  private quotedKey(key: string): string {
    this.text += this.quote(key)
    return key
  }

  private dottedKey(): string {
    const key = Array.from({ length: 1 + this.random.int(3) }, () => this.random.pick(WORDS)).join('.')
    this.text += key
    return key
  }

  private space(optional = false): string {
    return this.random.pick(optional ? ['', ' ', '\n '] : [' ', '  ', '\t', '\r\n'])
  }
}

function writeOrderBy(random: Random, grammar: SearchGrammar): { clause: string; expected: OrderByClause } {
  const { attributes, anyKeyEntities } = grammar.orderBy
  const ascending = random.chance(0.5)
  const direction = random.pick([ascending ? '' : ' desc', ascending ? ' ASC' : ' DESC', ascending ? ' aSc' : ' Desc'])
  const entity = random.chance(0.5)
    ? random.pick(anyKeyEntities.length > 0 ? anyKeyEntities : ['attribute' as const])
    : 'attribute'
  if (entity === 'attribute') {
    const written = random.pick(Object.keys(attributes))
    return { clause: `${written}${direction}`, expected: { entity, key: attributes[written] ?? '', ascending } }
  }
  const rule = grammar.entities[entity]
  const key = random.pick(WORDS)
  return { clause: `${random.pick(rule?.prefixes ?? [])}.\`${key}\`${direction}`, expected: { entity, key, ascending } }
}

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
