import { syntaxError } from './filter-error.js'

export type TokenKind =
  | 'identifier'
  | 'quoted-identifier'
  | 'string'
  | 'number'
  | 'keyword'
  | 'operator'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'dot'
  | 'invalid'
  | 'eof'

export interface Token {
  readonly kind: TokenKind
  /** The token exactly as written. */
  readonly text: string
  /**
   * The decoded token: the content of a quoted token with its escapes resolved, the upper-cased
   * word of a keyword, otherwise the text.
   */
  readonly value: string
  /** The quote character of a `string` (' or ") or `quoted-identifier` (`) token. */
  readonly quote?: "'" | '"' | '`'
  /** Offset of the first character. */
  readonly start: number
  /** Offset just past the last character. */
  readonly end: number
}

/** Reserved words, matched case-insensitively. ASC and DESC are not reserved: order_by reads them as words. */
const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'LIKE', 'ILIKE'])

const WHITESPACE = /\s+/y
const WORD = /[\p{L}\p{N}_$]+/uy
const WORD_CHAR = /[\p{L}\p{N}_$]/uy
const ASCII_WORD = /^[A-Za-z]+$/
const ASCII_WORD_START = /[A-Za-z0-9_$]/
/** Integer, decimal (`1.5`, `1.`, `.5`) or exponent (`1e5`, `2.5E-3`) literal, optionally negative. */
const NUMBER = /-?(?:\d+(?:\.\d+)?[eE]-?\d+|\d+\.\d*|\.\d+|\d+)/y
/** A run of comparison characters is one token, so that `==` or `=>` is reported as a comparator. */
const OPERATOR = /[<>=!]+/y
/** One code point, or one lone surrogate. */
const ANY_CHARACTER = /[\s\S]/uy

const PUNCTUATION: ReadonlyMap<string, TokenKind> = new Map([
  ['(', 'lparen'],
  [')', 'rparen'],
  [',', 'comma'],
  ['.', 'dot'],
])

/** After these a '.' is member access (`tags.5`), not the start of a number (`= .5`). */
const DOT_IS_ACCESS_AFTER: ReadonlySet<TokenKind> = new Set([
  'identifier',
  'quoted-identifier',
  'keyword',
  'number',
  'string',
  'rparen',
])

/**
 * Splits a filter or order_by text into tokens, ending with an `eof` token. A character that starts
 * no token becomes an `invalid` token so that the parser can say what it expected there; only an
 * unterminated quote fails here. `headline` starts the message of that error.
 */
export function tokenize(source: string, headline: string): Token[] {
  const tokens: Token[] = []
  let index = 0
  while (index < source.length) {
    const code = source.charCodeAt(index)
    // Only ASCII controls, space and non-ASCII characters can be whitespace: skip the regex otherwise.
    const space = code <= 32 || code >= 128 ? matchAt(WHITESPACE, source, index) : undefined
    if (space !== undefined) {
      index += space.length
      continue
    }
    const token = readToken(source, index, tokens.at(-1)?.kind, headline)
    tokens.push(token)
    index = token.end
  }
  tokens.push({ kind: 'eof', text: '', value: '', start: source.length, end: source.length })
  return tokens
}

/** The token at `start`, chosen by its first character. */
function readToken(source: string, start: number, previous: TokenKind | undefined, headline: string): Token {
  const char = source.charAt(start)
  const token = (kind: TokenKind, text: string, value = text): Token => ({
    kind,
    text,
    value,
    start,
    end: start + text.length,
  })
  if (char === "'" || char === '"' || char === '`') {
    const text = readQuoted(source, start, char, headline)
    return { ...token(char === '`' ? 'quoted-identifier' : 'string', text, unquote(text, char)), quote: char }
  }
  const number = readNumber(source, start, previous)
  if (number !== undefined) return token('number', number)
  const punctuation = PUNCTUATION.get(char)
  if (punctuation !== undefined) return token(punctuation, char)
  const operator = matchAt(OPERATOR, source, start)
  if (operator !== undefined) return token('operator', operator)
  const word = ASCII_WORD_START.test(char) || char >= '\u0080' ? matchAt(WORD, source, start) : undefined
  if (word === undefined) return token('invalid', matchAt(ANY_CHARACTER, source, start) ?? char)
  const keyword = ASCII_WORD.test(word) ? word.toUpperCase() : ''
  return KEYWORDS.has(keyword) ? token('keyword', word, keyword) : token('identifier', word)
}

function matchAt(pattern: RegExp, source: string, index: number): string | undefined {
  pattern.lastIndex = index
  return pattern.exec(source)?.[0]
}

function readNumber(source: string, index: number, previous: TokenKind | undefined): string | undefined {
  const char = source.charAt(index)
  if (char === '.' && previous !== undefined && DOT_IS_ACCESS_AFTER.has(previous)) return undefined
  if (char !== '-' && char !== '.' && (char < '0' || char > '9')) return undefined
  const text = matchAt(NUMBER, source, index)
  // `1st` or `1e+5` is not a number followed by something: leave it to the word rule.
  if (text === undefined || matchAt(WORD_CHAR, source, index + text.length) !== undefined) return undefined
  return text
}

/**
 * The raw text of the quoted token starting at `start`. Inside it the quote character is escaped by
 * doubling it (SQL) or, for ' and ", by a backslash; `\\` is a backslash.
 */
function readQuoted(source: string, start: number, quote: string, headline: string): string {
  let index = start + 1
  while (index < source.length) {
    const char = source.charAt(index)
    const next = source.charAt(index + 1)
    if (char === quote && next !== quote) return source.slice(start, index + 1)
    const escaped = char === quote || (quote !== '`' && char === '\\' && (next === quote || next === '\\'))
    index += escaped ? 2 : 1
  }
  const what = quote === '`' ? 'quoted key' : 'string'
  throw syntaxError(headline, source, start, `unterminated ${what}: no closing ${quote}`)
}

function unquote(text: string, quote: string): string {
  const body = text.slice(1, -1)
  const escapes = quote === '`' ? /``/g : new RegExp(`${quote}${quote}|\\\\[${quote}\\\\]`, 'g')
  return body.replace(escapes, (sequence) => sequence.charAt(1))
}
