/** True if `error` is a Node system error with one of `codes` (`ENOENT`, `ENOTDIR`, ...). */
export function hasErrnoCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '')
}
