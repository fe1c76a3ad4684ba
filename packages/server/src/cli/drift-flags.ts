/** `keel monitor drift`'s parsed flags and exit code, shared by its definition and its run. */
export const EXIT_DRIFT = 3

export interface DriftFlags {
  reference: string
  current: string
  columns?: string
  test: Record<string, string>
  threshold: Record<string, number>
  driftShare?: number
  report?: string
  json?: boolean
  failOnDrift?: boolean
}
