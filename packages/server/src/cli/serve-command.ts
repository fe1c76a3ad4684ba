/**
 * `keel models serve`: serves a registered model (or a deployment of several variants) over the
 * Open Inference Protocol v2 and MLflow's scoring protocol, with MLflow's flag names
 * (`-m/--model-uri`, `-p/--port`, `-h/--host`, `-w/--workers`, `--env-manager`).
 */
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { EnvManager } from '@keel/sdk'
import { type Command, InvalidArgumentError, Option } from 'commander'
import pc from 'picocolors'
import type { Deployment } from '../serving/deployment.js'
import { DEFAULTS } from '../serving/deployment-defaults.js'
import type { DeploymentSpec } from '../serving/deployment-spec.js'
import { byteSize } from './byte-size.js'
import { MODEL_SERVER_EXPOSURE, refuseOpenNetworkWithoutAuth } from './network-exposure.js'
import { type WebSecurityFlags, webSecurityFrom, webSecurityOptions } from './web-security-options.js'

interface ServeFlags extends WebSecurityFlags {
  modelUri?: string
  deployment?: string
  name?: string
  host: string
  port: number
  workers?: number
  trackingUri?: string
  envManager: string
  pollInterval?: number
  maxBatchSize?: number
  maxBatchWaitMs?: number
  maxConcurrency?: number
  maxBodyBytes?: number
  predictionLog: boolean
  cacheDir?: string
  gracefulTimeout?: number
  logFormat: 'text' | 'json'
  requireAuth?: boolean
  authCacheSeconds?: number
  pythonWorkers?: number
  timeout?: number
  pythonMaxMemory?: number
  batching: boolean
  /** false with --no-python. */
  python: string | boolean
  /** false with --no-auth: serve off loopback without --require-auth, knowingly. */
  auth: boolean
}

const integer =
  (what: string, min: number, max: number) =>
  (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${what} (${min}-${max})`)
    return n
  }

const seconds = (value: string): number => {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || n > 3600) throw new InvalidArgumentError('expected a number of seconds (0-3600)')
  return n
}

/** The deployment the flags describe: a file's, with flags overriding it, or one model. */
async function specFrom(flags: ServeFlags): Promise<DeploymentSpec> {
  // Loaded when the command runs, not when the CLI starts (it brings the YAML parser and the SDK).
  const { defaultDeploymentName, parseDeploymentFile, validateDeployment } = await import(
    '../serving/deployment-spec.js'
  )
  const overrides: Partial<Record<keyof DeploymentSpec, unknown>> = {
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.pollInterval !== undefined && { pollIntervalMs: flags.pollInterval }),
    ...(flags.maxConcurrency !== undefined && { maxConcurrency: flags.maxConcurrency }),
    ...(flags.maxBodyBytes !== undefined && { maxBodyBytes: flags.maxBodyBytes }),
    ...(flags.maxBatchSize !== undefined && {
      batching: { maxBatchSize: flags.maxBatchSize, maxWaitMs: flags.maxBatchWaitMs ?? 2 },
    }),
  }
  if (flags.deployment !== undefined) {
    const spec = parseDeploymentFile(
      await readFile(flags.deployment, 'utf8'),
      flags.deployment,
      overrides as Partial<DeploymentSpec>,
    )
    return flags.predictionLog
      ? spec
      : validateDeployment({ ...spec, predictionLog: { ...spec.predictionLog, enabled: false } })
  }
  if (flags.modelUri === undefined)
    throw new InvalidArgumentError('give a model (-m models:/NAME@ALIAS) or a deployment file (--deployment FILE)')
  return validateDeployment({
    name: defaultDeploymentName(flags.modelUri),
    variants: [{ name: 'default', modelUri: flags.modelUri, weight: 1, shadow: false }],
    pollIntervalMs: DEFAULTS.pollIntervalMs,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    maxConcurrency: DEFAULTS.maxConcurrency,
    predictionLog: { ...DEFAULTS.predictionLog, enabled: flags.predictionLog },
    ...(overrides as Partial<DeploymentSpec>),
  })
}

function banner(
  url: string,
  spec: DeploymentSpec,
  workers: number,
  requireAuth: boolean,
  deployment?: Deployment,
): string {
  const lines = [
    `${pc.green('✓')} Serving ${pc.bold(spec.name)} on ${pc.cyan(url)} with ${workers} worker${workers === 1 ? '' : 's'}`,
  ]
  const live = spec.variants.filter((v) => !v.shadow)
  const total = live.reduce((s, v) => s + v.weight, 0)
  for (const v of spec.variants) {
    const loaded = deployment?.variants.find((x) => x.name === v.name)
    const version = loaded?.version !== undefined ? ` → version ${loaded.version}` : ''
    const flavor = loaded !== undefined ? ` (${loaded.model.flavor})` : ''
    const share = v.shadow ? 'shadow' : `${Math.round((1000 * v.weight) / total) / 10}%`
    lines.push(`  ${v.name.padEnd(12)} ${share.padStart(7)}  ${v.modelUri}${version}${flavor}`)
  }
  if (spec.stickyHeader !== undefined) lines.push(`  sticky on header ${spec.stickyHeader}`)
  if (spec.stickyField !== undefined) lines.push(`  sticky on input field ${spec.stickyField}`)
  lines.push(
    pc.dim(
      `  POST ${url}/invocations            MLflow scoring (dataframe_split, dataframe_records, instances, inputs, text/csv)`,
    ),
    pc.dim(`  POST ${url}/v2/models/${spec.name}/infer   Open Inference Protocol v2`),
    pc.dim(`  GET  ${url}/metrics                Prometheus`),
  )
  if (!spec.predictionLog.enabled) lines.push(pc.dim('  prediction log off'))
  if (requireAuth)
    lines.push(pc.dim('  credentials required, checked against the tracking server (health probes open)'))
  return `${lines.join('\n')}\n`
}

export function registerServeCommand(models: Command): void {
  const [allowedHosts, corsAllowedOrigins, xFrameOptions] = webSecurityOptions(false)
  models
    .command('serve')
    .description(
      'Serve a model over the Open Inference Protocol (v2) and MLflow scoring, with traffic splits, shadows, hot promotion, metrics and a prediction log. ' +
        "Open to anyone who reaches the port unless --require-auth (as MLflow's `mlflow models serve`); beyond loopback it refuses to start without --require-auth unless --no-auth",
    )
    .option(
      '-m, --model-uri <uri>',
      'the model: models:/NAME@ALIAS (follows the alias), models:/NAME/VERSION, runs:/RUN/model, a folder',
    )
    .option(
      '-d, --deployment <file>',
      'a deployment file (YAML or JSON): variants with weights, shadows, sticky routing, batching',
    )
    .option('--name <name>', 'the model name clients address (default: the registered model name)')
    .option('-h, --host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on', integer('a port number', 0, 65535), 5000)
    .option(
      '-w, --workers <n>',
      'processes sharing the port (default: one per core)',
      integer('a number of workers', 1, 64),
    )
    .option(
      '--tracking-uri <url>',
      'tracking server (default: $KEEL_TRACKING_URI, $MLFLOW_TRACKING_URI, http://127.0.0.1:5000)',
    )
    .addOption(
      new Option(
        '--env-manager <manager>',
        "python_function models: where their Python workers run (as MLflow's flag): local (the Python on PATH or $KEEL_PYTHON, with mlflow installed), or virtualenv/uv (an environment built from the model's requirements, cached)",
      )
        .choices(['local', 'virtualenv', 'uv'])
        .default('local'),
    )
    .option(
      '--no-python',
      'refuse python_function models: serve only keel and ONNX models, whose loading runs no model code (a Python model runs its own code: pickles, custom classes)',
    )
    .option(
      '--python <interpreter>',
      'python_function models: the Python to run them with (local), or to build their environment from (default: $KEEL_PYTHON, else python3)',
    )
    .option(
      '--python-workers <n>',
      'python_function models: Python processes per server worker (default: the cores shared among the server workers)',
      integer('a number of workers', 1, 64),
    )
    .option(
      '-t, --timeout <seconds>',
      'python_function models: longest a prediction may take before its worker is stopped and the request answered 504 (default 60, as MLflow)',
      integer('a number of seconds', 1, 86_400),
    )
    .option(
      '--python-max-memory <size>',
      'python_function models: recycle a Python worker whose resident memory passes this (e.g. 2G)',
      byteSize,
    )
    .option(
      '--no-batching',
      'python_function models: predict each request alone (by default, requests queued for a worker share one call)',
    )
    .option(
      '--poll-interval <ms>',
      'how often aliases and stages are checked in the registry',
      integer('milliseconds', 50, 3_600_000),
    )
    .option(
      '--max-batch-size <rows>',
      'micro-batch requests up to this many rows (python_function models: the largest batch, default 1024; other models: off by default)',
      integer('a number of rows', 1, 100_000),
    )
    .option(
      '--max-batch-wait-ms <ms>',
      'longest a request waits for its micro-batch',
      integer('milliseconds', 0, 10_000),
    )
    .option(
      '--max-concurrency <n>',
      `requests in progress per worker before shedding with 503 (default ${DEFAULTS.maxConcurrency})`,
      integer('a number', 1, 1_000_000),
    )
    .option(
      '--max-body-bytes <n>',
      `largest request body (default ${DEFAULTS.maxBodyBytes})`,
      integer('bytes', 1024, 2 ** 31),
    )
    .option('--no-prediction-log', 'do not log requests to the tracking server')
    .option('--cache-dir <dir>', 'keep downloaded models here and reuse them')
    .option(
      '--graceful-timeout <seconds>',
      'on SIGTERM/SIGINT, how long requests in progress may take to finish, then the prediction log its last write (default 10 each)',
      seconds,
    )
    .addOption(new Option('--log-format <format>', 'log format').choices(['text', 'json']).default('text'))
    .addOption(allowedHosts)
    .addOption(corsAllowedOrigins)
    .addOption(xFrameOptions)
    .option(
      '--require-auth',
      "callers need credentials of the tracking server (Authorization: Basic user:password, or Bearer with a keel token): USE on every served registered model to predict, READ for metadata and /metrics; health probes stay open. Without it, anyone who reaches the port may predict, as with MLflow's `mlflow models serve`",
    )
    .option(
      '--auth-cache-seconds <seconds>',
      'with --require-auth: how long a verified credential and its permissions are remembered (default 30): a revoked token or permission stops working within this bound',
      integer('a number of seconds', 0, 3600),
    )
    .addOption(
      new Option('--no-auth', 'allow listening beyond this machine (--host 0.0.0.0) without --require-auth').conflicts(
        'requireAuth',
      ),
    )
    .action(async (flags: ServeFlags) => {
      if (flags.authCacheSeconds !== undefined && flags.requireAuth !== true)
        throw new InvalidArgumentError('--auth-cache-seconds applies only with --require-auth')
      if (flags.requireAuth !== true) refuseOpenNetworkWithoutAuth(flags.host, flags.auth, MODEL_SERVER_EXPOSURE)
      const spec = await specFrom(flags)
      const workers = flags.workers ?? availableParallelism()
      const python = {
        envManager: flags.envManager as EnvManager,
        ...(typeof flags.python === 'string' && { python: flags.python }),
        workers: flags.pythonWorkers ?? Math.max(1, Math.floor(availableParallelism() / workers)),
        batching: flags.batching,
        ...(flags.maxBatchSize !== undefined && { maxBatchRows: flags.maxBatchSize }),
        ...(flags.timeout !== undefined && { requestTimeoutMs: flags.timeout * 1000 }),
        ...(flags.pythonMaxMemory !== undefined && { maxMemoryBytes: flags.pythonMaxMemory }),
        ...(flags.cacheDir !== undefined && { cacheDir: join(flags.cacheDir, 'python-envs') }),
      }
      const { serve } = await import('../composition/start-model-server.js')
      const running = await serve(
        {
          spec,
          host: flags.host,
          port: flags.port,
          workers,
          ...(flags.trackingUri !== undefined && { trackingUri: flags.trackingUri }),
          ...(flags.cacheDir !== undefined && { cacheDir: flags.cacheDir }),
          ...(flags.gracefulTimeout !== undefined && { gracefulTimeoutMs: Math.round(flags.gracefulTimeout * 1000) }),
          logFormat: flags.logFormat,
          python: flags.python === false ? false : python,
          webSecurity: webSecurityFrom(flags),
          ...(flags.requireAuth === true && { requireAuth: { cacheTtlMs: (flags.authCacheSeconds ?? 30) * 1000 } }),
        },
        (url, deployment) => process.stdout.write(banner(url, spec, workers, flags.requireAuth === true, deployment)),
      )
      let stopping = false
      const stop = (): void => {
        if (stopping) return
        stopping = true
        void running.close().finally(() => process.exit(0))
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
}
