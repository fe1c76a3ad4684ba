/**
 * A form's or a button's action against the API: busy while it runs, then the text of what it
 * did or of its error, for FormFeedback. One implementation of the busy / error / done dance.
 */
import { useState } from 'react'
import { errorMessage } from '../api/client'

export interface Action {
  readonly busy: boolean
  readonly error: string | undefined
  readonly done: string | undefined
  /**
   * Runs `fn` (clearing the last error and result): the text it resolves to is shown as done, what it
   * throws as the error (`describe` words it, else the error's message). Resolves whether it succeeded.
   */
  run(fn: () => Promise<unknown>, describe?: (error: unknown) => string): Promise<boolean>
  /** Shows an error found before asking the server (a field's value). */
  fail(message: string): void
  /** Shows what was done elsewhere (a child form's success). */
  succeed(message: string): void
  /** Forgets the last error and result (the form opens again). */
  clear(): void
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const [done, setDone] = useState<string | undefined>()
  return {
    busy,
    error,
    done,
    async run(fn, describe = errorMessage) {
      setBusy(true)
      setError(undefined)
      setDone(undefined)
      try {
        const said = await fn()
        if (typeof said === 'string' && said !== '') setDone(said)
        return true
      } catch (e) {
        setError(describe(e))
        return false
      } finally {
        setBusy(false)
      }
    },
    fail(message) {
      setDone(undefined)
      setError(message)
    },
    succeed(message) {
      setError(undefined)
      setDone(message)
    },
    clear() {
      setError(undefined)
      setDone(undefined)
    },
  }
}
