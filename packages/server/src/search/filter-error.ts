import { KeelError } from '@keel/contracts'

/** How much of a long line is shown on either side of the error position. */
const CONTEXT_BEFORE = 60
const CONTEXT_AFTER = 40
const CLIP_LENGTH = 40

/**
 * A user error in a filter or order_by text: the headline, the 0-based offset, the detail, then the
 * offending line with a caret under the offset.
 */
export function syntaxError(headline: string, source: string, position: number, detail: string): KeelError {
  return new KeelError(
    'INVALID_PARAMETER_VALUE',
    `${headline} at position ${position}: ${detail}\n${pointAt(source, position)}`,
  )
}

/** Two lines: the line of `source` holding `position` (clipped if long) and a caret under it. */
export function pointAt(source: string, position: number): string {
  const lineStart = position === 0 ? 0 : source.lastIndexOf('\n', position - 1) + 1
  const newline = source.indexOf('\n', position)
  const lineEnd = newline === -1 ? source.length : newline
  const from = Math.max(lineStart, position - CONTEXT_BEFORE)
  const to = Math.min(lineEnd, position + CONTEXT_AFTER)
  const lead = from > lineStart ? '…' : ''
  const tail = to < lineEnd ? '…' : ''
  // Control characters (tabs, carriage returns) would shift the caret: show them as spaces.
  const shown = source.slice(from, to).replace(/\p{Cc}/gu, ' ')
  return `  ${lead}${shown}${tail}\n  ${' '.repeat(lead.length + position - from)}^`
}

/** Source text shortened for a message. */
export function clip(text: string): string {
  return text.length > CLIP_LENGTH ? `${text.slice(0, CLIP_LENGTH)}…` : text
}

/** A list the way MLflow's messages print one: ['a', 'b']. */
export function pyList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(', ')}]`
}
