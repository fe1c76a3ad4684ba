/**
 * The basic-auth settings, read as MLflow reads them: the ini file at MLFLOW_AUTH_CONFIG_PATH
 * (section [mlflow]: default_permission, admin_username, admin_password) with the environment's
 * MLFLOW_AUTH_ADMIN_USERNAME / MLFLOW_AUTH_ADMIN_PASSWORD taking precedence when set. The ini's
 * database_uri is not used: keel keeps users and grants in its own store.
 */
import { readFile } from 'node:fs/promises'
import { KeelError } from '@keel/contracts'
import type { AuthSettings } from './auth-service.js'
import { isPermissionName } from './permissions.js'

/** configparser's basics: [sections], `key = value` or `key: value`, `#` and `;` comment lines. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {}
  let current: Record<string, string> | undefined
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const section = /^\[([^\]]+)\]$/.exec(line)
    if (section) {
      current = sections[section[1]!.trim()] ??= {}
      continue
    }
    const sep = line.search(/[=:]/)
    if (sep <= 0 || current === undefined)
      throw KeelError.invalid(`line ${index + 1}: expected [section] or key = value, got '${line.slice(0, 80)}'`)
    current[line.slice(0, sep).trim().toLowerCase()] = line.slice(sep + 1).trim()
  }
  return sections
}

export async function readAuthSettings(env: NodeJS.ProcessEnv = process.env): Promise<AuthSettings> {
  let ini: Record<string, string> = {}
  const path = env.MLFLOW_AUTH_CONFIG_PATH
  if (path) {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      throw KeelError.invalid(
        `Cannot read the auth configuration MLFLOW_AUTH_CONFIG_PATH=${path}: ${(error as Error).message}`,
      )
    }
    try {
      ini = parseIni(text).mlflow ?? {}
    } catch (error) {
      throw KeelError.invalid(`${path}: ${(error as Error).message}`)
    }
  }
  const defaultPermission = (ini.default_permission ?? 'READ').toUpperCase()
  if (!isPermissionName(defaultPermission) || defaultPermission === 'DENY') {
    throw KeelError.invalid(
      `${path ?? 'auth configuration'}: default_permission '${ini.default_permission}' is not one of READ, USE, EDIT, MANAGE, NO_PERMISSIONS`,
    )
  }
  // As MLflow: an environment variable that is set wins even when empty.
  const adminUsername =
    ('MLFLOW_AUTH_ADMIN_USERNAME' in env ? env.MLFLOW_AUTH_ADMIN_USERNAME : ini.admin_username) || 'admin'
  const adminPassword =
    ('MLFLOW_AUTH_ADMIN_PASSWORD' in env ? env.MLFLOW_AUTH_ADMIN_PASSWORD : ini.admin_password) || undefined
  return { defaultPermission, adminUsername, ...(adminPassword !== undefined && { adminPassword }) }
}
