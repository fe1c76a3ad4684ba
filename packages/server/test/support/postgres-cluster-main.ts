/**
 * A throwaway PostgreSQL cluster for another program (scripts/compat.mjs --postgres): starts one,
 * prints its maintenance database's URI on a line of stdout, and removes it when this process is
 * told to stop (SIGTERM, SIGINT) or its parent closes stdin.
 */
import { startPostgresCluster } from './postgres-cluster.js'

const cluster = await startPostgresCluster()
let stopped = false
const stop = (): void => {
  if (stopped) return
  stopped = true
  cluster.destroy()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
process.stdout.write(`${cluster.uri('postgres')}\n`)
