/**
 * One structured line per event: JSON (`--log-format json`, for log pipelines) or readable text.
 * Both write through pino's asynchronous destination so logging never blocks a request.
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

export function createLogger(format: LogFormat, destination: number | string = 1): Logger {
  const dest = pino.destination({ dest: destination, sync: false })
  if (format === 'json') {
    const log = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, dest)
    return {
      info: (f, m) => log.info(f, m),
      warn: (f, m) => log.warn(f, m),
      error: (f, m) => log.error(f, m),
      flush: () => dest.flushSync(),
    }
  }
  const line = (level: string) => (fields: LogFields, message: string) => {
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ')
    dest.write(`${new Date().toISOString()} ${level} ${message}${extra ? ` ${extra}` : ''}\n`)
  }
  return { info: line('INFO '), warn: line('WARN '), error: line('ERROR'), flush: () => dest.flushSync() }
}

/** A logger that drops everything (tests, embedded use). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, flush() {} }
