/** How the CLI prints: tables for people, `--json` for scripts, errors on stderr with a code. */
import { KeelError } from '@keel/contracts'
import Table from 'cli-table3'
import pc from 'picocolors'
import { credentialsHint } from './credentials-hint.js'

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export function printTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  if (rows.length === 0) {
    process.stdout.write(pc.dim('(none)\n'))
    return
  }
  const table = new Table({
    head: head.map((h) => pc.bold(h)),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  })
  for (const row of rows) table.push(row.map(String))
  process.stdout.write(`${table.toString()}\n`)
}

export function formatTime(ms: number | undefined): string {
  if (ms === undefined || ms === 0) return ''
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}

export function formatDuration(start: number, end: number | undefined): string {
  if (end === undefined) return ''
  const s = Math.max(0, (end - start) / 1000)
  if (s < 60) return `${s.toFixed(1)}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`
  return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, '')
}

export function handleCliError(err: unknown): never {
  if (err instanceof KeelError) {
    process.stderr.write(`${pc.red('error')} ${pc.dim(err.code)} ${err.message}\n`)
    if (err.code === 'UNAUTHENTICATED') process.stderr.write(`${pc.dim('hint')} ${credentialsHint()}\n`)
  } else if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
    process.stderr.write(`${pc.red('error')} cannot reach the tracking server: ${err.message}\n`)
  } else {
    process.stderr.write(`${pc.red('error')} ${err instanceof Error ? err.message : String(err)}\n`)
  }
  process.exit(1)
}
