/**
 * The loopback rule both servers follow: beyond loopback (`--host 0.0.0.0`, a LAN address), a
 * server without authentication lets anyone who reaches the port in, so it refuses to start that
 * way (exit code 2, naming both ways out) unless told `--no-auth`, and then warns.
 */
import cluster from 'node:cluster'

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\]|::ffff:127(\.\d{1,3}){3})$/i

/** What one server risks when open, and the command lines that close it or accept it. */
export interface Exposure {
  /** What anyone who can reach the port could do, e.g. "read, change and delete everything". */
  readonly risk: string
  /** The command line that turns authentication on, listening on `host`. */
  turnOn(host: string): string
  /** The command line that says the network is trusted. */
  noAuth(host: string): string
}

/** `keel server`: the tracking server, registry and artifacts. */
export const TRACKING_SERVER_EXPOSURE: Exposure = {
  risk: 'read, change and delete everything',
  turnOn: (host) => `MLFLOW_AUTH_ADMIN_PASSWORD=... keel server --host ${host} --app-name basic-auth`,
  noAuth: (host) => `keel server --host ${host} --no-auth`,
}

/** `keel models serve`: open, like MLflow's `mlflow models serve`. */
export const MODEL_SERVER_EXPOSURE: Exposure = {
  risk: 'call the model, read its metadata and metrics, and fill the prediction log',
  turnOn: (host) =>
    `keel models serve -m MODEL --host ${host} --require-auth   (callers then need credentials the tracking server accepts)`,
  noAuth: (host) => `keel models serve -m MODEL --host ${host} --no-auth`,
}

export const isLoopback = (host: string): boolean => LOOPBACK.test(host)

/**
 * Exits 2 with what to do when `host` is beyond loopback and authentication is off; `auth` is
 * false when `--no-auth` was given (then only a warning, printed once by a cluster's primary).
 */
export function refuseOpenNetworkWithoutAuth(host: string, auth: boolean, exposure: Exposure): void {
  if (isLoopback(host)) return
  if (auth) {
    process.stderr.write(
      `error: refusing to listen on ${host} without authentication: anyone who can reach this port could ${exposure.risk}.\n` +
        `  Turn authentication on:  ${exposure.turnOn(host)}\n` +
        `  or, on a network you trust, say so:  ${exposure.noAuth(host)}\n`,
    )
    process.exit(2)
  }
  if (cluster.isPrimary)
    process.stderr.write(
      `warning: listening on ${host} WITHOUT authentication (--no-auth): anyone who can reach this port can ${exposure.risk}.\n`,
    )
}
