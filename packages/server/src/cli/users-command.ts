/**
 * `keel users` and `keel whoami`: accounts on a server with authentication on. Admins create,
 * list, delete and promote users; anyone changes their own password. Passwords are typed without
 * echo or piped with `--password-stdin`, never given as arguments.
 */
import type { Command } from 'commander'
import pc from 'picocolors'
import { parseBoolean } from './arg-parsers.js'
import { credentialsHint } from './credentials-hint.js'
import { authFor, withClientOptions, type ClientFlags } from './client-options.js'
import { printJson, printTable } from './output.js'
import { readPasswords, type PasswordFlags } from './password-input.js'

const STDIN_HELP = 'read the password from stdin, one line (changing your own: the current one, then the new one)'

export function registerUserCommands(program: Command): void {
  const users = program
    .command('users')
    .description(
      'Users of a server with authentication on: admins create, delete and promote them; anyone lists them and changes their own password',
    )

  withClientOptions(users.command('create'))
    .description('Create a user; the password is typed without echo, or read with --password-stdin')
    .argument('<username>', 'user name')
    .option('--password-stdin', 'read the password from stdin (one line)')
    .action(async (username: string, flags: ClientFlags & PasswordFlags) => {
      const [password] = await readPasswords(flags, [`Password for ${username}: `])
      const user = await authFor(flags).createUser(username, password!)
      if (flags.json) return printJson(user)
      process.stdout.write(`${pc.green('✓')} created user ${pc.bold(user.username)} (id ${user.id})\n`)
    })

  withClientOptions(users.command('list'))
    .description('List users with their roles')
    .action(async (flags: ClientFlags) => {
      const list = await authFor(flags).listUsers()
      if (flags.json) return printJson(list)
      printTable(
        ['ID', 'Username', 'Admin', 'Roles'],
        list.map((u) => [u.id, u.username, u.isAdmin ? 'yes' : '', u.roles.map((r) => r.name).join(', ')]),
      )
    })

  withClientOptions(users.command('delete'))
    .description('Delete a user with their grants and tokens')
    .argument('<username>', 'user name')
    .action(async (username: string, flags: ClientFlags) => {
      await authFor(flags).deleteUser(username)
      if (flags.json) return printJson({ username, deleted: true })
      process.stdout.write(`${pc.yellow('deleted')} user ${username}\n`)
    })

  withClientOptions(users.command('set-admin'))
    .description('Make a user an admin (true) or not (false)')
    .argument('<username>', 'user name')
    .argument('<admin>', 'true | false', parseBoolean)
    .action(async (username: string, isAdmin: boolean, flags: ClientFlags) => {
      await authFor(flags).updateAdmin(username, isAdmin)
      if (flags.json) return printJson({ username, isAdmin })
      process.stdout.write(`${pc.green('✓')} ${username} is ${isAdmin ? 'now an admin' : 'no longer an admin'}\n`)
    })

  withClientOptions(users.command('password'))
    .description("Change a password: your own (asks for the current one too), or anyone's as an admin")
    .argument('<username>', 'user name')
    .option('--password-stdin', STDIN_HELP)
    .action(async (username: string, flags: ClientFlags & PasswordFlags) => {
      const auth = authFor(flags)
      const own = (await auth.whoAmI()).user?.username === username
      const [first, second] = await readPasswords(
        flags,
        own ? ['Current password: ', 'New password: '] : [`New password for ${username}: `],
      )
      if (own) await auth.updatePassword(username, second!, first!)
      else await auth.updatePassword(username, first!)
      if (flags.json) return printJson({ username, passwordChanged: true })
      process.stdout.write(`${pc.green('✓')} changed the password of ${username}\n`)
    })

  withClientOptions(program.command('whoami'))
    .description('Who the server takes you for (from MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and _PASSWORD)')
    .action(async (flags: ClientFlags) => {
      const me = await authFor(flags).whoAmI()
      if (me.authEnabled && me.user === undefined) {
        process.stderr.write(`${pc.red('error')} not signed in: ${credentialsHint()}\n`)
        process.exitCode = 1
      }
      if (flags.json) return printJson(me)
      if (!me.authEnabled) {
        process.stdout.write(`authentication is off on this server: every caller may do everything\n`)
      } else if (me.user) {
        printTable(
          ['Field', 'Value'],
          [
            ['user', me.user.username],
            ['admin', me.user.isAdmin ? 'yes' : 'no'],
            ['default permission', me.defaultPermission ?? ''],
          ],
        )
      }
    })
}
