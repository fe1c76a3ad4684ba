/**
 * Reads the rows `keel predict` scores: a CSV file with a header, or JSON: MLflow's scoring payloads
 * (`dataframe_split`, `dataframe_records`, `instances`, `inputs`), or bare rows (objects or arrays)
 * or columns (`{ col: [...] }`). Parsed by the model server's own codec (`serving/protocol/`), so a
 * file scores as the same body sent to `/invocations` would: numbers finite, errors naming the file.
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import type { ModelInput } from '@keel/sdk'
import { parseJsonBody } from '../serving/protocol/json-body.js'
import { parseScoringCsv, parseScoringJson } from '../serving/protocol/mlflow-scoring.js'

export async function readPredictionInput(path: string): Promise<ModelInput> {
  const text = path === '-' ? await readStdin() : await readFile(path, 'utf8')
  const name = path === '-' ? 'The input' : path
  const trimmed = text.trimStart()
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[')
  const ext = extname(path).toLowerCase()
  if (ext === '.csv' || (!looksJson && ext !== '.json')) return parseScoringCsv(text, name).input
  return parseScoringJson(parseJsonBody(text, name), name, true).input
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
