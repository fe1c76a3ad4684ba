import { KeelError } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { tokenize, type Token } from './filter-lexer.js'

const lex = (source: string): Token[] => tokenize(source, 'Invalid filter string')
const kinds = (source: string): string[] => lex(source).map((token) => token.kind)
const values = (source: string): string[] => lex(source).map((token) => token.value)

describe('tokenize', () => {
  it('splits a comparison into tokens with their offsets', () => {
    expect(lex('metrics.acc >= 0.9')).toEqual([
      { kind: 'identifier', text: 'metrics', value: 'metrics', start: 0, end: 7 },
      { kind: 'dot', text: '.', value: '.', start: 7, end: 8 },
      { kind: 'identifier', text: 'acc', value: 'acc', start: 8, end: 11 },
      { kind: 'operator', text: '>=', value: '>=', start: 12, end: 14 },
      { kind: 'number', text: '0.9', value: '0.9', start: 15, end: 18 },
      { kind: 'eof', text: '', value: '', start: 18, end: 18 },
    ])
  })

  it('reads every operator, and a run of comparison characters as one token', () => {
    expect(values('= != <> > >= < <= == =>').slice(0, -1)).toEqual(['=', '!=', '<>', '>', '>=', '<', '<=', '==', '=>'])
  })

  it('reads parentheses, commas and dots', () => {
    expect(kinds('(a,b).c')).toEqual([
      'lparen',
      'identifier',
      'comma',
      'identifier',
      'rparen',
      'dot',
      'identifier',
      'eof',
    ])
  })

  it('recognises reserved words in any case and upper-cases their value', () => {
    const tokens = lex('and Or nOt in IS null Like ilike')
    expect(tokens.slice(0, -1).every((token) => token.kind === 'keyword')).toBe(true)
    expect(tokens.map((token) => token.value).slice(0, -1)).toEqual([
      'AND',
      'OR',
      'NOT',
      'IN',
      'IS',
      'NULL',
      'LIKE',
      'ILIKE',
    ])
  })

  it('keeps ASC, DESC and words that only upper-case to a keyword as identifiers', () => {
    // 'ın' (dotless i) upper-cases to 'IN' in JavaScript; it must not become the keyword.
    expect(kinds('asc DESC android ın')).toEqual(['identifier', 'identifier', 'identifier', 'identifier', 'eof'])
  })

  it('reads identifiers with digits, underscores, dollars and non-ASCII letters', () => {
    expect(values('f1_score $x größe 1st').slice(0, -1)).toEqual(['f1_score', '$x', 'größe', '1st'])
  })

  it.each([
    ['0', '0'],
    ['42', '42'],
    ['-7', '-7'],
    ['3.25', '3.25'],
    ['1.', '1.'],
    ['.5', '.5'],
    ['-.5', '-.5'],
    ['1e5', '1e5'],
    ['2.5E-3', '2.5E-3'],
    ['-1e-10', '-1e-10'],
  ])('reads the number %s', (source, text) => {
    expect(lex(source)[0]).toMatchObject({ kind: 'number', text })
  })

  it('does not read a number that runs into a word', () => {
    expect(kinds('1e+5')).toEqual(['identifier', 'invalid', 'number', 'eof'])
    expect(kinds('12abc')).toEqual(['identifier', 'eof'])
  })

  it('reads a dot after a name as member access and elsewhere as the start of a number', () => {
    expect(kinds('tags.5')).toEqual(['identifier', 'dot', 'number', 'eof'])
    expect(kinds('x = .5')).toEqual(['identifier', 'operator', 'number', 'eof'])
    expect(kinds('x=-.5')).toEqual(['identifier', 'operator', 'number', 'eof'])
  })

  it('reads single- and double-quoted strings and backtick-quoted identifiers', () => {
    expect(lex(`'a b' "c d" \`e f\``).slice(0, -1)).toEqual([
      { kind: 'string', text: "'a b'", value: 'a b', quote: "'", start: 0, end: 5 },
      { kind: 'string', text: '"c d"', value: 'c d', quote: '"', start: 6, end: 11 },
      { kind: 'quoted-identifier', text: '`e f`', value: 'e f', quote: '`', start: 12, end: 17 },
    ])
  })

  it.each([
    [`'it''s'`, "it's"],
    [`'it\\'s'`, "it's"],
    [`'a\\\\'`, 'a\\'],
    [`'C:\\path\\%'`, 'C:\\path\\%'],
    [`''`, ''],
    [`''''`, "'"],
    [`"say ""hi"""`, 'say "hi"'],
    [`"say \\"hi\\""`, 'say "hi"'],
    [`"it's"`, "it's"],
    ['`a``b`', 'a`b'],
    ['`a\\`', 'a\\'],
  ])('resolves the escapes in %s', (source, value) => {
    const [token] = lex(source)
    expect(token?.value).toBe(value)
    expect(token?.end).toBe(source.length)
  })

  it('turns a character that starts no token into an invalid token', () => {
    expect(lex('a ? ;')).toMatchObject([
      { kind: 'identifier' },
      { kind: 'invalid', text: '?', start: 2 },
      { kind: 'invalid', text: ';', start: 4 },
      { kind: 'eof' },
    ])
    expect(lex('😀')[0]).toMatchObject({ kind: 'invalid', text: '😀', end: 2 })
  })

  it('skips all kinds of whitespace', () => {
    expect(kinds(' \t\na\r\n\u00a0b ')).toEqual(['identifier', 'identifier', 'eof'])
  })

  it.each([
    [`params.x = 'abc`, 11, "unterminated string: no closing '"],
    [`params.x = "abc`, 11, 'unterminated string: no closing "'],
    ['params.`abc = 1', 7, 'unterminated quoted key: no closing `'],
    [`x = 'it\\'`, 4, "unterminated string: no closing '"],
    [`x = 'a''`, 4, "unterminated string: no closing '"],
  ])('rejects the unterminated quote in %s', (source, position, detail) => {
    let error: unknown
    try {
      lex(source)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(KeelError)
    expect((error as KeelError).code).toBe('INVALID_PARAMETER_VALUE')
    expect((error as KeelError).message).toBe(
      `Invalid filter string at position ${position}: ${detail}\n  ${source}\n  ${' '.repeat(position)}^`,
    )
  })
})
