/**
 * Reads the rows `keel predict` scores: a CSV file with a header, or JSON in any of the shapes
 * people have (rows as objects or arrays, columns as `{ col: [...] }`, and MLflow's scoring
 * payloads `dataframe_split`, `dataframe_records`, `instances` and `inputs`).
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parse } from 'csv-parse/sync'

export type Rows =
  | readonly (readonly unknown[])[]
  | readonly Readonly<Record<string, unknown>>[]
  | Readonly<Record<string, readonly unknown[]>>

export async function readPredictionInput(path: string): Promise<Rows> {
  const text = path === '-' ? await readStdin() : await readFile(path, 'utf8')
  const trimmed = text.trimStart()
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[')
  if (extname(path).toLowerCase() === '.csv' || (!looksJson && extname(path).toLowerCase() !== '.json'))
    return parseCsv(text, path)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`)
  }
  return rowsFromJson(value, path)
}

function parseCsv(text: string, path: string): Rows {
  try {
    // Numbers become numbers; everything else stays a string. The model's signature checks types.
    return parse(text, {
      columns: true,
      cast: (value, ctx) => (ctx.header ? value : castCell(value)),
      skip_empty_lines: true,
      trim: true,
    }) as Record<string, unknown>[]
  } catch (error) {
    throw new Error(`${path} is not a CSV file with a header row: ${(error as Error).message}`)
  }
}

function castCell(value: string): unknown {
  if (value === '') return null
  const n = Number(value)
  return Number.isNaN(n) && value !== 'NaN' ? value : n
}

/** The rows of a JSON document, whichever accepted shape it has. */
export function rowsFromJson(value: unknown, what = 'input'): Rows {
  if (Array.isArray(value)) {
    if (value.every((r) => Array.isArray(r))) return value as unknown[][]
    if (value.every((r) => typeof r === 'object' && r !== null)) return value as Record<string, unknown>[]
    throw new Error(`${what}: a JSON array must hold rows, all objects or all arrays`)
  }
  if (typeof value !== 'object' || value === null) throw new Error(`${what}: expected rows as a JSON array or object`)
  const o = value as Record<string, unknown>
  if ('dataframe_split' in o) {
    const split = o.dataframe_split as { columns?: unknown; data?: unknown }
    if (!Array.isArray(split?.data)) throw new Error(`${what}: dataframe_split needs "data": [[...], ...]`)
    if (!Array.isArray(split.columns)) return split.data as unknown[][]
    const columns = split.columns as string[]
    return (split.data as unknown[][]).map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])))
  }
  if ('dataframe_records' in o) return rowsFromJson(o.dataframe_records, `${what}.dataframe_records`)
  if ('instances' in o) return rowsFromJson(o.instances, `${what}.instances`)
  if ('inputs' in o) return rowsFromJson(o.inputs, `${what}.inputs`)
  if (Object.values(o).every((v) => Array.isArray(v))) return o as Record<string, unknown[]>
  throw new Error(
    `${what}: expected rows, columns ({"col": [...]}) or an MLflow payload (dataframe_split, dataframe_records, instances, inputs)`,
  )
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
