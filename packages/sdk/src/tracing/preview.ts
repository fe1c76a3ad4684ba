/**
 * What a trace's info says about its root span, as MLflow's client writes it: the request and
 * response previews (the last chat message's text when the value holds chat messages, else the
 * JSON text, cut to 1000 characters) and the argument names a traced function's inputs are keyed by.
 */
import { type JsonValue, jsonText, truncate } from './values.js'

/** MLflow's preview length on a non-Databricks server. */
export const PREVIEW_MAX_LENGTH = 1000

type JsonObject = { readonly [key: string]: JsonValue }
type Message = JsonObject & { readonly role: JsonValue; readonly content: JsonValue }

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const isMessage = (value: JsonValue): value is Message => isObject(value) && 'role' in value && 'content' in value
const messagesOf = (value: JsonValue | undefined): Message[] | undefined =>
  Array.isArray(value) ? (value as JsonValue[]).filter(isMessage) : undefined

/** Chat messages in OpenAI's request and response shapes (MLflow's `_try_extract_messages`). */
function extractMessages(value: JsonValue): Message[] | undefined {
  if (!isObject(value)) return undefined
  const messages = messagesOf(value.messages)
  if (messages && (value.messages as JsonValue[]).length > 0) return messages
  const choices = value.choices
  if (Array.isArray(choices) && choices.length > 0) {
    const first = choices[0] as JsonValue
    if (isObject(first) && first.message !== undefined && isMessage(first.message)) return [first.message]
  }
  for (const key of ['input', 'output']) {
    const list = value[key]
    if (Array.isArray(list) && list.length > 0) return messagesOf(list)
  }
  return 'request' in value ? extractMessages(value.request as JsonValue) : undefined
}

function textOf(message: Message): string {
  const content = message.content
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    for (const part of content as JsonValue[]) {
      if (typeof part === 'string') return part
      if (isObject(part) && (part.type === 'text' || part.type === 'output_text') && typeof part.text === 'string') {
        return part.text
      }
    }
  }
  return ''
}

/** The preview of a root span's inputs (`role` 'user') or outputs ('assistant'). */
export function preview(value: JsonValue, role: 'user' | 'assistant'): string {
  const messages = extractMessages(value)
  let content = ''
  if (messages && messages.length > 0) {
    const last = [...messages].reverse().find((m) => m.role === role) ?? messages[messages.length - 1]!
    content = textOf(last)
  }
  return truncate(content || jsonText(value), PREVIEW_MAX_LENGTH)
}

const IDENTIFIER = /^(?:\.\.\.)?[A-Za-z_$][\w$]*$/

/**
 * The parameter names of a function, read from its source when they are plain identifiers (a rest
 * parameter included); undefined when they cannot be read that way (destructuring, defaults,
 * comments, native or bound functions).
 */
export function parameterNames(fn: (...args: never[]) => unknown): string[] | undefined {
  let source: string
  try {
    source = Function.prototype.toString.call(fn)
  } catch {
    return undefined
  }
  if (source.includes('[native code]')) return undefined
  const arrow = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source)
  if (arrow) return [arrow[1]!]
  const open = source.indexOf('(')
  const close = source.indexOf(')', open)
  if (open < 0 || close < 0) return undefined
  const inside = source.slice(open + 1, close)
  if (!/^[\s\w$,.]*$/.test(inside)) return undefined
  const names = inside
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '')
  return names.every((n) => IDENTIFIER.test(n)) ? names : undefined
}

/**
 * A call's arguments keyed by parameter name, as MLflow's `@trace` records inputs: a rest
 * parameter takes the remaining arguments as an array; arguments without a readable name are
 * `arg0`, `arg1`, … by position.
 */
export function namedArguments(
  names: readonly string[] | undefined,
  args: readonly unknown[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const known = names ?? []
  for (const [i, name] of known.entries()) {
    if (name.startsWith('...')) {
      out[name.slice(3)] = args.slice(i)
      return out
    }
    if (i < args.length) out[name] = args[i]
  }
  for (let i = known.length; i < args.length; i++) out[`arg${i}`] = args[i]
  return out
}
