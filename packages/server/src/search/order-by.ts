import { KeelError } from '@keel/contracts'
import type { FilterEntity, OrderByClause } from './filter-ast.js'
import { clip, pyList } from './filter-error.js'
import { tokenize } from './filter-lexer.js'
import { MAX_FILTER_LENGTH } from './filter-parser.js'
import { lookup, type SearchGrammar } from './search-grammar.js'
import { describeToken, readFieldReference, resolveEntity, TokenCursor, type FieldReference } from './token-cursor.js'

const HEADLINE = 'Invalid order_by clause'
const ASC = /^asc$/i
const DESC = /^desc$/i

/**
 * Parses order_by strings such as `"metrics.accuracy DESC"`, ``"params.`max depth` ASC"`` or
 * `"start_time"` (ascending unless DESC). Keys are checked against `grammar.orderBy`; naming the
 * same field twice, also through an alias (`created` and `start_time`), is an error, as in MLflow.
 */
export function parseOrderBy(clauses: readonly string[] | undefined, grammar: SearchGrammar): OrderByClause[] {
  const parsed: OrderByClause[] = []
  const seen = new Set<string>()
  for (const clause of clauses ?? []) {
    const next = parseClause(clause, grammar)
    const id = JSON.stringify([next.entity, next.key])
    if (seen.has(id)) {
      const field = `${next.entity} '${clip(next.key)}'`
      throw new KeelError(
        'INVALID_PARAMETER_VALUE',
        `${HEADLINE} '${clip(clause)}': \`order_by\` contains duplicate fields: ${field} is specified more than once`,
      )
    }
    seen.add(id)
    parsed.push(next)
  }
  return parsed
}

function parseClause(clause: string, grammar: SearchGrammar): OrderByClause {
  if (clause.length > MAX_FILTER_LENGTH) {
    throw new KeelError(
      'INVALID_PARAMETER_VALUE',
      `${HEADLINE}: it is ${clause.length} characters long; the limit is ${MAX_FILTER_LENGTH}`,
    )
  }
  const cursor = new TokenCursor(clause, tokenize(clause, HEADLINE), HEADLINE)
  const field = readFieldReference(cursor, 'a field to order by, such as metrics.accuracy DESC')
  const { entity } = resolveEntity(cursor, field, grammar)
  const key = orderKey(cursor, field, entity, grammar)
  return { entity, key, ascending: readDirection(cursor, field) }
}

function orderKey(cursor: TokenCursor, field: FieldReference, entity: FilterEntity, grammar: SearchGrammar): string {
  const { attributes, anyKeyEntities } = grammar.orderBy
  if (entity === 'attribute') {
    const canonical = lookup(attributes, field.key)
    if (canonical !== undefined) return canonical
    const valid = pyList(Object.keys(attributes))
    return cursor.fail(field.keyStart, `Invalid attribute key '${clip(field.key)}' specified. Valid keys are ${valid}`)
  }
  if (anyKeyEntities.includes(entity)) return field.key
  const valid = pyList(['attribute', ...anyKeyEntities])
  return cursor.fail(field.start, `Invalid order_by entity: ${entity}. Valid entities are ${valid}`)
}

function readDirection(cursor: TokenCursor, field: FieldReference): boolean {
  const token = cursor.next()
  if (token.kind === 'eof') return true
  const ascending = token.kind === 'identifier' && ASC.test(token.text)
  if (!ascending && !(token.kind === 'identifier' && DESC.test(token.text))) {
    const written = clip(cursor.source.slice(field.start, field.end))
    const found = describeToken(token)
    cursor.fail(token.start, `Invalid ordering key: expected ASC or DESC after ${written}, found ${found}`)
  }
  const rest = cursor.peek()
  if (rest.kind !== 'eof') {
    cursor.fail(rest.start, `expected the end of the clause after ${token.text}, found ${describeToken(rest)}`)
  }
  return ascending
}
