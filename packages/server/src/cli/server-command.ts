import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { ServerConfig } from '../composition/start-keel-server.js'
import { byteSize } from './byte-size.js'
import { TRACKING_SERVER_EXPOSURE, refuseOpenNetworkWithoutAuth } from './network-exposure.js'
import { closeOnSignals, superviseWorkers } from './server-lifecycle.js'
import { type WebSecurityFlags, webSecurityFrom, webSecurityOptions } from './web-security-options.js'

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535)')
  return n
}

function workers(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a number of workers (1-64)')
  return n
}

export function leaseSeconds(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 1 || n > 3600) throw new InvalidArgumentError('expected seconds (1-3600)')
  return n
}

export function queueWorkers(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new InvalidArgumentError('expected a number of jobs (0-256)')
  return n
}

function seconds(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || n > 86400) throw new InvalidArgumentError('expected seconds (0-86400)')
  return n
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 5000,
  backendStoreUri: 'sqlite:///keel.db',
  artifactsDestination: './keel-artifacts',
}

interface ServerFlags extends WebSecurityFlags {
  host: string
  port: number
  backendStoreUri: string
  artifactsDestination: string
  defaultArtifactRoot?: string
  serveArtifacts: boolean
  workers: number
  logFormat: 'text' | 'json'
  requestLog: boolean
  monitorInterval: number
  config?: string
  maxArtifactSize: number
  minFreeDisk: number
  gracefulTimeout: number
  appName?: 'basic-auth'
  /** false with --no-auth: serve off loopback without authentication, knowingly. */
  auth: boolean
  convertOnRegister?: 'onnx'
  convertEnvManager: 'local' | 'virtualenv' | 'uv'
  queue?: string
  queueWorkers: number
  queueLease: number
}

/** `keel server`, with MLflow's flag names so existing command lines carry over. */
export function registerServerCommand(program: Command, onConfig?: (config: ServerConfig) => void): void {
  const [allowedHosts, corsAllowedOrigins, xFrameOptions] = webSecurityOptions(true)
  program
    .command('server')
    .description('Run the tracking server (REST API; UI later) on an embedded SQLite store')
    .option('-h, --host <host>', 'address to listen on', DEFAULTS.host)
    .option('-p, --port <port>', 'port to listen on', port, DEFAULTS.port)
    .addOption(
      new Option(
        '--backend-store-uri <uri>',
        'SQL store: sqlite:///relative.db, sqlite:////absolute.db, or postgresql://user:password@host:5432/db',
      )
        .env('MLFLOW_BACKEND_STORE_URI')
        .default(DEFAULTS.backendStoreUri),
    )
    .addOption(
      new Option(
        '--artifacts-destination <uri>',
        'where proxied artifacts are stored: a folder, or s3://bucket/prefix (MLFLOW_S3_ENDPOINT_URL, AWS_* credentials)',
      )
        .env('MLFLOW_ARTIFACTS_DESTINATION')
        .default(DEFAULTS.artifactsDestination),
    )
    .addOption(
      new Option(
        '--default-artifact-root <uri>',
        'artifact root of new experiments (default: mlflow-artifacts:, served by this server; or s3://bucket/prefix, which clients write to themselves)',
      ).env('MLFLOW_DEFAULT_ARTIFACT_ROOT'),
    )
    .option('--no-serve-artifacts', 'do not serve artifacts (clients write to the artifact root themselves)')
    .option('-w, --workers <n>', 'processes sharing the port (SQLite serialises writes across them)', workers, 1)
    .addOption(new Option('--log-format <format>', 'request log format').choices(['text', 'json']).default('text'))
    .option('--no-request-log', 'do not log one line per request')
    .option(
      '--monitor-interval <seconds>',
      'run live monitors every this many seconds (0: only on request)',
      seconds,
      10,
    )
    .option(
      '--max-artifact-size <bytes>',
      'largest proxied artifact upload (k/M/G/T suffixes; default 5G)',
      byteSize,
      5 * 1024 ** 3,
    )
    .option(
      '--min-free-disk <bytes>',
      'refuse uploads that would leave less free space on the artifact volume (default 1G; 0: off)',
      byteSize,
      1024 ** 3,
    )
    .option(
      '--graceful-timeout <seconds>',
      'on SIGTERM/SIGINT, how long requests in flight may take to finish',
      seconds,
      10,
    )
    .addOption(allowedHosts)
    .addOption(corsAllowedOrigins)
    .addOption(xFrameOptions)
    .option(
      '--config <file>',
      "the operator's configuration (YAML or JSON): named actions alert rules may run, private webhook targets allowed",
    )
    .addOption(
      new Option(
        '--app-name <name>',
        "basic-auth: users, tokens and permissions as MLflow's basic-auth app (admin from MLFLOW_AUTH_ADMIN_PASSWORD or MLFLOW_AUTH_CONFIG_PATH)",
      ).choices(['basic-auth']),
    )
    .option('--no-auth', 'allow listening beyond this machine (--host 0.0.0.0) without authentication')
    .addOption(
      new Option(
        '--convert-on-register <format>',
        'convert each new version of the registered models tagged keel.convert_to=onnx (scikit-learn, XGBoost, LightGBM) to ONNX in the background, ' +
          "check it on the version's input example and register it as the next version; the server then runs Python on those models' files " +
          '(loading a pickle runs code): only where everyone who may register models may run code on this machine',
      ).choices(['onnx']),
    )
    .addOption(
      new Option(
        '--convert-env-manager <manager>',
        "with --convert-on-register: the converter's Python: local ($KEEL_PYTHON or python3, with mlflow and the converters) or an environment built from the model's requirements (virtualenv, uv)",
      )
        .choices(['local', 'virtualenv', 'uv'])
        .default('local'),
    )
    .addOption(
      new Option(
        '--queue <uri>',
        'the work queue of background jobs (live monitors, alert deliveries): redis://host:port/db for BullMQ on Redis (default: jobs are rows of the backend store)',
      ).env('KEEL_QUEUE_URI'),
    )
    .option(
      '--queue-workers <n>',
      'background jobs this process runs at once (0: none here; `keel worker` runs them)',
      queueWorkers,
      4,
    )
    .option(
      '--queue-lease <seconds>',
      "the durable queue's lease: a job whose worker died is retried this long after its last renewal",
      leaseSeconds,
      30,
    )
    .action(async (flags: ServerFlags) => {
      const config = await serverConfigFrom(flags)
      if (onConfig) return onConfig(config)
      // Loaded on use, so that client commands start without the server's dependencies.
      const { startServer } = await import('../composition/start-keel-server.js')
      const { openDatabase } = await import('../sql/open-database.js')
      const count = Math.min(flags.workers, availableParallelism() * 2)
      if (count > 1 && cluster.isPrimary) {
        // Migrate once, before the workers open the database.
        await (await openDatabase(config.backendStoreUri)).close()
        superviseWorkers(count, Math.round(flags.gracefulTimeout * 1000))
        return
      }
      // Handlers first: a signal during start-up closes the server once it is up.
      const starting = startServer(config)
      closeOnSignals(async () => (await starting).close(), cluster.isWorker)
      await starting
    })
}

/**
 * What `keel server` would run with, from its arguments (`['--app-name', 'basic-auth', ...]`) as the
 * command parses them, the environment included: tests build the app in-process from the same
 * command lines users type. Throws the CLI's own message on a bad argument.
 */
export async function serverConfigFromArgs(args: readonly string[]): Promise<ServerConfig> {
  let captured: ServerConfig | undefined
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })
  registerServerCommand(program, (config) => {
    captured = config
  })
  await program.parseAsync(['server', ...args], { from: 'user' })
  if (!captured) throw new Error('keel server: the arguments did not reach the command')
  return captured
}

/** The configuration `keel server` runs with, from its parsed flags (and the environment for auth). */
async function serverConfigFrom(flags: ServerFlags): Promise<ServerConfig> {
  const authSettings =
    flags.appName === 'basic-auth' ? await (await import('../auth/auth-config.js')).readAuthSettings() : undefined
  if (!authSettings) refuseOpenNetworkWithoutAuth(flags.host, flags.auth, TRACKING_SERVER_EXPOSURE)
  const { loadOperatorConfig } = await import('../config/operator-config.js')
  // Before anything starts: an invalid configuration stops the server with its message.
  const operator = flags.config !== undefined ? await loadOperatorConfig(flags.config) : undefined
  return {
    host: flags.host,
    port: flags.port,
    backendStoreUri: flags.backendStoreUri,
    artifactsDestination: flags.artifactsDestination,
    defaultArtifactRoot:
      flags.defaultArtifactRoot ?? (flags.serveArtifacts ? 'mlflow-artifacts:' : flags.artifactsDestination),
    serveArtifacts: flags.serveArtifacts,
    logFormat: flags.logFormat,
    requestLog: flags.requestLog,
    monitorIntervalMs: Math.round(flags.monitorInterval * 1000),
    maxArtifactBytes: flags.maxArtifactSize,
    minFreeDiskBytes: flags.minFreeDisk,
    gracefulTimeoutMs: Math.round(flags.gracefulTimeout * 1000),
    // With --workers, one of them sweeps what interrupted uploads left.
    sweepStaleUploads: !cluster.isWorker || cluster.worker?.id === 1,
    webSecurity: webSecurityFrom(flags),
    ...(operator && { operator }),
    ...(authSettings && { auth: authSettings }),
    ...(flags.queue !== undefined && { queue: flags.queue }),
    queueWorkers: flags.queueWorkers,
    queueLeaseMs: Math.round(flags.queueLease * 1000),
    ...(flags.convertOnRegister !== undefined && {
      convertOnRegister: {
        to: flags.convertOnRegister,
        envManager: flags.convertEnvManager,
        // Read at start, as the operator's choice: the environment of later requests plays no part.
        ...(process.env.KEEL_PYTHON ? { python: process.env.KEEL_PYTHON } : {}),
        ...(process.env.KEEL_PYTHON_ENV_CACHE ? { envCacheDir: process.env.KEEL_PYTHON_ENV_CACHE } : {}),
      },
    }),
  }
}
