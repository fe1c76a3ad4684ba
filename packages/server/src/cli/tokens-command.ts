/**
 * `keel tokens`: personal access tokens for scripts and CI (MLFLOW_TRACKING_TOKEN). The secret is
 * printed once, when created; the server keeps only its hash.
 */
import type { TokenInfo } from '@keel/sdk'
import type { Command } from 'commander'
import pc from 'picocolors'
import { positiveInt } from './arg-parsers.js'
import { authFor, withClientOptions, type ClientFlags } from './client-options.js'
import { formatTime, printJson, printTable } from './output.js'

export function registerTokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('Your personal access tokens, for MLFLOW_TRACKING_TOKEN')

  withClientOptions(tokens.command('create'))
    .description('Create a token for yourself; its secret is shown only now')
    .argument('<name>', 'what it is for, e.g. ci')
    .option('--expires-in-days <n>', 'lifetime in days (default: the server decides)', positiveInt)
    .action(async (name: string, flags: ClientFlags & { expiresInDays?: number }) => {
      const created = await authFor(flags).createToken(name, flags.expiresInDays)
      if (flags.json) return printJson(created)
      process.stdout.write(
        `${pc.green('✓')} created token ${pc.bold(created.info.name)} (id ${created.info.tokenId}, expires ${formatTime(created.info.expiresTime)} UTC)\n\n`,
      )
      process.stdout.write(`  ${created.token}\n\n`)
      process.stdout.write(
        `${pc.yellow('Copy it now: it cannot be shown again.')} Use it as MLFLOW_TRACKING_TOKEN=<token>.\n`,
      )
    })

  withClientOptions(tokens.command('list'))
    .description('List your tokens (an admin: anyone’s, with --user), without their secrets')
    .option('-u, --user <username>', "another user's tokens (admins)")
    .action(async (flags: ClientFlags & { user?: string }) => {
      const list = await authFor(flags).listTokens(flags.user)
      if (flags.json) return printJson(list)
      const now = Date.now()
      printTable(
        ['ID', 'Name', 'Status', 'Created', 'Expires', 'Last used'],
        list.map((t) => [
          t.tokenId,
          t.name,
          status(t, now),
          formatTime(t.createdTime),
          formatTime(t.expiresTime),
          formatTime(t.lastUsedTime),
        ]),
      )
    })

  withClientOptions(tokens.command('revoke'))
    .description('Revoke a token (yours; an admin: anyone’s); it stops working at once')
    .argument('<token-id>', 'the id from `keel tokens list`')
    .action(async (tokenId: string, flags: ClientFlags) => {
      await authFor(flags).revokeToken(tokenId)
      if (flags.json) return printJson({ tokenId, revoked: true })
      process.stdout.write(`${pc.yellow('revoked')} token ${tokenId}\n`)
    })
}

function status(t: TokenInfo, now: number): string {
  if (t.revokedTime !== undefined) return pc.dim(`revoked ${formatTime(t.revokedTime)}`)
  if (t.expiresTime <= now) return pc.dim('expired')
  return pc.green('active')
}
