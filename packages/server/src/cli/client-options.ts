import type { Command } from 'commander'
import { AuthClient, RegistryClient, TrackingClient } from '@keel/sdk'

export interface ClientFlags {
  trackingUri?: string
  json?: boolean
}

/** Options every client command takes: where the server is, and machine-readable output. */
export function withClientOptions(command: Command): Command {
  return command
    .option(
      '--tracking-uri <url>',
      'tracking server (default: $KEEL_TRACKING_URI, $MLFLOW_TRACKING_URI, http://127.0.0.1:5000)',
    )
    .option('--json', 'print JSON instead of a table')
}

export function clientFor(flags: ClientFlags): TrackingClient {
  return new TrackingClient(flags.trackingUri ? { trackingUri: flags.trackingUri } : {})
}

export function registryFor(flags: ClientFlags): RegistryClient {
  return new RegistryClient(flags.trackingUri ? { trackingUri: flags.trackingUri } : {})
}

/** Users, tokens, permissions and the audit log; credentials from MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD. */
export function authFor(flags: ClientFlags): AuthClient {
  return new AuthClient(flags.trackingUri ? { trackingUri: flags.trackingUri } : {})
}
