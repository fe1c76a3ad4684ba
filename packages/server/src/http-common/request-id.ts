/**
 * Which request ids a server copies into `X-Request-Id` and its logs: the tracking server and the
 * model server share this one rule. A caller's id is kept only when it is short and plain (word
 * characters, `-`, `=`, `.`; at most 128), so it can never split a header (CR/LF), forge a log
 * line or bloat every answer; anything else is replaced by an id the server makes up.
 */

const PLAIN = /^[\w\-=.]{1,128}$/

/** True when `id` may be copied into a header or a log line as it is. */
export function isPlainRequestId(id: unknown): id is string {
  return typeof id === 'string' && PLAIN.test(id)
}
