/**
 * Random well-formed filters and order_by clauses for a search grammar, each with the AST it must
 * parse to: the property tests of the parser (src/search/filter-fuzz.test.ts) and the differential
 * search tests of the SQL stores (run-search-fuzz.postgres.test.ts) draw from it.
 */
import { createRng } from '@keel/ml'
import type { Comparator, Comparison, FilterEntity, FilterExpr, OrderByClause } from '../../src/search/filter-ast.js'
import type { FieldRule, SearchGrammar } from '../../src/search/search-grammar.js'

/** Choices drawn from @keel/ml's seeded generator, so that a failure is reproducible. */
export class Random {
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

/** Characters of the strings in filters: quotes, LIKE wildcards, escapes, non-ASCII. */
export const STRING_CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '%',
  '_',
  "'",
  '"',
  '`',
  '\\',
  '.',
  '(',
  ')',
  ',',
  'é',
  '😀',
  '\n',
  '\t',
  '=',
]
export const WORDS = ['acc', 'loss', 'f1', 'lr', 'in', 'and', 'not', 'null', 'x_1', 'mlflow', 'runName']

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Writes a random well-formed filter for a grammar and builds the AST it must parse to. */
export class FilterWriter {
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

/** A random order_by clause of a grammar and the clause it must parse to. */
export function writeOrderBy(random: Random, grammar: SearchGrammar): { clause: string; expected: OrderByClause } {
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
