/**
 * `keel monitor create|list|run|windows|performance|alerts`: live monitors on keel server, through
 * the SDK (`keel.monitors`). Tables for people, `--json` (the REST API's snake_case) for scripts.
 */
import {
  monitorAlertToWire,
  monitorPerformanceToWire,
  monitorToWire,
  monitorWindowToWire,
  type Monitor,
  type MonitorWindow,
} from '@keel/contracts'
import { MonitorClient, type AlertRuleOptions, type CreateMonitorOptions } from '@keel/sdk'
import { type Command, InvalidArgumentError } from 'commander'
import pc from 'picocolors'
import { withClientOptions, type ClientFlags } from './client-options.js'
import { formatNumber, formatTime, printJson, printTable } from './output.js'

const clientOf = (flags: ClientFlags) => new MonitorClient(flags.trackingUri ? { trackingUri: flags.trackingUri } : {})

function num(value: string, what: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`${what}: expected a number, got '${value}'`)
  return n
}

const pairs =
  <T>(parse: (v: string, k: string) => T) =>
  (value: string, previous: Record<string, T>) => {
    const at = value.indexOf('=')
    if (at <= 0) throw new InvalidArgumentError(`expected column=value, got '${value}'`)
    return { ...previous, [value.slice(0, at)]: parse(value.slice(at + 1), value.slice(0, at)) }
  }

const RULE_KEYS = new Set([
  'ruleId',
  'kind',
  'column',
  'metric',
  'threshold',
  'minLabelledRows',
  'webhookUrl',
  'action',
])

function rule(value: string, previous: AlertRuleOptions[]): AlertRuleOptions[] {
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(value) as Record<string, unknown>
  } catch {
    throw new InvalidArgumentError(
      `--rule: expected JSON, e.g. '{"kind":"drift_share","threshold":0.3,"webhook_url":"https://…"}'`,
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('--rule: expected a JSON object')
  if ('command' in parsed) {
    throw new InvalidArgumentError(
      `--rule: 'command' is not accepted: commands are now defined by the operator in the server's configuration (keel server --config <file>, actions.<name>.command); name one with "action", e.g. '{"kind":"performance","threshold":0.9,"action":"retrain"}'`,
    )
  }
  const camel = Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]),
  )
  const unknown = Object.keys(camel).filter((k) => !RULE_KEYS.has(k))
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `--rule: unknown key ${unknown.map((k) => `'${k}'`).join(', ')} (expected rule_id, kind, column, metric, threshold, min_labelled_rows, webhook_url, action)`,
    )
  return [...previous, camel as unknown as AlertRuleOptions]
}

interface CreateFlags extends ClientFlags {
  deployment: string
  modelName?: string
  variant?: string
  referenceUri?: string
  referenceLog?: string
  referenceModel?: string
  windowCount?: number
  windowSeconds?: number
  columns?: string
  test: Record<string, string>
  threshold: Record<string, number>
  driftShare?: number
  task?: 'classification' | 'regression'
  predictionColumn?: string
  rule: AlertRuleOptions[]
  lateness?: number
}

function reference(f: CreateFlags): CreateMonitorOptions['reference'] {
  const given = [f.referenceUri, f.referenceLog, f.referenceModel].filter((x) => x !== undefined).length
  if (given !== 1) throw new InvalidArgumentError('give one of --reference-uri, --reference-log or --reference-model')
  if (f.referenceUri !== undefined) return { uri: f.referenceUri }
  if (f.referenceLog !== undefined) {
    const [start, end] = f.referenceLog
      .split(',')
      .map((t) => (/^\d+$/.test(t.trim()) ? Number(t) : Date.parse(t.trim())))
    if (!Number.isFinite(start) || !Number.isFinite(end))
      throw new InvalidArgumentError('--reference-log: expected START,END (epoch ms or ISO times)')
    return { log: { startTime: start!, endTime: end! } }
  }
  const [name, version] = f.referenceModel!.split(':')
  if (!name || !version) throw new InvalidArgumentError('--reference-model: expected NAME:VERSION')
  return { modelVersion: { name, version } }
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`
const verdict = (drifted: boolean) => (drifted ? pc.red('drift') : pc.green('ok'))

function printMonitors(monitors: readonly Monitor[]): void {
  printTable(
    ['id', 'name', 'deployment', 'window', 'reference', 'rules', 'status', 'last window'],
    monitors.map((m) => [
      m.monitorId,
      m.name,
      m.deployment,
      m.window.kind === 'count' ? `${m.window.count} rows` : `${m.window.seconds} s`,
      m.reference.kind === 'uri'
        ? m.reference.uri
        : m.reference.kind === 'log'
          ? `log ${formatTime(m.reference.startTime)} – ${formatTime(m.reference.endTime)}`
          : `${m.reference.name} v${m.reference.version}`,
      m.alertRules.length,
      m.status === 'active' ? (m.lastError ? pc.red('error') : 'active') : pc.yellow('paused'),
      m.lastWindowId === undefined ? '' : `#${m.lastWindowId} ${formatTime(m.lastWindowEndMs)}`,
    ]),
  )
}

function printWindows(windows: readonly MonitorWindow[]): void {
  printTable(
    ['window', 'start', 'end', 'rows', 'drift', 'share', 'drifted columns', 'prediction', 'findings'],
    windows.map((w) => [
      w.windowId,
      formatTime(w.startMs),
      formatTime(w.endMs),
      w.rows,
      verdict(w.datasetDrift),
      pct(w.driftShare),
      w.driftedColumns.join(', '),
      w.predictionDrift
        ? `${verdict(w.predictionDrift.drifted)} ${w.predictionDrift.test ?? ''} ${w.predictionDrift.score === undefined ? '' : formatNumber(w.predictionDrift.score)}`
        : '',
      w.quality.findings.length,
    ]),
  )
}

export function registerLiveMonitorCommands(monitor: Command): void {
  withClientOptions(monitor.command('create'))
    .description(
      'Create a live monitor on a served deployment: windows of its prediction log against a reference, with alert rules',
    )
    .argument('<name>', 'monitor name (unique per deployment)')
    .requiredOption('-d, --deployment <name>', 'the deployment whose prediction log is read')
    .option('--model-name <name>', 'only this model’s records')
    .option('--variant <name>', 'only this variant’s records (default: all but shadows)')
    .option('--reference-uri <uri>', 'reference: a CSV or Parquet artifact (mlflow-artifacts:/… or runs:/<run_id>/…)')
    .option(
      '--reference-log <start,end>',
      'reference: a time range of the deployment’s own log (epoch ms or ISO times)',
    )
    .option('--reference-model <name:version>', 'reference: the training data recorded with a model version')
    .option('--window-count <rows>', 'windows of this many input rows', (v) => num(v, '--window-count'))
    .option('--window-seconds <s>', 'windows of this many seconds', (v) => num(v, '--window-seconds'))
    .option('--columns <list>', 'comma-separated input columns to compare (default: the reference’s)')
    .option(
      '--test <column=test>',
      'a drift test for a column; repeatable',
      pairs((v) => v),
      {},
    )
    .option(
      '--threshold <column=value>',
      'a column’s drift threshold; repeatable',
      pairs((v, k) => num(v, `threshold of ${k}`)),
      {},
    )
    .option('--drift-share <share>', 'dataset drift when at least this share of columns drift (default 0.5)', (v) =>
      num(v, '--drift-share'),
    )
    .option('--task <task>', 'classification or regression (default: from the outputs)')
    .option('--prediction-column <name>', 'the reference’s column of predictions (default: prediction)')
    .option(
      '--rule <json>',
      'an alert rule, e.g. \'{"kind":"performance","metric":"accuracy","threshold":0.9,"action":"retrain"}\' (an action the server\'s --config defines); repeatable',
      rule,
      [],
    )
    .option('--lateness <seconds>', 'leave the newest seconds of the log for the next run (default 5)', (v) =>
      num(v, '--lateness'),
    )
    .action(async (name: string, f: CreateFlags) => {
      if ((f.windowCount === undefined) === (f.windowSeconds === undefined))
        throw new InvalidArgumentError('give one of --window-count or --window-seconds')
      const m = await clientOf(f).create({
        name,
        deployment: f.deployment,
        ...(f.modelName !== undefined && { modelName: f.modelName }),
        ...(f.variant !== undefined && { variant: f.variant }),
        reference: reference(f),
        window: f.windowCount !== undefined ? { count: f.windowCount } : { seconds: f.windowSeconds! },
        ...(f.columns !== undefined && {
          columns: f.columns
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        }),
        tests: f.test,
        thresholds: f.threshold,
        ...(f.driftShare !== undefined && { driftShare: f.driftShare }),
        ...(f.task !== undefined && { task: f.task }),
        ...(f.predictionColumn !== undefined && { predictionColumn: f.predictionColumn }),
        alertRules: f.rule,
        ...(f.lateness !== undefined && { latenessSeconds: f.lateness }),
      })
      if (f.json) return printJson({ monitor: monitorToWire(m) })
      process.stdout.write(
        `${pc.green('created')} monitor ${pc.bold(m.name)} on ${m.deployment} with id ${m.monitorId}\n`,
      )
    })

  withClientOptions(monitor.command('list'))
    .description('Live monitors, of one deployment or all')
    .option('-d, --deployment <name>', 'only this deployment’s')
    .action(async (f: ClientFlags & { deployment?: string }) => {
      const monitors = await clientOf(f).list(f.deployment)
      if (f.json) return printJson({ monitors: monitors.map(monitorToWire) })
      printMonitors(monitors)
    })

  withClientOptions(monitor.command('run'))
    .description('Process every complete window not processed yet, now')
    .argument('<monitor-id>')
    .action(async (id: string, f: ClientFlags) => {
      const { windows, alerts } = await clientOf(f).run(id)
      if (f.json)
        return printJson({ windows: windows.map(monitorWindowToWire), alerts: alerts.map(monitorAlertToWire) })
      process.stdout.write(
        `${windows.length} new window${windows.length === 1 ? '' : 's'}, ${alerts.length} alert${alerts.length === 1 ? '' : 's'}\n`,
      )
      if (windows.length > 0) printWindows(windows)
      for (const a of alerts) process.stdout.write(`${pc.red('alert')} ${a.message}\n`)
    })

  withClientOptions(monitor.command('windows'))
    .description('A monitor’s windows: drift of inputs and predictions, quality findings')
    .argument('<monitor-id>')
    .option('--max-results <n>', 'windows per page (default 100)', (v) => num(v, '--max-results'))
    .option('--columns', 'one row per window and column instead')
    .action(async (id: string, f: ClientFlags & { maxResults?: number; columns?: boolean }) => {
      const page = await clientOf(f).windows(id, { ...(f.maxResults !== undefined && { maxResults: f.maxResults }) })
      if (f.json)
        return printJson({
          windows: page.items.map(monitorWindowToWire),
          ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
        })
      if (!f.columns) return printWindows(page.items)
      printTable(
        ['window', 'column', 'type', 'test', 'score', 'threshold', 'drift'],
        page.items.flatMap((w) =>
          [...w.columns, ...(w.predictionDrift ? [w.predictionDrift] : [])].map((c) => [
            w.windowId,
            c.column,
            c.featureType ?? '',
            c.test ?? '',
            c.error ?? (c.score === undefined ? '' : formatNumber(c.score)),
            c.threshold === undefined ? '' : formatNumber(c.threshold),
            c.error ? pc.yellow('error') : verdict(c.drifted),
          ]),
        ),
      )
    })

  withClientOptions(monitor.command('performance'))
    .description('Realized performance per window, from the labels posted so far')
    .argument('<monitor-id>')
    .action(async (id: string, f: ClientFlags) => {
      const page = await clientOf(f).performance(id)
      if (f.json) return printJson({ windows: page.items.map(monitorPerformanceToWire) })
      printTable(
        ['window', 'start', 'rows', 'labelled', 'metrics'],
        page.items.map((p) => [
          p.windowId,
          formatTime(p.startMs),
          p.rows,
          p.labelledRows,
          Object.entries(p.metrics)
            .flatMap(([k, v]) => (v === undefined ? [] : [`${k} ${formatNumber(v)}`]))
            .join('  '),
        ]),
      )
    })

  withClientOptions(monitor.command('alerts'))
    .description('Fired alerts, newest first, with what their webhook and action returned')
    .option('-m, --monitor <id>', 'one monitor’s')
    .option('-d, --deployment <name>', 'one deployment’s')
    .action(async (f: ClientFlags & { monitor?: string; deployment?: string }) => {
      const page = await clientOf(f).alerts({
        ...(f.monitor !== undefined && { monitorId: f.monitor }),
        ...(f.deployment !== undefined && { deployment: f.deployment }),
      })
      if (f.json) return printJson({ alerts: page.items.map(monitorAlertToWire) })
      printTable(
        ['fired', 'rule', 'window', 'kind', 'message', 'webhook', 'action'],
        page.items.map((a) => [
          formatTime(a.firedMs),
          a.ruleId,
          a.windowId,
          a.kind,
          a.message,
          a.webhook ? (a.webhook.error ? pc.red(a.webhook.error) : String(a.webhook.status ?? 'pending')) : '',
          a.action
            ? `${a.action.name}: ${a.action.error ? pc.red(a.action.error) : a.action.exitCode === null ? 'running' : `exit ${a.action.exitCode}`}`
            : '',
        ]),
      )
    })
}
