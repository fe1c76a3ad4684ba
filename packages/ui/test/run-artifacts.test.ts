/** The run page's pure helpers: the CSV parser, preview kinds, history merging. */
import { describe, expect, it } from 'vitest'
import { ancestors, formatBytes, looksLikeText, previewKind } from '../src/run/artifact-kind.js'
import { dropPartialLine, parseCsv } from '../src/run/csv.js'
import { mergeTail } from '../src/run/history.js'
import { commitUrl } from '../src/run/source.js'

describe('parseCsv', () => {
  it('parses plain rows, CRLF and a missing final newline', () => {
    expect(parseCsv('a,b\r\n1,2\r\n3,4').rows).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ])
  })
  it('handles quotes, escaped quotes, delimiters and newlines inside quotes', () => {
    expect(parseCsv('name,note\n"x, y","say ""hi""\nthere"\n').rows).toEqual([
      ['name', 'note'],
      ['x, y', 'say "hi"\nthere'],
    ])
  })
  it('keeps empty fields, skips blank lines and a BOM', () => {
    expect(parseCsv('\ufeffa,,c\n\n,2,\n').rows).toEqual([
      ['a', '', 'c'],
      ['', '2', ''],
    ])
  })
  it('stops at maxRows and says so', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `${i},${i * 2}`).join('\n')
    const out = parseCsv(text, { maxRows: 501 })
    expect(out.rows).toHaveLength(501)
    expect(out.complete).toBe(false)
    expect(parseCsv('a\nb\n', { maxRows: 2 }).complete).toBe(true)
  })
  it('reads TSV', () => {
    expect(parseCsv('a\tb\n1\t2', { delimiter: '\t' }).rows).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ])
  })
  it('drops the partial line of a cut file', () => {
    expect(dropPartialLine('a,b\n1,2\n3,')).toBe('a,b\n1,2\n')
  })
})

describe('preview kinds', () => {
  it('knows files by extension and by name', () => {
    expect(previewKind('model/MLmodel')).toBe('yaml')
    expect(previewKind('conda.yaml')).toBe('yaml')
    expect(previewKind('a/b/metrics.JSON')).toBe('json')
    expect(previewKind('data.csv')).toBe('csv')
    expect(previewKind('plot.png')).toBe('image')
    expect(previewKind('fig.svg')).toBe('svg')
    expect(previewKind('notes.txt')).toBe('text')
    expect(previewKind('model.pkl')).toBe('unknown')
    expect(previewKind('.hidden')).toBe('unknown')
  })
  it('sniffs text', () => {
    expect(looksLikeText(new TextEncoder().encode('héllo wörld'))).toBe(true)
    expect(looksLikeText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1]))).toBe(false)
    // a cut in the middle of a multi-byte character is still text
    const bytes = new TextEncoder().encode(`${'x'.repeat(8191)}é`)
    expect(looksLikeText(bytes.subarray(0, 8192))).toBe(true)
  })
  it('formats sizes and lists parent folders', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(2048)).toBe('2.0 KB')
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB')
    expect(ancestors('a/b/c.txt')).toEqual(['a', 'a/b'])
    expect(ancestors('c.txt')).toEqual([])
  })
})

describe('history and lineage helpers', () => {
  const m = (step: number, value: number) => ({ key: 'loss', value, timestamp: step, step })
  it('merges a live tail onto the loaded points from its first step on', () => {
    expect(mergeTail([m(0, 1), m(1, 2), m(2, 3)], [m(2, 30), m(3, 4)]).map((p) => p.value)).toEqual([1, 2, 30, 4])
    expect(mergeTail([m(0, 1)], [])).toEqual([m(0, 1)])
  })
  it('links commits of known forges only', () => {
    expect(commitUrl('git@github.com:acme/ml.git', 'abc')).toBe('https://github.com/acme/ml/commit/abc')
    expect(commitUrl('https://gitlab.com/acme/ml', 'abc')).toBe('https://gitlab.com/acme/ml/commit/abc')
    expect(commitUrl('/home/me/repo', 'abc')).toBeUndefined()
  })
})
