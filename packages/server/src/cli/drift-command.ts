/**
 * `keel monitor drift --reference train.csv --current last-week.csv`: drift per column and for the
 * dataset (Evidently's tests and defaults) and data quality, computed locally from CSV or Parquet
 * files read with DuckDB; a table for people, `--json` for scripts, `--report` for an HTML file.
 *
 * Exit codes: 0 done; 1 an error (unreadable file, unknown column or test); 3 the dataset drifted
 * and --fail-on-drift was given.
 */
import { type Command, InvalidArgumentError } from 'commander'
import { EXIT_DRIFT, type DriftFlags } from './drift-flags.js'
import { registerLiveMonitorCommands } from './live-monitor-commands.js'

function pairs<T>(parse: (v: string, key: string) => T) {
  return (raw: string, acc: Record<string, T>): Record<string, T> => {
    const at = raw.lastIndexOf('=')
    if (at <= 0 || at === raw.length - 1) throw new InvalidArgumentError(`expected COLUMN=VALUE, got '${raw}'`)
    const key = raw.slice(0, at)
    return { ...acc, [key]: parse(raw.slice(at + 1), key) }
  }
}

function number(raw: string, what: string): number {
  const v = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError(`${what} must be a number, got '${raw}'`)
  return v
}

export function registerMonitorCommands(program: Command): void {
  const monitor = program.command('monitor').description('Monitoring: data drift and data quality, live monitors')
  registerLiveMonitorCommands(monitor)
  monitor
    .command('drift')
    .description(
      "Drift per column and for the dataset (Evidently's tests and defaults) and data quality, current against reference (CSV or Parquet)",
    )
    .requiredOption('-r, --reference <file>', 'the reference data (.csv, .tsv or .parquet), e.g. the training set')
    .requiredOption('-c, --current <file>', 'the current data to compare')
    .option('--columns <list>', 'comma-separated columns to compare (default: all)')
    .option(
      '--test <column=test>',
      'a drift test for a column (ks, chisquare, z, psi, wasserstein, jensenshannon, kl_div, hellinger, anderson, cramer_von_mises, mannw, t_test, fisher_exact, g_test, TVD, empirical_mmd, ed); repeatable',
      pairs((v) => v),
      {},
    )
    .option(
      '--threshold <column=value>',
      "a column's drift threshold (default: the test's); repeatable",
      pairs((v, k) => number(v, `threshold of ${k}`)),
      {},
    )
    .option('--drift-share <share>', 'dataset drift when at least this share of columns drift (default 0.5)', (v) =>
      number(v, '--drift-share'),
    )
    .option('--report <file.html>', 'also write the self-contained HTML report')
    .option('--json', 'print the report as JSON only')
    .option('--fail-on-drift', `exit with code ${EXIT_DRIFT} when the dataset drifted`)
    .action(async (flags: DriftFlags) => {
      // The readers, DuckDB and the statistics load when the command runs, not when any keel command starts.
      const { runDrift } = await import('./drift-run.js')
      await runDrift(flags)
    })
}
