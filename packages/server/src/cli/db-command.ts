/**
 * `keel db`: the store's schema and contents, as `mlflow db upgrade` manages MLflow's.
 *   keel db upgrade <uri>            brings the schema up to date (keel server also does on start)
 *   keel db copy --from <uri> --to <uri>   every row into an empty database (SQLite -> PostgreSQL)
 */
import type { Command } from 'commander'
import pc from 'picocolors'
import { redactStoreUri as redact } from '../sql/store-uri.js'
import { printJson, printTable } from './output.js'

/** A one-line bar on stderr for people at a terminal; silent otherwise. */
function progressBar(enabled: boolean) {
  let last = 0
  return {
    update(label: string, done: number, total: number, force = false) {
      if (!enabled) return
      const now = Date.now()
      if (!force && now - last < 100) return
      last = now
      const width = 24
      const share = total === 0 ? 1 : Math.min(1, done / total)
      const filled = Math.round(share * width)
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
      process.stderr.write(
        `\r\x1b[2K${pc.dim(`${bar} ${label} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`)}`,
      )
    },
    done() {
      if (enabled) process.stderr.write('\r\x1b[2K')
    },
  }
}

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description("The tracking store's schema and contents")

  db.command('upgrade')
    .description("Brings a store's schema up to date (keel server does so on start; run this on deploy)")
    .argument(
      '[uri]',
      'the backend store URI, e.g. sqlite:///keel.db or postgresql://user:pass@host:5432/db (default: $MLFLOW_BACKEND_STORE_URI)',
    )
    .option('--json', 'machine-readable output')
    .action(async (given: string | undefined, flags: { json?: boolean }) => {
      const uri = given ?? process.env.MLFLOW_BACKEND_STORE_URI
      if (uri === undefined || uri === '') {
        throw new Error('keel db upgrade needs the store: keel db upgrade <uri>, or MLFLOW_BACKEND_STORE_URI')
      }
      const { openDatabase } = await import('../sql/open-database.js')
      let applied: readonly string[] = []
      let latest = ''
      const database = await openDatabase(uri, {
        onMigrated: (report) => {
          applied = report.applied
          latest = report.known.at(-1) ?? ''
        },
      })
      await database.close()
      if (flags.json) return printJson({ store: redact(uri), applied, latest })
      if (applied.length === 0) {
        process.stdout.write(`${redact(uri)} is up to date (${latest})\n`)
      } else {
        process.stdout.write(`${redact(uri)} upgraded: ${applied.join(', ')}\n`)
      }
    })

  db.command('copy')
    .description('Copies every row of a store into an empty one, e.g. a SQLite file into PostgreSQL')
    .requiredOption('--from <uri>', 'the store to copy, e.g. sqlite:///keel.db (brought up to date first)')
    .requiredOption('--to <uri>', 'an empty store, e.g. postgresql://user:pass@host:5432/keel (created tables only)')
    .option('--json', 'machine-readable output')
    .action(async (flags: { from: string; to: string; json?: boolean }) => {
      const { openDatabase } = await import('../sql/open-database.js')
      const { copyDatabase } = await import('../sql/copy-database.js')
      const started = Date.now()
      const source = await openDatabase(flags.from)
      try {
        const target = await openDatabase(flags.to)
        try {
          const bar = progressBar(!flags.json && process.stderr.isTTY === true)
          const tables = await copyDatabase(source, target, (p) =>
            bar.update(p.table, p.copied, p.total, p.copied === p.total),
          )
          bar.done()
          const seconds = (Date.now() - started) / 1000
          if (flags.json) {
            return printJson({ from: redact(flags.from), to: redact(flags.to), tables, seconds })
          }
          printTable(
            ['Table', 'Rows'],
            tables.filter((t) => t.rows > 0).map((t) => [t.table, t.rows.toLocaleString('en-US')]),
          )
          const rows = tables.reduce((sum, t) => sum + t.rows, 0)
          process.stdout.write(
            `${pc.green('✓')} copied ${rows.toLocaleString('en-US')} rows in ${tables.length} tables from ${redact(flags.from)} to ${redact(flags.to)} in ${seconds.toFixed(1)} s\n`,
          )
        } finally {
          await target.close()
        }
      } finally {
        await source.close()
      }
    })
}
