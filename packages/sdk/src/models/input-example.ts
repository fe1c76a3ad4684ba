/**
 * The input example of a model directory, in MLflow's files: `input_example.json` (a table in
 * pandas' split orient, `{"columns": [...], "data": [[...]]}`, or a plain array for an ndarray) and
 * `serving_input_example.json` (the same as a scoring-server request: `{"dataframe_split": …}` or
 * `{"inputs": …}`).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import type { ModelInput } from './enforce.js'
import type { InputExampleInfo } from './mlmodel.js'
import type { Row } from './signature.js'

export const INPUT_EXAMPLE_FILE = 'input_example.json'
export const SERVING_INPUT_EXAMPLE_FILE = 'serving_input_example.json'

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const toJson = (value: unknown): unknown =>
  value instanceof Date
    ? value.toISOString()
    : value instanceof Uint8Array
      ? Buffer.from(value).toString('base64')
      : value

/**
 * Writes the example rows: object rows (or array rows with `columns`) as a dataframe, array rows
 * without column names as an ndarray. Returns the `saved_input_example_info` to put in `MLmodel`.
 */
export async function writeInputExample(
  dir: string,
  rows: readonly Row[],
  columns?: readonly string[],
): Promise<InputExampleInfo> {
  if (rows.length === 0) throw KeelError.invalid('The input example has no rows')
  const info = { artifact_path: INPUT_EXAMPLE_FILE, serving_input_path: SERVING_INPUT_EXAMPLE_FILE }
  if (rows.every((r) => Array.isArray(r)) && columns === undefined) {
    const data = (rows as readonly (readonly unknown[])[]).map((r) => r.map(toJson))
    await writeFile(join(dir, INPUT_EXAMPLE_FILE), JSON.stringify(data))
    await writeFile(join(dir, SERVING_INPUT_EXAMPLE_FILE), JSON.stringify({ inputs: data }, null, 2))
    return { ...info, type: 'ndarray' }
  }
  const names = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r as Record<string, unknown>)))]
  const data = rows.map((r, i) => {
    if (Array.isArray(r)) {
      if (r.length !== names.length)
        throw KeelError.invalid(`Input example row ${i} has ${r.length} values for ${names.length} columns`)
      return r.map(toJson)
    }
    if (!isRecord(r)) throw KeelError.invalid(`Input example row ${i} is neither an object nor an array`)
    return names.map((n) => toJson(r[n] ?? null))
  })
  const split = { columns: names, data }
  await writeFile(join(dir, INPUT_EXAMPLE_FILE), JSON.stringify(split))
  await writeFile(join(dir, SERVING_INPUT_EXAMPLE_FILE), JSON.stringify({ dataframe_split: split }, null, 2))
  return { ...info, pandas_orient: 'split', type: 'dataframe' }
}

/**
 * Reads the input example described by `info`, as `predict` takes it: object rows for a dataframe,
 * array rows for an ndarray, columns for a dict of arrays. Undefined when the file is missing.
 */
export async function readInputExample(dir: string, info: InputExampleInfo): Promise<ModelInput | undefined> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(join(dir, info.artifact_path), 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw KeelError.invalid(`The input example '${info.artifact_path}' cannot be read: ${(error as Error).message}`)
  }
  if (isRecord(raw) && Array.isArray(raw.columns) && Array.isArray(raw.data)) {
    const columns = raw.columns.map(String)
    return raw.data.map((values: unknown) =>
      Object.fromEntries(columns.map((c, j) => [c, Array.isArray(values) ? values[j] : undefined])),
    )
  }
  if (isRecord(raw) && Array.isArray(raw.inputs)) return raw.inputs as Row[]
  if (Array.isArray(raw)) return raw as Row[]
  if (isRecord(raw) && Object.values(raw).every(Array.isArray)) return raw as Record<string, unknown[]>
  return undefined
}
