/**
 * `keel jobs list|get|cancel`: the server's work queue (its background jobs: live monitors'
 * windows, alerts' webhooks and actions), through the SDK (`keel.jobs`). Tables for people,
 * `--json` (the REST API's snake_case) for scripts.
 */
import { JOB_STATES, type Job, type JobState, jobToWire } from '@keel/contracts'
import { JobClient } from '@keel/sdk'
import type { Command } from 'commander'
import pc from 'picocolors'
import { oneOf, positiveInt } from './arg-parsers.js'
import { type ClientFlags, withClientOptions } from './client-options.js'
import { formatDuration, formatTime, printJson, printTable } from './output.js'

const clientOf = (flags: ClientFlags) => new JobClient(flags.trackingUri ? { trackingUri: flags.trackingUri } : {})

/** The server's largest page. */
const PAGE = 1000

const STATE_COLOR: Record<JobState, (s: string) => string> = {
  queued: (s) => s,
  running: pc.cyan,
  succeeded: pc.green,
  failed: pc.red,
  cancelled: pc.yellow,
}

const shorten = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

function printJobs(jobs: readonly Job[]): void {
  printTable(
    ['id', 'kind', 'state', 'attempts', 'created (UTC)', 'took', 'last error'],
    jobs.map((j) => [
      j.jobId,
      j.kind,
      STATE_COLOR[j.state](j.state),
      `${j.attempts}/${j.maxAttempts}`,
      formatTime(j.createdMs),
      j.startedMs !== undefined ? formatDuration(j.startedMs, j.finishedMs) : '',
      j.lastError ? shorten(j.lastError) : '',
    ]),
  )
}

function printJob(j: Job): void {
  const rows: [string, string][] = [
    ['id', j.jobId],
    ['kind', j.kind],
    ['state', STATE_COLOR[j.state](j.state)],
    ['attempts', `${j.attempts} of ${j.maxAttempts}`],
    ['created', formatTime(j.createdMs)],
    ['next run', j.state === 'queued' ? formatTime(j.runAtMs) : ''],
    ['started', formatTime(j.startedMs)],
    ['finished', formatTime(j.finishedMs)],
    ['worker', j.worker ?? ''],
    ['last error', j.lastError ?? ''],
    ['payload', JSON.stringify(j.payload)],
    ['result', j.result === undefined ? '' : shorten(JSON.stringify(j.result), 200)],
  ]
  for (const [k, v] of rows) if (v !== '') process.stdout.write(`${pc.bold(k.padEnd(10))} ${v}\n`)
}

interface ListFlags extends ClientFlags {
  state?: JobState
  kind?: string
  limit: number
}

export function registerJobCommands(program: Command): void {
  const jobs = program
    .command('jobs')
    .description("The server's work queue: background jobs (live monitors' windows, alert deliveries)")
  withClientOptions(jobs.command('list'))
    .description('Jobs, newest first: kind, state, attempts, last error')
    .option('-s, --state <state>', `one state (${JOB_STATES.join(', ')})`, oneOf(JOB_STATES))
    .option('-k, --kind <kind>', "one kind (e.g. 'monitor.window', 'alert.webhook')")
    .option('-n, --limit <n>', 'how many jobs at most', positiveInt, 50)
    .action(async (flags: ListFlags) => {
      const client = clientOf(flags)
      const found: Job[] = []
      let pageToken: string | undefined
      let more = false
      for (;;) {
        const page = await client.list({
          ...(flags.state !== undefined && { state: flags.state }),
          ...(flags.kind !== undefined && { kind: flags.kind }),
          maxResults: Math.min(PAGE, flags.limit - found.length),
          ...(pageToken !== undefined && { pageToken }),
        })
        found.push(...page.items)
        pageToken = page.nextPageToken
        if (pageToken === undefined) break
        if (found.length >= flags.limit) {
          more = true
          break
        }
      }
      if (flags.json) return printJson(found.map(jobToWire))
      printJobs(found)
      if (more) process.stdout.write(pc.dim('more jobs match; raise --limit or narrow with --state/--kind\n'))
    })
  withClientOptions(jobs.command('get <job-id>'))
    .description('One job: its state, attempts, times, worker, last error, payload and result')
    .action(async (jobId: string, flags: ClientFlags) => {
      const job = await clientOf(flags).get(jobId)
      if (flags.json) return printJson(jobToWire(job))
      printJob(job)
    })
  withClientOptions(jobs.command('cancel <job-id>'))
    .description('Cancel a job: a queued one never runs, a running one is told to stop (one that ended stays as it is)')
    .action(async (jobId: string, flags: ClientFlags) => {
      const job = await clientOf(flags).cancel(jobId)
      if (flags.json) return printJson(jobToWire(job))
      process.stdout.write(
        job.state === 'cancelled'
          ? `${pc.yellow('cancelled')} ${job.jobId}\n`
          : `${job.jobId} had ended already: ${STATE_COLOR[job.state](job.state)}\n`,
      )
    })
}
