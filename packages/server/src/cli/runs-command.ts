import type { Run, ViewType } from '@keel/contracts'
import { type Command, Option } from 'commander'
import pc from 'picocolors'
import { clientFor, withClientOptions, type ClientFlags } from './client-options.js'
import { formatDuration, formatNumber, formatTime, printJson, printTable } from './output.js'

interface ListFlags extends ClientFlags {
  experimentId?: string[]
  experimentName?: string
  filter?: string
  orderBy?: string[]
  view: ViewType
  maxResults: number
  columns?: string[]
}

export function registerRunCommands(program: Command): void {
  const runs = program.command('runs').description('List and describe runs')

  withClientOptions(runs.command('list'))
    .description('List runs of experiments (filter and order as in the REST API)')
    .option('-e, --experiment-id <id...>', 'experiment ids (default: 0)')
    .option('--experiment-name <name>', 'experiment name instead of ids')
    .option('-f, --filter <filter>', 'e.g. "metrics.accuracy > 0.9 and params.max_depth = \'5\'"')
    .option('-o, --order-by <clause...>', "e.g. 'metrics.accuracy DESC'")
    .option('-n, --max-results <n>', 'how many to show', (v) => Number(v), 50)
    .option(
      '-c, --columns <key...>',
      'metrics/params to show, e.g. metrics.accuracy params.max_depth (default: all metrics)',
    )
    .addOption(
      new Option('--view <type>', 'which runs').choices(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).default('ACTIVE_ONLY'),
    )
    .action(async (flags: ListFlags) => {
      const client = clientFor(flags)
      let experimentIds = flags.experimentId ?? ['0']
      if (flags.experimentName) {
        const experiment = await client.getExperimentByName(flags.experimentName)
        if (!experiment) throw new Error(`no experiment named '${flags.experimentName}'`)
        experimentIds = [experiment.experimentId]
      }
      const page = await client.searchRuns({
        experimentIds,
        ...(flags.filter ? { filter: flags.filter } : {}),
        ...(flags.orderBy ? { orderBy: flags.orderBy } : {}),
        runViewType: flags.view,
        maxResults: flags.maxResults,
      })
      if (flags.json) return printJson(page.items)
      const columns =
        flags.columns ?? [...new Set(page.items.flatMap((r) => r.data.metrics.map((m) => `metrics.${m.key}`)))].sort()
      printTable(
        ['Run ID', 'Name', 'Status', 'Started', 'Duration', ...columns],
        page.items.map((r) => [
          r.info.runId,
          r.info.runName,
          colourStatus(r.info.status),
          formatTime(r.info.startTime),
          formatDuration(r.info.startTime, r.info.endTime),
          ...columns.map((c) => cell(r, c)),
        ]),
      )
      if (page.nextPageToken) process.stdout.write(pc.dim(`more runs match; raise --max-results to see them\n`))
    })

  withClientOptions(runs.command('describe'))
    .description('Show one run: info, params, metrics, tags, inputs')
    .argument('<run-id>', 'run id')
    .action(async (runId: string, flags: ClientFlags) => {
      const run = await clientFor(flags).getRun(runId)
      if (flags.json) return printJson(run)
      const i = run.info
      process.stdout.write(`${pc.bold(i.runName)} ${pc.dim(i.runId)}\n`)
      printTable(
        ['Field', 'Value'],
        [
          ['experiment', i.experimentId],
          ['status', colourStatus(i.status)],
          ['user', i.userId],
          ['started', formatTime(i.startTime)],
          ['ended', formatTime(i.endTime)],
          ['duration', formatDuration(i.startTime, i.endTime)],
          ['lifecycle', i.lifecycleStage],
          ['artifacts', i.artifactUri],
        ],
      )
      section(
        'Params',
        ['Key', 'Value'],
        run.data.params.map((p) => [p.key, p.value]),
      )
      section(
        'Metrics',
        ['Key', 'Value', 'Step'],
        run.data.metrics.map((m) => [m.key, formatNumber(m.value), m.step]),
      )
      section(
        'Tags',
        ['Key', 'Value'],
        run.data.tags.map((t) => [t.key, t.value.length > 80 ? `${t.value.slice(0, 77)}...` : t.value]),
      )
      section(
        'Dataset inputs',
        ['Name', 'Digest', 'Source type', 'Context'],
        run.inputs.datasetInputs.map((d) => [
          d.dataset.name,
          d.dataset.digest,
          d.dataset.sourceType,
          d.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? '',
        ]),
      )
    })
}

function section(title: string, head: string[], rows: (string | number)[][]): void {
  process.stdout.write(`\n${pc.bold(title)}\n`)
  printTable(head, rows)
}

function cell(run: Run, column: string): string {
  const [entity, ...rest] = column.split('.')
  const key = rest.join('.')
  if (entity === 'metrics' || entity === 'metric') {
    const m = run.data.metrics.find((x) => x.key === key)
    return m ? formatNumber(m.value) : ''
  }
  if (entity === 'params' || entity === 'param') return run.data.params.find((p) => p.key === key)?.value ?? ''
  if (entity === 'tags' || entity === 'tag') return run.data.tags.find((t) => t.key === key)?.value ?? ''
  return ''
}

function colourStatus(status: string): string {
  if (status === 'FINISHED') return pc.green(status)
  if (status === 'FAILED' || status === 'KILLED') return pc.red(status)
  return pc.yellow(status)
}
