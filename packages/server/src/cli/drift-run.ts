/**
 * What `keel monitor drift` does once its flags are parsed (drift-command.ts): reads both files,
 * sorts their numeric columns on the drift workers, builds the report and prints it.
 */
import { writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { driftReportToWire } from '@keel/contracts'
import {
  closeDriftWorkers,
  renderHtmlReport,
  sortFloat64ColumnsAsync,
  type DriftReport,
  type DriftTable,
  type ReportColumn,
} from '@keel/monitoring'
import pc from 'picocolors'
import { driftReportOfAsync } from '../monitoring/drift-input.js'
import { readTable, type ReadTableResult } from '../monitoring/table-reader.js'
import { EXIT_DRIFT, type DriftFlags } from './drift-flags.js'
import { formatNumber, printJson, printTable } from './output.js'

/** Progress on stderr for people at a terminal; silent otherwise. */
function progress(enabled: boolean) {
  let last = 0
  const write = (text: string) => process.stderr.write(`\r\x1b[2K${pc.dim(text)}`)
  return {
    rows(label: string, rows: number) {
      if (!enabled) return
      const now = Date.now()
      if (now - last < 200) return
      last = now
      write(`reading ${label}… ${rows.toLocaleString('en-US')} rows`)
    },
    step(text: string) {
      if (enabled) write(text)
    },
    done() {
      if (enabled) process.stderr.write('\r\x1b[2K')
    },
  }
}

function driftCell(c: ReportColumn): string {
  const d = c.drift
  if (d.status === 'error') return pc.yellow(`error: ${d.error.code}`)
  return d.drifted ? pc.red('✗ drifted') : pc.green('✓ no drift')
}

function printReport(report: DriftReport): void {
  printTable(
    ['Column', 'Type', 'Test', 'Statistic', 'p-value / distance', 'Threshold', 'Drift'],
    report.columns.map((c) => {
      const d = c.drift
      const type =
        d.featureType === 'num'
          ? 'num'
          : d.featureType === 'cat'
            ? 'cat'
            : (c.quality.referenceType ?? c.quality.currentType ?? '')
      if (d.status === 'error') return [c.column, type, d.test ?? '', '', '', '', driftCell(c)]
      const score = d.pValue !== undefined ? `p=${formatNumber(d.pValue)}` : formatNumber(d.distance ?? d.score)
      return [c.column, type, d.test, formatNumber(d.statistic), score, formatNumber(d.threshold), driftCell(c)]
    }),
  )
  for (const c of report.columns) {
    if (c.drift.status === 'error') process.stdout.write(pc.yellow(`  ${c.column}: ${c.drift.error.message}\n`))
  }
  const s = report.drift
  const share = `${s.numberOfDriftedColumns} of ${s.numberOfColumns} columns drifted (${(100 * s.shareOfDriftedColumns).toFixed(1)}%; threshold ${(100 * s.driftShare).toFixed(1)}%)`
  process.stdout.write(
    `\n${s.datasetDrift ? pc.red(pc.bold('Dataset drift detected')) : pc.green(pc.bold('No dataset drift'))}: ${share}`,
  )
  process.stdout.write(s.numberOfErrors ? pc.yellow(`, ${s.numberOfErrors} columns could not be compared\n`) : '\n')
  const findings = report.quality.findings
  process.stdout.write(
    `\n${pc.bold('Data quality')}: ${findings.length === 0 ? 'no findings' : `${findings.length} findings`}\n`,
  )
  for (const f of findings)
    process.stdout.write(`  ${f.severity === 'error' ? pc.red('✗') : pc.yellow('!')} ${f.message}\n`)
}

/** Both reads; the first error once both have settled (no read left running behind it). */
async function readBoth(
  reference: Promise<ReadTableResult<DriftTable>>,
  current: Promise<ReadTableResult<DriftTable>>,
): Promise<[ReadTableResult<DriftTable>, ReadTableResult<DriftTable>]> {
  const [r, c] = await Promise.allSettled([reference, current])
  if (r.status === 'rejected') throw r.reason
  if (c.status === 'rejected') throw c.reason
  return [r.value, c.value]
}

/**
 * Below this many values (rows × columns) the work stays on this thread: starting a worker and
 * loading the drift tests in it (~0.2 s of CPU) costs more than sorting a million values (~60 ms).
 */
const PARALLEL_MIN = 2_000_000

/**
 * A table read, with its numeric columns then sorted (ascending, NaN last) on the drift worker
 * pool, the sorts spread over the cores (one side's sorts run while the other side is still being
 * read): the report needs them sorted and then only checks the order (row order means nothing to
 * it). The reader's columns are this command's own, sorted in place.
 */
async function readSorted(reading: Promise<ReadTableResult<DriftTable>>): Promise<ReadTableResult<DriftTable>> {
  const read = await reading
  const numeric = Object.entries(read.table).filter((e): e is [string, Float64Array] => e[1] instanceof Float64Array)
  const values = numeric.length * read.rows
  const sorted = await sortFloat64ColumnsAsync(
    numeric.map(([, v]) => v),
    values < PARALLEL_MIN ? { workers: 0 } : {},
  )
  const table: Record<string, DriftTable[string]> = { ...read.table }
  numeric.forEach(([name], i) => {
    table[name] = sorted[i]!
  })
  return { ...read, table }
}

export async function runDrift(flags: DriftFlags): Promise<void> {
  const show = progress(!flags.json && process.stderr.isTTY === true)
  const columns = flags.columns
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  // categorical columns as codes into a dictionary: no JS value per row, counted by code
  const read = (file: string): Promise<ReadTableResult<DriftTable>> =>
    readTable(file, {
      dictionaries: true,
      ...(columns && { columns }),
      label: file,
      onProgress: (rows) => show.rows(basename(file), rows),
    })
  // both files at once: DuckDB's threads parse one while this thread copies the other's chunks
  const [reference, current] = await readBoth(readSorted(read(flags.reference)), readSorted(read(flags.current)))
  show.step(
    `comparing ${Object.keys(reference.table).length} columns of ${reference.rows.toLocaleString('en-US')} and ${current.rows.toLocaleString('en-US')} rows…`,
  )
  let report: DriftReport
  try {
    const cells = (reference.rows + current.rows) * Object.keys(reference.table).length
    report = await driftReportOfAsync(reference.table, current.table, {
      ...(cells < PARALLEL_MIN && { workers: 0 }),
      ...(columns && { columns }),
      tests: flags.test,
      thresholds: flags.threshold,
      ...(flags.driftShare !== undefined && { driftShare: flags.driftShare }),
      featureTypes: { ...current.featureTypes, ...reference.featureTypes },
      referenceName: basename(flags.reference),
      currentName: basename(flags.current),
    })
  } finally {
    show.done()
    await closeDriftWorkers()
  }
  if (flags.report) await writeFile(flags.report, renderHtmlReport(report))
  if (flags.json) printJson(driftReportToWire(report))
  else {
    printReport(report)
    if (flags.report) process.stdout.write(pc.dim(`\nHTML report: ${flags.report}\n`))
  }
  if (flags.failOnDrift && report.drift.datasetDrift) process.exitCode = EXIT_DRIFT
}
