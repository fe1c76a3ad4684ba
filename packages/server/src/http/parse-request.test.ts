import type { KeelError } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { validateRequest } from './parse-request.js'

const schema = z.object({
  run_id: z.string(),
  note: z.string().optional(),
  mode: z.enum(['fast', 'slow']).optional(),
  size: z
    .number()
    .refine((n) => n < 10, 'it must be under 10')
    .optional(),
  items: z.array(z.object({ key: z.string(), value: z.number(), meta: z.record(z.string(), z.unknown()).optional() })),
})

const SUFFIX = ' See the API docs for more information about request parameters.'

function messageOf(input: Record<string, unknown>): string {
  try {
    validateRequest(schema, input)
  } catch (error) {
    return (error as KeelError).message.replace(SUFFIX, '')
  }
  return 'accepted'
}

describe("validateRequest's messages, worded as MLflow's server words them", () => {
  it('names a list item as items[0].key, and a field absent or null as missing when it is required', () => {
    expect(messageOf({ run_id: 'r', items: [{ value: 1 }] })).toBe(
      "Missing value for required parameter 'items[0].key'.",
    )
    expect(messageOf({ run_id: null, items: [] })).toBe("Missing value for required parameter 'run_id'.")
    expect(messageOf({ run_id: 'r', items: [{ key: null, value: 1 }] })).toBe(
      "Missing value for required parameter 'items[0].key'.",
    )
  })

  it('shows a wrong value as JSON (strings quoted, non-ASCII escaped, keys sorted) with its Python type', () => {
    expect(messageOf({ run_id: 'r', items: [{ key: 'k', value: 'abc' }] })).toBe(
      "Invalid value \"abc\" for parameter 'items[0].value' supplied:  Hint: Value was of type 'str'.",
    )
    expect(messageOf({ run_id: 7, items: [] })).toBe(
      "Invalid value 7 for parameter 'run_id' supplied:  Hint: Value was of type 'int'.",
    )
    expect(messageOf({ run_id: 'r', items: [{ key: 'k', value: 'é😀' }] })).toBe(
      "Invalid value \"\\u00e9\\ud83d\\ude00\" for parameter 'items[0].value' supplied:  Hint: Value was of type 'str'.",
    )
    expect(messageOf({ run_id: 'r', items: [{ key: 'k', value: { b: 1, a: [true, null] } }] })).toBe(
      'Invalid value {"a":[true,null],"b":1} for parameter \'items[0].value\' supplied:  Hint: Value was of type \'dict\'.',
    )
  })

  it('calls null for an optional field or a list item a value of the wrong type, not a missing one', () => {
    expect(messageOf({ run_id: 'r', note: null, items: [] })).toBe(
      "Invalid value null for parameter 'note' supplied:  Hint: Value was of type 'NoneType'.",
    )
    expect(messageOf({ run_id: 'r', items: [null] })).toBe(
      "Invalid value null for parameter 'items[0]' supplied:  Hint: Value was of type 'NoneType'.",
    )
  })

  it("says what keel's own rules ask for: a refinement's message, an enum's options", () => {
    expect(messageOf({ run_id: 'r', size: 12, items: [] })).toBe(
      "Invalid value 12 for parameter 'size' supplied: It must be under 10.",
    )
    expect(messageOf({ run_id: 'r', mode: 'medium', items: [] })).toBe(
      "Invalid value \"medium\" for parameter 'mode' supplied:  Hint: Value was of type 'str'. It must be one of fast, slow.",
    )
    expect(messageOf({ run_id: 'r', items: [] })).toBe('accepted')
  })
})
