/** The command line both tracking benchmarks take: `[--only keel|mlflow] [--backend sqlite|postgres]`. */
import { type Backend, backendArg } from './postgres.js'

export type TrackingTarget = 'keel' | 'mlflow'

export function trackingArgs(input: readonly string[], bench: string): { targets: TrackingTarget[]; backend: Backend } {
  const argv = [...input]
  const backend = backendArg(argv)
  let targets: TrackingTarget[] = ['keel', 'mlflow']
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const only = a === '--only' ? argv[++i] : a?.startsWith('--only=') ? a.slice(7) : undefined
    if (only === 'keel' || only === 'mlflow') targets = [only]
    else throw new Error(`usage: ${bench} [--only keel|mlflow] [--backend sqlite|postgres] (got ${only ?? a})`)
  }
  return { targets, backend }
}
