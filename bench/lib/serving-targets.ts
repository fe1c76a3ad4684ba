/**
 * What bench/serving.bench.ts measures: the servers (each in its default configuration as a user
 * starts it, tuned ones beside), how each is started and pinned to cores, and the shapes of the
 * results.
 */
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import type { MeasuredLoad } from './load.js'
import { groupPids } from './proc.js'
import { venvPython } from './python.js'
import { REPO_ROOT, type ServerHandle, keelServeListening, startServer, uvicornListening } from './servers.js'
import type { Protocol } from './serving-workload.js'

export interface Target {
  readonly id: string
  readonly label: string
  readonly server: 'keel' | 'mlflow' | 'floor'
  readonly flavor: 'keel-native' | 'onnx' | 'floor'
  /** The registered model served. */
  readonly model: string
  readonly args: readonly string[]
  readonly protocols: readonly Protocol[]
  /** Whether the paced 5,000 req/s run is made (not for MLflow, which is 5x short of the rate). */
  readonly paced: boolean
  /** A default configuration (the goals are read on these), or a tuned one reported beside. */
  readonly defaults: boolean
}

export interface Config {
  readonly seconds: number
  readonly rounds: number
  readonly warmupSeconds: number
  readonly levels: readonly number[]
  readonly rate: number
  readonly pacedConnections: number
  readonly pin: 'split' | 'shared' | 'none'
  readonly serverCores: string
  readonly generatorCores: string
  readonly generator: 'wrk' | 'autocannon'
  readonly keelExtraArgs: readonly string[]
}

export type Measured = MeasuredLoad & { readonly trackingCpuS: number }

export interface TargetResult {
  readonly target: Target
  readonly protocol: Protocol
  readonly levels: readonly { readonly connections: number; readonly runs: readonly Measured[] }[]
  readonly paced: readonly Measured[]
}

export interface Models {
  readonly columns: string[]
  readonly data: number[][]
  readonly sklearn: number[]
  readonly native: number[]
  readonly nativeAgreesWithSklearn: number
  readonly versions: Record<string, string>
}

export function targets(
  only: string | undefined,
  tuned: boolean,
  keelExtra: readonly string[],
  names: { NATIVE: string; ONNX: string },
): Target[] {
  const both: Protocol[] = ['invocations', 'v2']
  const extra = keelExtra.length > 0 ? ` ${keelExtra.join(' ')}` : ''
  const keel = (id: string, flavor: 'keel-native' | 'onnx', args: string[], defaults: boolean): Target => ({
    id,
    label: `keel ${flavor === 'onnx' ? 'ONNX' : 'native'} (${defaults ? 'defaults' : args.join(' ')}${extra})`,
    server: 'keel',
    flavor,
    model: flavor === 'onnx' ? names.ONNX : names.NATIVE,
    args: [...args, ...keelExtra],
    protocols: both,
    paced: true,
    defaults: defaults && keelExtra.length === 0,
  })
  const floor: Target[] = [
    {
      id: 'floor',
      label: 'floor (empty node:http)',
      server: 'floor',
      flavor: 'floor',
      model: names.ONNX,
      args: [],
      protocols: ['invocations'],
      paced: true,
      defaults: true,
    },
  ]
  const mlflow = (id: string, args: string[], defaults: boolean): Target => ({
    id,
    label: `MLflow ONNX (${defaults ? 'defaults' : args.join(' ')})`,
    server: 'mlflow',
    flavor: 'onnx',
    model: names.ONNX,
    args,
    protocols: ['invocations'],
    paced: false,
    defaults,
  })
  const plan = {
    floor,
    keel: [
      keel('keel-native', 'keel-native', [], true),
      keel('keel-onnx', 'onnx', [], true),
      ...(tuned ? [keel('keel-onnx-nolog', 'onnx', ['--no-prediction-log'], false)] : []),
    ],
    mlflow: [mlflow('mlflow', [], true), ...(tuned ? [mlflow('mlflow-w2', ['--workers', '2'], false)] : [])],
  }
  if (only === undefined) return [...plan.floor, ...plan.keel, ...plan.mlflow]
  if (only === 'keel' || only === 'mlflow' || only === 'floor') return plan[only]
  throw new Error(`--only takes keel, mlflow or floor, not ${only}`)
}

/** `taskset -c cores` before a command (nothing when unpinned). */
const pinned = (cores: string | undefined, exe: string): { exe: string; pre: string[] } =>
  cores === undefined ? { exe, pre: [] } : { exe: 'taskset', pre: ['-c', cores, exe] }

/** Pins every thread of every process in a running process group (the tracking server) to `cores`. */
export function pinGroup(pgid: number, cores: string): void {
  for (const pid of groupPids(pgid))
    execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' })
}

const floorListening = (log: string): string | undefined => /floor listening on (http:\/\/\S+)/.exec(log)?.[1]

/** Starts a target's server, pinned to `cores` (its workers and threads inherit the mask). */
export function startTarget(t: Target, tracking: ServerHandle, cores: string | undefined): Promise<ServerHandle> {
  const env = { MLFLOW_TRACKING_URI: tracking.url }
  if (t.server === 'floor') {
    const { exe, pre } = pinned(cores, process.execPath)
    return startServer({
      name: 'floor',
      exe,
      args: () => [...pre, join(REPO_ROOT, 'bench/lib/floor-server.mjs'), '0'],
      listening: floorListening,
      readyPath: '/ping',
      readyTimeoutMs: 10_000,
    })
  }
  if (t.server === 'keel') {
    // Its default workers follow the cores it may run on (os.availableParallelism honours the mask).
    const { exe, pre } = pinned(cores, process.execPath)
    return startServer({
      name: `keel-serve-${t.model}`,
      exe,
      args: () => [
        ...pre,
        join(REPO_ROOT, 'packages/server/bin/keel.js'),
        ...['models', 'serve', '-m', `models:/${t.model}/1`, '--host', '127.0.0.1', '--port', '0'],
        ...t.args,
      ],
      listening: keelServeListening,
      readyPath: '/v2/health/ready',
      readyTimeoutMs: 60_000,
      env,
    })
  }
  const bin = dirname(venvPython())
  const { exe, pre } = pinned(cores, join(bin, 'mlflow'))
  return startServer({
    name: 'mlflow-models-serve',
    exe,
    // `mlflow models serve --port 0` would not listen on port 0: it leaves an unset (falsy) port off
    // uvicorn's command line, which then takes 8000. So this one gets a port found free.
    choosePort: true,
    args: (_dir, port) => [
      ...pre,
      ...['models', 'serve', '-m', `models:/${t.model}/1`, '--env-manager', 'local'],
      ...['--host', '127.0.0.1', '--port', String(port)],
      ...t.args,
    ],
    listening: uvicornListening,
    readyPath: '/ping',
    readyTimeoutMs: 180_000,
    // `mlflow models serve` execs `uvicorn`, found on PATH: the venv's.
    env: { ...env, PATH: `${bin}:${process.env.PATH ?? ''}`, MLFLOW_DISABLE_TELEMETRY: 'true' },
  })
}
