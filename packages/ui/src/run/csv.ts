/** A small CSV/TSV parser for artifact previews (RFC 4180 quoting; no DOM). */

export interface CsvResult {
  readonly rows: string[][]
  /** False when parsing stopped at `maxRows`. */
  readonly complete: boolean
}

export function parseCsv(text: string, options: { delimiter?: string; maxRows?: number } = {}): CsvResult {
  const delimiter = options.delimiter ?? ','
  const maxRows = options.maxRows ?? Infinity
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const endRow = () => {
    row.push(field)
    field = ''
    // a blank line is not a row
    if (!(row.length === 1 && row[0] === '')) rows.push(row)
    row = []
  }
  for (; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === delimiter) {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      endRow()
      if (rows.length >= maxRows) return { rows, complete: i >= text.length - 1 }
    } else field += c
  }
  if (field !== '' || row.length > 0) endRow()
  return { rows, complete: true }
}

/** Text cut at a byte limit ends mid-line: drop the partial last line. */
export function dropPartialLine(text: string): string {
  const end = text.lastIndexOf('\n')
  return end < 0 ? text : text.slice(0, end + 1)
}
