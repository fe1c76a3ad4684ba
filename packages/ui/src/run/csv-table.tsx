/** A CSV (or TSV) artifact as a table: its first rows, numbers right-aligned. */
import { Empty } from '../components/states'
import { parseCsv } from './csv'

const CSV_ROWS = 500

export function CsvTable({ text, delimiter }: { text: string; delimiter: string }) {
  const { rows, complete } = parseCsv(text, { delimiter, maxRows: CSV_ROWS + 1 })
  if (rows.length === 0) return <Empty title="Empty CSV file" />
  const [header, ...body] = rows
  const width = Math.max(...rows.map((r) => r.length))
  // A column is its place in the file, and a row its record number (the header is record 1).
  const columns = Array.from({ length: width }, (_, j) => ({
    index: j,
    title: header![j] ?? '',
    numeric: body.length > 0 && body.every((r) => r[j] === undefined || r[j] === '' || isNumeric(r[j])),
  }))
  const records = body.map((cells, i) => ({ number: i + 2, cells }))
  return (
    <div className="csv-wrap">
      <p className="preview-note">
        {complete ? `${body.length} rows, ${width} columns` : `First ${body.length} rows shown, ${width} columns`}
      </p>
      <div className="csv-scroll">
        <table className="table csv-table">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.index} scope="col" className={c.numeric ? 'num' : undefined}>
                  {c.title}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.number}>
                {columns.map((c) => (
                  <td key={c.index} className={c.numeric ? 'num' : undefined}>
                    {r.cells[c.index] ?? ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}

function isNumeric(s: string | undefined): boolean {
  return s !== undefined && s.trim() !== '' && Number.isFinite(Number(s))
}
