/**
 * The JSON of an inference request, read as the tracking server reads its bodies (contracts'
 * `jsonValueProblem`): refused with a 400 when it is not JSON, is nested deeper than
 * `MAX_JSON_DEPTH` (everything that walks the value afterwards, down to the prediction log's
 * JSON.stringify, recurses) or holds a string that is not well-formed Unicode.
 */
import { jsonValueProblem } from '@keel/contracts'
import { badRequest } from './protocol-error.js'

/** `what` names the text in errors (a file, for `keel predict`). */
export function parseJsonBody(body: string, what = 'The body'): unknown {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch (error) {
    throw badRequest(`${what} is not valid JSON: ${(error as Error).message}`)
  }
  const problem = jsonValueProblem(value)
  if (problem !== undefined) throw badRequest(problem)
  return value
}
