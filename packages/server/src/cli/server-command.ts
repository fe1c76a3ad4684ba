import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { ServerConfig } from '../server.js'

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

interface ServerFlags {
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
}

/** `keel server`, with MLflow's flag names so existing command lines carry over. */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Run the tracking server (REST API; UI later) on an embedded SQLite store')
    .option('-h, --host <host>', 'address to listen on', DEFAULTS.host)
    .option('-p, --port <port>', 'port to listen on', port, DEFAULTS.port)
    .option('--backend-store-uri <uri>', 'SQL store: sqlite:///relative.db or sqlite:////absolute.db', DEFAULTS.backendStoreUri)
    .option('--artifacts-destination <dir>', 'folder where proxied artifacts are stored', DEFAULTS.artifactsDestination)
    .option('--default-artifact-root <uri>', 'artifact root of new experiments (default: mlflow-artifacts:, served by this server)')
    .option('--no-serve-artifacts', 'do not serve artifacts (clients write to the artifact root themselves)')
    .option('-w, --workers <n>', 'processes sharing the port (SQLite serialises writes across them)', workers, 1)
    .addOption(new Option('--log-format <format>', 'request log format').choices(['text', 'json']).default('text'))
    .option('--no-request-log', 'do not log one line per request')
    .option('--monitor-interval <seconds>', 'run live monitors every this many seconds (0: only on request)', seconds, 10)
    .option('--config <file>', "the operator's configuration (YAML or JSON): named actions alert rules may run, private webhook targets allowed")
    .action(async (flags: ServerFlags) => {
      // Loaded on use, so that client commands start without the server's dependencies.
      const { startServer } = await import('../server.js')
      const { openDatabase } = await import('../sql/open-database.js')
      const { loadOperatorConfig } = await import('../config/operator-config.js')
      // Before anything starts: an invalid configuration stops the server with its message.
      const operator = flags.config !== undefined ? await loadOperatorConfig(flags.config) : undefined
      const config: ServerConfig = {
        host: flags.host,
        port: flags.port,
        backendStoreUri: flags.backendStoreUri,
        artifactsDestination: flags.artifactsDestination,
        defaultArtifactRoot: flags.defaultArtifactRoot ?? (flags.serveArtifacts ? 'mlflow-artifacts:' : flags.artifactsDestination),
        serveArtifacts: flags.serveArtifacts,
        logFormat: flags.logFormat,
        requestLog: flags.requestLog,
        monitorIntervalMs: Math.round(flags.monitorInterval * 1000),
        ...(operator && { operator }),
      }
      const count = Math.min(flags.workers, availableParallelism() * 2)
      if (count > 1 && cluster.isPrimary) {
        // Migrate once, before the workers open the database.
        await (await openDatabase(config.backendStoreUri)).close()
        for (let i = 0; i < count; i++) cluster.fork()
        let stopping = false
        cluster.on('exit', (worker, code) => {
          if (!stopping && code !== 0) console.error(`keel worker ${worker.process.pid} exited with code ${code}`)
        })
        const stopWorkers = (signal: NodeJS.Signals) => {
          stopping = true
          for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal)
          cluster.disconnect(() => process.exit(0))
        }
        process.once('SIGINT', () => stopWorkers('SIGINT'))
        process.once('SIGTERM', () => stopWorkers('SIGTERM'))
        return
      }
      const server = await startServer(config)
      const stop = () => {
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        )
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
}
