import { KeelError } from '@keel/contracts'
import type { Comparator, Comparison, FilterEntity, FilterExpr } from './filter-ast.js'
import { clip, pyList } from './filter-error.js'
import { tokenize, type Token, type TokenKind } from './filter-lexer.js'
import { lookup, type EntityRule, type FieldRule, type SearchGrammar } from './search-grammar.js'
import { describeToken, readFieldReference, resolveEntity, TokenCursor, type FieldReference } from './token-cursor.js'

/** Longest filter accepted, in UTF-16 code units. */
export const MAX_FILTER_LENGTH = 64 * 1024
/** Deepest nesting of parentheses accepted; parsing recurses once per level. */
export const MAX_FILTER_DEPTH = 50

const HEADLINE = 'Invalid filter string'
/** MLflow's phrase for text that is not an AND-ed comparison. */
const CLAUSE_HEADLINE = 'Invalid clause(s) in filter string'

const OPERATORS: Readonly<Record<string, Comparator>> = {
  '=': '=',
  '!=': '!=',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
}
const KEYWORD_COMPARATORS: Readonly<Record<string, Comparator>> = { LIKE: 'LIKE', ILIKE: 'ILIKE', IN: 'IN' }
/** Entity names as MLflow's messages spell them. */
const ENTITY_NOUNS: Readonly<Record<FilterEntity, string>> = {
  metric: 'metric',
  param: 'parameter',
  tag: 'tag',
  attribute: 'attribute',
  dataset: 'dataset',
  metadata: 'metadata',
  span: 'span',
  feedback: 'feedback',
  expectation: 'expectation',
}
/** MLflow's words for a bad IN list. */
const LIST_PHRASE = 'While parsing a list in the query, expected a non-empty list of string values, but got'
/** Tokens a user may have meant as a value, so a wrong one gets a type error, not a syntax error. */
const VALUE_LIKE: ReadonlySet<TokenKind> = new Set(['string', 'number', 'identifier', 'quoted-identifier', 'keyword'])

/**
 * Parses a search filter: MLflow's comparisons (`metrics.acc > 0.9`, ``tags.`a b` LIKE 'x%'``,
 * `run_id IN ('a', 'b')`, `params.p IS NULL`) joined by AND and, beyond MLflow, by OR and grouped
 * by parentheses; AND binds tighter than OR. Every comparison is checked against `grammar`.
 * Returns `undefined` for an absent or blank filter. Any other invalid text throws a KeelError with
 * code INVALID_PARAMETER_VALUE whose message gives the position and a caret under it.
 */
export function parseFilter(text: string | undefined, grammar: SearchGrammar): FilterExpr | undefined {
  if (text === undefined || text.trim() === '') return undefined
  if (text.length > MAX_FILTER_LENGTH) {
    throw new KeelError(
      'INVALID_PARAMETER_VALUE',
      `${HEADLINE}: it is ${text.length} characters long; the limit is ${MAX_FILTER_LENGTH}`,
    )
  }
  return new FilterParser(text, grammar).parse()
}

interface ResolvedField {
  readonly entity: FilterEntity
  readonly entityRule: EntityRule
  readonly key: string
  readonly rule: FieldRule
}

interface WrittenComparator {
  /** Undefined for an operator that is no comparator, such as `<>` or `==`. */
  readonly op: Comparator | undefined
  readonly text: string
  readonly position: number
}

class FilterParser {
  private readonly cursor: TokenCursor
  private depth = 0

  constructor(
    source: string,
    private readonly grammar: SearchGrammar,
  ) {
    this.cursor = new TokenCursor(source, tokenize(source, HEADLINE), HEADLINE)
  }

  parse(): FilterExpr {
    const expr = this.parseOr()
    const rest = this.cursor.peek()
    if (rest.kind !== 'eof') this.clauseError(rest, 'the end of the filter')
    return expr
  }

  private parseOr(): FilterExpr {
    const items = [this.parseAnd()]
    while (this.cursor.isKeyword('OR')) {
      this.cursor.next()
      items.push(this.parseAnd())
    }
    return combine('or', items)
  }

  private parseAnd(): FilterExpr {
    const items = [this.parsePrimary()]
    while (this.cursor.isKeyword('AND')) {
      this.cursor.next()
      items.push(this.parsePrimary())
    }
    return combine('and', items)
  }

  private parsePrimary(): FilterExpr {
    const open = this.cursor.peek()
    if (open.kind !== 'lparen') return this.parseComparison()
    if (this.depth === MAX_FILTER_DEPTH) {
      this.cursor.fail(open.start, `parentheses are nested more than ${MAX_FILTER_DEPTH} levels deep`)
    }
    this.cursor.next()
    this.depth += 1
    const expr = this.parseOr()
    const close = this.cursor.peek()
    if (close.kind !== 'rparen') this.clauseError(close, `')' to close the '(' at position ${open.start}`)
    this.cursor.next()
    this.depth -= 1
    return expr
  }

  private clauseError(token: Token, expected: string): never {
    const detail = `expected AND, OR or ${expected}, found ${describeToken(token)}`
    return this.cursor.fail(token.start, detail, CLAUSE_HEADLINE)
  }

  private parseComparison(): Comparison {
    const reference = readFieldReference(this.cursor, 'a comparison such as metrics.accuracy > 0.9')
    const field = this.resolveField(reference)
    const op = this.checkComparator(this.readComparator(reference), field)
    const value = this.readValue(op, field)
    return { kind: 'comparison', entity: field.entity, key: field.key, op, value, position: reference.start }
  }

  private resolveField(reference: FieldReference): ResolvedField {
    const { entity, rule: entityRule } = resolveEntity(this.cursor, reference, this.grammar)
    if (entityRule.keys === 'any') return { entity, entityRule, key: reference.key, rule: entityRule.field }
    const rule = lookup(entityRule.fields, reference.key)
    if (rule === undefined) {
      const valid = pyList(Object.keys(entityRule.fields))
      const detail = `Invalid ${ENTITY_NOUNS[entity]} key '${clip(reference.key)}' specified. Valid keys are ${valid}`
      return this.cursor.fail(reference.keyStart, detail)
    }
    return { entity, entityRule, key: rule.canonical ?? reference.key, rule }
  }

  private readComparator(reference: FieldReference): WrittenComparator {
    const token = this.cursor.next()
    const position = token.start
    if (token.kind === 'operator') return { op: lookup(OPERATORS, token.text), text: token.text, position }
    if (token.kind === 'keyword') {
      const op = lookup(KEYWORD_COMPARATORS, token.value)
      if (op !== undefined) return { op, text: op, position }
      if (token.value === 'NOT') {
        this.expectKeyword('IN', 'NOT')
        return { op: 'NOT IN', text: 'NOT IN', position }
      }
      if (token.value === 'IS') {
        const negated = this.cursor.isKeyword('NOT')
        if (negated) this.cursor.next()
        this.expectKeyword('NULL', negated ? 'IS NOT' : 'IS')
        return negated
          ? { op: 'IS NOT NULL', text: 'IS NOT NULL', position }
          : { op: 'IS NULL', text: 'IS NULL', position }
      }
    }
    const field = clip(this.cursor.source.slice(reference.start, reference.end))
    return this.cursor.fail(position, `expected a comparator after ${field}, found ${describeToken(token)}`)
  }

  private expectKeyword(word: string, after: string): void {
    const token = this.cursor.next()
    if (token.kind !== 'keyword' || token.value !== word) {
      this.cursor.fail(token.start, `expected ${word} after ${after}, found ${describeToken(token)}`)
    }
  }

  private checkComparator(written: WrittenComparator, field: ResolvedField): Comparator {
    const { op, text, position } = written
    if (op !== undefined && field.rule.comparators.includes(op)) return op
    if ((op === 'IN' || op === 'NOT IN') && field.entityRule.keys === 'listed') {
      const listKeys = Object.entries(field.entityRule.fields)
        .filter(([, rule]) => rule.comparators.includes(op))
        .map(([key]) => `'${key}'`)
      if (listKeys.length > 0) {
        const noun = ENTITY_NOUNS[field.entity]
        const subject = listKeys.length === 1 ? `${noun} supports` : `${noun}s support`
        const detail = `Only the ${listKeys.join(', ')} ${subject} comparison with a list of quoted string values.`
        this.cursor.fail(position, detail)
      }
    }
    const valid = pyList(field.rule.comparators)
    return this.cursor.fail(position, `Invalid comparator '${clip(text)}' not one of '${valid}'`)
  }

  private readValue(op: Comparator, field: ResolvedField): Comparison['value'] {
    if (op === 'IS NULL' || op === 'IS NOT NULL') return null
    if (op === 'IN' || op === 'NOT IN') return this.readList(op)
    const token = this.cursor.next()
    if (token.kind === 'string' && field.rule.valueType === 'string') return token.value
    if (token.kind === 'number' && field.rule.valueType === 'number') return Number(token.text)
    if (token.kind === 'lparen') {
      return this.cursor.fail(token.start, `a list of values is only allowed after IN or NOT IN, not after ${op}`)
    }
    if (!VALUE_LIKE.has(token.kind)) {
      return this.cursor.fail(token.start, `expected a value after ${op}, found ${describeToken(token)}`)
    }
    return this.cursor.fail(token.start, typeMismatch(field, token))
  }

  /** A parenthesised, comma-separated, non-empty list of single-quoted strings, as MLflow reads one. */
  private readList(op: Comparator): string[] {
    const open = this.cursor.next()
    if (open.kind !== 'lparen') {
      const found = describeToken(open)
      this.cursor.fail(open.start, `expected '(' to start the list of values after ${op}, found ${found}`)
    }
    const first = this.cursor.peek()
    if (first.kind === 'rparen') this.cursor.fail(first.start, `${LIST_PHRASE} empty list`)
    const values: string[] = []
    for (;;) {
      const item = this.cursor.next()
      if (item.kind !== 'string' || item.quote !== "'") this.illFormedList(item, 'a single-quoted string')
      values.push(item.value)
      const separator = this.cursor.next()
      if (separator.kind === 'rparen') return values
      if (separator.kind !== 'comma') this.illFormedList(separator, "',' or ')'")
    }
  }

  private illFormedList(token: Token, expected: string): never {
    const detail = `${LIST_PHRASE} ill-formed list: expected ${expected}, found ${describeToken(token)}`
    return this.cursor.fail(token.start, detail)
  }
}

/** MLflow's message for a value of the wrong type. */
function typeMismatch(field: ResolvedField, token: Token): string {
  const noun = ENTITY_NOUNS[field.entity]
  const found = clip(token.text)
  if (field.rule.valueType === 'number') {
    return field.entityRule.keys === 'any'
      ? `Expected numeric value type for ${noun}. Found ${found}`
      : `Expected numeric value type for numeric ${noun}: ${field.key}. Found ${found}`
  }
  if (token.kind === 'identifier' || token.kind === 'quoted-identifier') {
    return (
      `Parameter value is either not quoted or unidentified quote types used for string value ${found}. ` +
      'Use either single or double quotes.'
    )
  }
  const subject =
    field.entityRule.keys === 'any'
      ? `${noun} (e.g. 'my-value')`
      : field.entity === 'attribute'
        ? 'attributes'
        : `${noun} attributes`
  return `Expected a quoted string value for ${subject}. Got value ${found}`
}

/** Nested groups of the same kind are flattened (a AND (b AND c) is one AND); one item stands alone. */
function combine(kind: 'and' | 'or', items: readonly FilterExpr[]): FilterExpr {
  const flat = items.flatMap((item) => (item.kind !== 'comparison' && item.kind === kind ? item.items : [item]))
  const [only] = flat
  return flat.length === 1 && only !== undefined ? only : { kind, items: flat }
}
