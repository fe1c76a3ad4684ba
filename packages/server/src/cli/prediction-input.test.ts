import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseScoringRequest } from '../serving/protocol/mlflow-scoring.js'
import { readPredictionInput } from './prediction-input.js'

const dir = mkdtempSync(join(tmpdir(), 'keel-prediction-input-'))
const file = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe('keel predict input', () => {
  it('reads a file as the model server reads the same body', async () => {
    const csv = 'a,b\n1,x\n,2.5\n'
    expect(await readPredictionInput(file('rows.csv', csv))).toEqual(parseScoringRequest(csv, 'text/csv').input)
    const split = JSON.stringify({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } })
    expect(await readPredictionInput(file('split.json', split))).toEqual(
      parseScoringRequest(split, 'application/json').input,
    )
  })

  it('also takes bare rows and named columns, which the scoring protocol refuses', async () => {
    expect(await readPredictionInput(file('rows.json', '[{"a":1},{"a":2}]'))).toEqual([{ a: 1 }, { a: 2 }])
    expect(await readPredictionInput(file('columns.json', '{"a":[1,2]}'))).toEqual({ a: [1, 2] })
    expect(() => parseScoringRequest('[{"a":1}]', 'application/json')).toThrow(/must be a JSON object/)
  })

  it("refuses an infinite CSV cell ('inf', as pandas reads it) naming its row and column, as the model server does", async () => {
    const path = file('inf.csv', 'a,b\n1,2\n3,inf\n')
    await expect(readPredictionInput(path)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/row 1, column 'b' is not a finite number/),
    })
  })

  it('names the file when it is not what it should be', async () => {
    const json = file('broken.json', '{"dataframe_split": ')
    await expect(readPredictionInput(json)).rejects.toThrow(`${json} is not valid JSON`)
    const empty = file('empty.csv', 'a,b\n')
    await expect(readPredictionInput(empty)).rejects.toThrow(`${empty} has no rows`)
    const scalars = file('scalar.json', '42')
    await expect(readPredictionInput(scalars)).rejects.toThrow(
      `${scalars} must be an array of rows or an object of named columns`,
    )
  })
})
