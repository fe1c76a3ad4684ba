/** A CSV (or TSV) artifact as a table: its first rows, numbers right-aligned. */
import { Empty } from '../components/states'
import { parseCsv } from './csv'

const CSV_ROWS = 500

export function CsvTable({ text, delimiter }: { text: string; delimiter: string }) {
  const { rows, complete } = parseCsv(text, { delimiter, maxRows: CSV_ROWS + 1 })
  if (rows.length === 0) return <Empty title="Empty CSV file" />
  const [header, ...body] = rows
  const width = Math.max(...rows.map((r) => r.length))
  const numeric = Array.from(
    { length: width },
    (_, j) => body.length > 0 && body.every((r) => r[j] === undefined || r[j] === '' || isNumeric(r[j])),
  )
  return (
    <div className="csv-wrap">
      <p className="preview-note">
        {complete ? `${body.length} rows, ${width} columns` : `First ${body.length} rows shown, ${width} columns`}
      </p>
      <div className="csv-scroll">
        <table className="table csv-table">
          <thead>
            <tr>
              {Array.from({ length: width }, (_, i) => (
                <th key={i} scope="col" className={numeric[i] ? 'num' : undefined}>
                  {header![i] ?? ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.map((r, i) => (
              <tr key={i}>
                {Array.from({ length: width }, (_, j) => (
                  <td key={j} className={numeric[j] ? 'num' : undefined}>
                    {r[j] ?? ''}
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
