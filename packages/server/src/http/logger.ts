/**
 * One structured line per event: JSON (`--log-format json`, for log pipelines) or readable text.
 * Lines are gathered in memory and written in batches (below), each batch with one synchronous
 * write, pino's default destination mode: an asynchronous destination can reorder lines when
 * flushSync() runs while one of its writes is still in flight.
 */
import pino from 'pino'

export type LogFormat = 'text' | 'json'
export type LogFields = Record<string, unknown>

export interface Logger {
  info(fields: LogFields, message: string): void
  warn(fields: LogFields, message: string): void
  error(fields: LogFields, message: string): void
  flush(): void
}

/** How long an info line may wait to share its write with the next ones. */
const BATCH_MS = 50
/** A batch is written at once past this many characters. */
const BATCH_CHARS = 16 * 1024

/**
 * Lines go out in batches: one write per request was a tenth of a small request's CPU on a busy
 * server (a system call each). Info lines wait at most BATCH_MS; a warning or an error is written
 * at once, with the lines before it, in order; flush() writes what waits (at exit).
 */
function batched(dest: pino.DestinationStream) {
  let pending = ''
  let timer: NodeJS.Timeout | undefined
  const writeOut = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (pending === '') return
    const text = pending
    pending = ''
    dest.write(text)
  }
  return {
    write(line: string, urgent = false) {
      pending += line
      if (urgent || pending.length >= BATCH_CHARS) writeOut()
      else if (timer === undefined) timer = setTimeout(writeOut, BATCH_MS).unref()
    },
    flush() {
      writeOut()
    },
  }
}

export function createLogger(format: LogFormat, destination: number | string = 1): Logger {
  const out = batched(pino.destination({ dest: destination, sync: true }))
  if (format === 'json') {
    // pino writes each line whole to its stream; warnings and errors are urgent.
    let urgent = false
    const log = pino(
      { base: null, timestamp: pino.stdTimeFunctions.isoTime },
      { write: (line: string) => out.write(line, urgent) },
    )
    return {
      info: (f, m) => log.info(f, m),
      warn: (f, m) => {
        urgent = true
        log.warn(f, m)
        urgent = false
      },
      error: (f, m) => {
        urgent = true
        log.error(f, m)
        urgent = false
      },
      flush: () => out.flush(),
    }
  }
  const line = (level: string, urgent: boolean) => (fields: LogFields, message: string) => {
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ')
    out.write(`${new Date().toISOString()} ${level} ${message}${extra ? ` ${extra}` : ''}\n`, urgent)
  }
  return {
    info: line('INFO ', false),
    warn: line('WARN ', true),
    error: line('ERROR', true),
    flush: () => out.flush(),
  }
}

/** A logger that drops everything (tests, embedded use). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, flush() {} }
