import { clip, pyList, syntaxError } from './filter-error.js'
import type { Token } from './filter-lexer.js'
import { entityForPrefix, entityPrefixes, type ResolvedEntity, type SearchGrammar } from './search-grammar.js'

/** A position in a token list, with the error reporting of the text being parsed. */
export class TokenCursor {
  private index = 0
  private readonly eof: Token

  constructor(
    readonly source: string,
    private readonly tokens: readonly Token[],
    private readonly headline: string,
  ) {
    this.eof = { kind: 'eof', text: '', value: '', start: source.length, end: source.length }
  }

  /** The token `ahead` places from the current one; an `eof` token past the end. */
  peek(ahead = 0): Token {
    return this.tokens[this.index + ahead] ?? this.eof
  }

  next(): Token {
    const token = this.peek()
    if (token.kind !== 'eof') this.index += 1
    return token
  }

  isKeyword(word: string): boolean {
    const token = this.peek()
    return token.kind === 'keyword' && token.value === word
  }

  fail(position: number, detail: string, headline = this.headline): never {
    throw syntaxError(headline, this.source, position, detail)
  }
}

/** How a token is named in a message. */
export function describeToken(token: Token): string {
  return token.kind === 'eof' ? 'the end of the input' : `'${clip(token.text)}'`
}

/** A field as written: `metrics.acc`, ``tags.`a b` ``, `tags.mlflow.runName`, `status`. */
export interface FieldReference {
  /** The prefix token (`metrics`), absent for a bare key. */
  readonly prefix: Token | undefined
  /** The key with its quotes removed and escapes resolved. */
  readonly key: string
  readonly keyStart: number
  readonly start: number
  readonly end: number
}

/**
 * Reads `<prefix>.<key>` or a bare key. The prefix is a word or a backtick-quoted word directly
 * followed by a dot. The key is backtick- or double-quoted, or unquoted words joined by dots with
 * no spaces (`tags.mlflow.runName` has the key `mlflow.runName`). `wanted` completes "expected …".
 */
export function readFieldReference(cursor: TokenCursor, wanted: string): FieldReference {
  const first = cursor.peek()
  const dot = cursor.peek(1)
  const isPrefix = first.kind === 'identifier' || first.kind === 'quoted-identifier'
  if (isPrefix && dot.kind === 'dot' && dot.start === first.end) {
    cursor.next()
    cursor.next()
    const keyToken = cursor.peek()
    if (keyToken.start !== dot.end || !(isQuotedKey(keyToken) || isKeySegment(keyToken))) {
      cursor.fail(dot.end, `expected a key right after '${clip(first.text)}.', found ${describeToken(keyToken)}`)
    }
    const { key, end } = readKey(cursor)
    return { prefix: first, key, keyStart: keyToken.start, start: first.start, end }
  }
  if (isPrefix || isQuotedKey(first)) {
    cursor.next()
    return { prefix: undefined, key: first.value, keyStart: first.start, start: first.start, end: first.end }
  }
  return cursor.fail(first.start, `expected ${wanted}, found ${describeToken(first)}`)
}

/** The entity a field names, or an "Invalid entity type" error at its prefix. */
export function resolveEntity(cursor: TokenCursor, field: FieldReference, grammar: SearchGrammar): ResolvedEntity {
  const resolved = entityForPrefix(grammar, field.prefix?.value)
  if (resolved !== undefined) return resolved
  if (field.prefix === undefined) {
    return cursor.fail(field.start, `a key needs an entity prefix here, e.g. tags.${clip(field.key)}`)
  }
  const valid = pyList(entityPrefixes(grammar))
  return cursor.fail(field.prefix.start, `Invalid entity type '${clip(field.prefix.value)}'. Valid values are ${valid}`)
}

function readKey(cursor: TokenCursor): { key: string; end: number } {
  const first = cursor.next()
  if (isQuotedKey(first)) return { key: first.value, end: first.end }
  let key = first.text
  let end = first.end
  for (;;) {
    const dot = cursor.peek()
    const segment = cursor.peek(1)
    if (dot.kind !== 'dot' || dot.start !== end || !isKeySegment(segment) || segment.start !== dot.end) {
      return { key, end }
    }
    cursor.next()
    cursor.next()
    key += `.${segment.text}`
    end = segment.end
  }
}

function isQuotedKey(token: Token): boolean {
  return token.kind === 'quoted-identifier' || (token.kind === 'string' && token.quote === '"')
}

/** An unquoted piece of a dotted key: a word, a reserved word (`tags.in`), or digits (`metrics.1`). */
function isKeySegment(token: Token): boolean {
  return token.kind === 'identifier' || token.kind === 'keyword' || (token.kind === 'number' && /^\d/.test(token.text))
}
