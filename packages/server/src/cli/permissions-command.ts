/**
 * `keel permissions`: per-user grants on experiments, registered models and deployments, as
 * MLflow's basic-auth app defines them (READ < USE < EDIT < MANAGE, and DENY, which wins over any
 * other grant). Granting needs MANAGE on the resource, or an admin.
 */
import { Argument, type Command } from 'commander'
import pc from 'picocolors'
import { oneOf } from './arg-parsers.js'
import { authFor, withClientOptions, type ClientFlags } from './client-options.js'
import { printJson, printTable } from './output.js'

const RESOURCE_TYPES = ['experiment', 'registered_model', 'deployment'] as const
const PERMISSIONS = ['READ', 'USE', 'EDIT', 'MANAGE', 'DENY'] as const

const resourceArguments = (command: Command): Command =>
  command
    .argument('<username>', 'user name')
    .addArgument(new Argument('<type>', RESOURCE_TYPES.join(' | ')).argParser(oneOf(RESOURCE_TYPES)))
    .argument('<resource-id>', 'experiment id, registered model name or deployment name')

export function registerPermissionCommands(program: Command): void {
  const permissions = program
    .command('permissions')
    .description("Users' permissions on experiments, registered models and deployments")

  withClientOptions(resourceArguments(permissions.command('grant')))
    .description(
      'Give a user a permission on one resource, replacing any grant they hold on it (needs MANAGE on it, or an admin)',
    )
    .addArgument(new Argument('<permission>', PERMISSIONS.join(' | ')).argParser(oneOf(PERMISSIONS)))
    .action(async (username: string, type: string, id: string, permission: string, flags: ClientFlags) => {
      // keel's set: a grant they already hold there is replaced in the same write.
      await authFor(flags).setPermission(username, type, id, permission)
      if (flags.json) return printJson({ username, resourceType: type, resourceId: id, permission })
      process.stdout.write(`${pc.green('✓')} ${username} has ${pc.bold(permission)} on ${type} ${id}\n`)
    })

  withClientOptions(permissions.command('who'))
    .description('Who holds what on one resource, directly or through a role (needs MANAGE on it, or an admin)')
    .addArgument(new Argument('<type>', RESOURCE_TYPES.join(' | ')).argParser(oneOf(RESOURCE_TYPES)))
    .argument('<resource-id>', 'experiment id, registered model name or deployment name')
    .action(async (type: string, id: string, flags: ClientFlags) => {
      const grants = await authFor(flags).listResourceGrants(type, id)
      if (flags.json) return printJson(grants)
      printTable(
        ['User', 'Permission', 'On', 'Via'],
        grants.map((g) => [
          g.username,
          g.permission,
          g.resourcePattern === '*' ? `every ${type}` : `${type} ${id}`,
          g.role === undefined ? 'direct grant' : `role ${g.role}`,
        ]),
      )
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
      process.stdout.write(
        `${username} has ${pc.bold(found.permission)} on ${type} ${id}${found.allowed ? '' : pc.dim(' (no access)')}\n`,
      )
    })

  withClientOptions(permissions.command('list'))
    .description("A user's grants, direct and through roles (default: your own)")
    .argument('[username]', 'user name (default: you)')
    .action(async (username: string | undefined, flags: ClientFlags) => {
      const found = await authFor(flags).listPermissions(username)
      if (flags.json) return printJson(found)
      if (found.isAdmin)
        process.stdout.write(
          `${pc.bold(username ?? 'you')} ${username ? 'is' : 'are'} an admin: every permission on everything\n`,
        )
      printTable(
        ['Type', 'Resource', 'Permission', 'Via'],
        found.permissions.map((p) => [
          p.resourceType,
          p.resourcePattern,
          p.permission,
          /^__user_\d+__$/.test(p.roleName) ? 'direct grant' : `role ${p.roleName}`,
        ]),
      )
    })
}
