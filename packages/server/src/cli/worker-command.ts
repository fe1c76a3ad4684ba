/**
 * `keel worker`: runs the work queue's jobs (live monitors' windows, alerts' webhooks and actions)
 * on this machine, without serving HTTP: with `--queue redis://…` beside `keel server`s on other
 * machines, or on the backend store's durable queue. It reads what the jobs need with the same
 * flags as `keel server`: the backend store, the artifact store, the operator's configuration.
 */
import { type Command, Option } from 'commander'
import { closeOnSignals } from './server-lifecycle.js'
import { leaseSeconds, queueWorkers } from './server-command.js'

interface WorkerFlags {
  backendStoreUri: string
  artifactsDestination: string
  defaultArtifactRoot?: string
  queue?: string
  concurrency: number
  queueLease: number
  config?: string
  logFormat: 'text' | 'json'
  gracefulTimeout: number
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description("Run the work queue's background jobs (live monitors, alert deliveries) without serving HTTP")
    .addOption(
      new Option(
        '--queue <uri>',
        "the servers' work queue: redis://host:port/db (BullMQ), or the backend store's own (default)",
      ).env('KEEL_QUEUE_URI'),
    )
    .addOption(
      new Option('--backend-store-uri <uri>', "the servers' SQL store (the jobs read and write it)")
        .env('MLFLOW_BACKEND_STORE_URI')
        .default('sqlite:///keel.db'),
    )
    .addOption(
      new Option(
        '--artifacts-destination <uri>',
        "the servers' artifact store: a folder or s3://bucket/prefix (monitors read their references there)",
      )
        .env('MLFLOW_ARTIFACTS_DESTINATION')
        .default('./keel-artifacts'),
    )
    .addOption(
      new Option('--default-artifact-root <uri>', "the servers' --default-artifact-root, when they set one").env(
        'MLFLOW_DEFAULT_ARTIFACT_ROOT',
      ),
    )
    .option('--config <file>', "the operator's configuration: the actions alert rules run, allowed webhook targets")
    .option('-c, --concurrency <n>', 'jobs run at once', queueWorkers, 4)
    .option(
      '--queue-lease <seconds>',
      "the durable queue's lease: a job whose worker died is retried this long after its last renewal",
      leaseSeconds,
      30,
    )
    .addOption(new Option('--log-format <format>', 'log format').choices(['text', 'json']).default('text'))
    .option('--graceful-timeout <seconds>', 'on SIGTERM/SIGINT, how long running jobs may take to finish', Number, 10)
    .action(async (flags: WorkerFlags) => {
      const { loadOperatorConfig } = await import('../config/operator-config.js')
      const operator = flags.config !== undefined ? await loadOperatorConfig(flags.config) : undefined
      const { startWorker } = await import('../composition/start-worker.js')
      const starting = startWorker({
        backendStoreUri: flags.backendStoreUri,
        artifactsDestination: flags.artifactsDestination,
        defaultArtifactRoot: flags.defaultArtifactRoot ?? 'mlflow-artifacts:',
        ...(flags.queue !== undefined && { queue: flags.queue }),
        concurrency: Math.max(1, flags.concurrency),
        leaseMs: Math.round(flags.queueLease * 1000),
        logFormat: flags.logFormat,
        gracefulTimeoutMs: Math.round(flags.gracefulTimeout * 1000),
        ...(operator && { operator }),
      })
      closeOnSignals(async () => (await starting).close(), false)
      await starting
    })
}
