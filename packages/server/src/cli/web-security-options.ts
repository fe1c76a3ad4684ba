/**
 * The browser-security flags of `keel server` and `keel models serve`, with MLflow's names:
 * `--allowed-hosts`, `--cors-allowed-origins`, `--x-frame-options`. `keel server` also reads
 * MLflow's variables for them (MLFLOW_SERVER_ALLOWED_HOSTS, …); a flag wins over a variable.
 */
import { InvalidArgumentError, Option } from 'commander'
import { invalidHostEntry } from '../web-security/hosts.js'
import { invalidOriginEntry } from '../web-security/origins.js'
import { type FrameOptions, type WebSecurityOptions, parseFrameOptions, splitList } from '../web-security/policy.js'

export interface WebSecurityFlags {
  allowedHosts?: string[]
  corsAllowedOrigins?: string[]
  xFrameOptions?: FrameOptions
}

function list(check: (entry: string) => string | undefined) {
  return (value: string): string[] => {
    const entries = splitList(value)
    if (entries.length === 0) throw new InvalidArgumentError('expected a comma-separated list')
    for (const entry of entries) {
      const problem = check(entry)
      if (problem !== undefined) throw new InvalidArgumentError(problem)
    }
    return entries
  }
}

/** The three options; `mlflowEnv` also reads them from MLflow's server variables. */
export function webSecurityOptions(mlflowEnv: boolean): [hosts: Option, origins: Option, frames: Option] {
  const hosts = new Option(
    '--allowed-hosts <hosts>',
    'Host names this server answers to besides localhost, comma-separated; * as a wildcard, * alone for any ' +
      "(default: the bound address; on 0.0.0.0 or ::, the machine's addresses and name). Others get 403 (DNS rebinding)",
  ).argParser(list(invalidHostEntry))
  const origins = new Option(
    '--cors-allowed-origins <origins>',
    'origins whose pages may call this server (CORS, with credentials), comma-separated, e.g. https://app.example.com; ' +
      '* for any origin without credentials (default: none, same-origin only)',
  ).argParser(list(invalidOriginEntry))
  const frames = new Option(
    '--x-frame-options <value>',
    'X-Frame-Options: SAMEORIGIN (default), DENY, or NONE to send none',
  ).argParser((value) => {
    try {
      return parseFrameOptions(value)
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message.replace(/^--x-frame-options: /, ''))
    }
  })
  if (mlflowEnv) {
    hosts.env('MLFLOW_SERVER_ALLOWED_HOSTS')
    origins.env('MLFLOW_SERVER_CORS_ALLOWED_ORIGINS')
    frames.env('MLFLOW_SERVER_X_FRAME_OPTIONS')
  }
  return [hosts, origins, frames]
}

export function webSecurityFrom(flags: WebSecurityFlags): WebSecurityOptions {
  return {
    ...(flags.allowedHosts !== undefined && { allowedHosts: flags.allowedHosts }),
    ...(flags.corsAllowedOrigins !== undefined && { corsAllowedOrigins: flags.corsAllowedOrigins }),
    ...(flags.xFrameOptions !== undefined && { xFrameOptions: flags.xFrameOptions }),
  }
}
