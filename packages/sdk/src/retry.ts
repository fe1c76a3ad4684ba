/** The retry policy of the HTTP transport: exponential backoff with jitter, capped in count and time. */
import { envInt } from './config.js'

export interface RetryOptions {
  /** Attempts in all, the first included (default 5, or `MLFLOW_HTTP_REQUEST_MAX_RETRIES` + 1). */
  readonly maxAttempts: number
  /** Delay before the second attempt; doubles on each further attempt (default 500 ms). */
  readonly initialDelayMs: number
  /** Upper bound of one delay (default 10 s). */
  readonly maxDelayMs: number
  /** No new attempt starts this long after the first one started (default 60 s). */
  readonly maxElapsedMs: number
}

export function retryOptions(overrides: Partial<RetryOptions> = {}): RetryOptions {
  const retries = envInt('MLFLOW_HTTP_REQUEST_MAX_RETRIES')
  return {
    maxAttempts: Math.max(1, overrides.maxAttempts ?? (retries === undefined ? 5 : retries + 1)),
    initialDelayMs: overrides.initialDelayMs ?? 500,
    maxDelayMs: overrides.maxDelayMs ?? 10_000,
    maxElapsedMs: overrides.maxElapsedMs ?? 60_000,
  }
}

/**
 * The wait before attempt `attempt + 1`: `initialDelayMs * 2^(attempt-1)`, jittered to 50–100 %,
 * capped by `maxDelayMs`; a server's `Retry-After` (in seconds) is honoured up to the same cap.
 */
export function backoffDelay(attempt: number, options: RetryOptions, retryAfter?: string | null): number {
  const requested = retryAfter == null ? Number.NaN : Number(retryAfter) * 1000
  if (Number.isFinite(requested) && requested >= 0) return Math.min(requested, options.maxDelayMs)
  const base = Math.min(options.initialDelayMs * 2 ** (attempt - 1), options.maxDelayMs)
  return base * (0.5 + Math.random() / 2)
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
