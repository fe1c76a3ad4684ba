/**
 * An access guard for apps built in a test without authentication (everyone is an administrator):
 * the permission table still applies, so every mounted route must have its row.
 */
import { AccessGuard } from '../../src/auth/access-guard.js'
import { AccessService } from '../../src/auth/access-service.js'
import type { AuthStore } from '../../src/auth/auth-store.js'
import { PERMISSION_TABLE } from '../../src/auth/route-permissions.js'

const noStore = new Proxy({} as AuthStore, {
  get: () => () => Promise.reject(new Error('authentication is off in this test')),
})

export function openGuard(): AccessGuard {
  const unknown = async () => undefined
  return new AccessGuard({
    auth: undefined,
    access: new AccessService(noStore, 'READ'),
    table: PERMISSION_TABLE,
    locate: {
      experimentIdByName: unknown,
      experimentOfRun: unknown,
      experimentOfLoggedModel: unknown,
      experimentOfTrace: unknown,
      deploymentOfMonitor: unknown,
      deploymentsOfRequests: async () => ({ deployments: [], unknown: 0 }),
      isProtectedAlias: async () => false,
      modelOfAliasRequest: unknown,
    },
  })
}
