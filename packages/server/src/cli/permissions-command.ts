/**
 * `keel permissions`: per-user grants on experiments, registered models and deployments, as
 * MLflow's basic-auth app defines them (READ < USE < EDIT < MANAGE, NO_PERMISSIONS). Granting
 * needs MANAGE on the resource, or an admin.
 */
import { Argument, type Command } from 'commander'
import pc from 'picocolors'
import { oneOf } from './arg-parsers.js'
import { authFor, withClientOptions, type ClientFlags } from './client-options.js'
import { printJson, printTable } from './output.js'

const RESOURCE_TYPES = ['experiment', 'registered_model', 'deployment'] as const
const PERMISSIONS = ['READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'] as const

const resourceArguments = (command: Command): Command =>
  command
    .argument('<username>', 'user name')
    .addArgument(new Argument('<type>', RESOURCE_TYPES.join(' | ')).argParser(oneOf(RESOURCE_TYPES)))
    .argument('<resource-id>', 'experiment id, registered model name or deployment name')

export function registerPermissionCommands(program: Command): void {
  const permissions = program.command('permissions').description("Users' permissions on experiments, registered models and deployments")

  withClientOptions(resourceArguments(permissions.command('grant')))
    .description('Give a user a permission on one resource, replacing any grant they hold on it (needs MANAGE on it, or an admin)')
    .addArgument(new Argument('<permission>', PERMISSIONS.join(' | ')).argParser(oneOf(PERMISSIONS)))
    .action(async (username: string, type: string, id: string, permission: string, flags: ClientFlags) => {
      const auth = authFor(flags)
      let replaced = false
      try {
        await auth.grantPermission(username, type, id, permission)
      } catch (error) {
        // The API (as MLflow's) refuses a second grant on a resource: replace the first.
        if ((error as { code?: string }).code !== 'RESOURCE_ALREADY_EXISTS') throw error
        await auth.revokePermission(username, type, id)
        await auth.grantPermission(username, type, id, permission)
        replaced = true
      }
      if (flags.json) return printJson({ username, resourceType: type, resourceId: id, permission, replaced })
      process.stdout.write(`${pc.green('✓')} ${username} has ${pc.bold(permission)} on ${type} ${id}${replaced ? pc.dim(' (replacing the previous grant)') : ''}\n`)
    })

  withClientOptions(resourceArguments(permissions.command('revoke')))
    .description("Remove a user's grant on one resource (they fall back to the default permission)")
    .action(async (username: string, type: string, id: string, flags: ClientFlags) => {
      await authFor(flags).revokePermission(username, type, id)
      if (flags.json) return printJson({ username, resourceType: type, resourceId: id, revoked: true })
      process.stdout.write(`${pc.yellow('revoked')} the grant of ${username} on ${type} ${id}\n`)
    })

  withClientOptions(resourceArguments(permissions.command('get')))
    .description("A user's effective permission on one resource (grants, roles and the default resolved)")
    .action(async (username: string, type: string, id: string, flags: ClientFlags) => {
      const found = await authFor(flags).getPermission(username, type, id)
      if (flags.json) return printJson({ username, resourceType: type, resourceId: id, ...found })
      process.stdout.write(`${username} has ${pc.bold(found.permission)} on ${type} ${id}${found.allowed ? '' : pc.dim(' (no access)')}\n`)
    })

  withClientOptions(permissions.command('list'))
    .description("A user's grants, direct and through roles (default: your own)")
    .argument('[username]', 'user name (default: you)')
    .action(async (username: string | undefined, flags: ClientFlags) => {
      const found = await authFor(flags).listPermissions(username)
      if (flags.json) return printJson(found)
      if (found.isAdmin) process.stdout.write(`${pc.bold(username ?? 'you')} ${username ? 'is' : 'are'} an admin: every permission on everything\n`)
      printTable(
        ['Type', 'Resource', 'Permission', 'Via'],
        found.permissions.map((p) => [p.resourceType, p.resourcePattern, p.permission, /^__user_\d+__$/.test(p.roleName) ? 'direct grant' : `role ${p.roleName}`]),
      )
    })
}
