/**
 * The tracking server as the model server's authority on callers, through the SDK's AuthClient:
 * who a caller's `Authorization` header belongs to (`users/current`) and their effective
 * permission on a registered model (`users/permissions/get`, which a user may ask about
 * themselves). Each question is asked with the caller's own header, never the model server's
 * credentials, once (no retries: the caller is waiting), within a timeout.
 */
import { AuthClient, HttpClient, KeelError } from '@keel/sdk'

export interface VerifiedUser {
  readonly username: string
  readonly isAdmin: boolean
}

/** MLflow's permission levels that let a user do something with a model; anything else (NO_PERMISSIONS, DENY) is 0. */
const LEVELS: Readonly<Record<string, number>> = { READ: 1, USE: 2, EDIT: 3, MANAGE: 4 }

/** What serving a model asks of a caller: READ for its metadata, USE (MLflow's) to predict. */
export type ModelAction = 'read' | 'use'

export function permits(permission: string, action: ModelAction): boolean {
  return (LEVELS[permission] ?? 0) >= (action === 'use' ? LEVELS.USE! : LEVELS.READ!)
}

/** The tracking server could not answer (down, slow, or an answer that makes no sense): nothing is let through. */
export class TrackingUnavailable extends Error {
  override readonly name = 'TrackingUnavailable'

  constructor(
    /** What the caller is told (no address of the tracking server). */
    message: string,
    /** What the operator's log gets: the tracking server's address and the failure. */
    readonly detail: string,
  ) {
    super(message)
  }
}

/** The tracking server refused the caller's credentials (401). */
export const UNAUTHENTICATED = Symbol('unauthenticated')

/** How long one call to the tracking server may take before the request is answered 503. */
export const DEFAULT_TRACKING_TIMEOUT_MS = 5_000

export class TrackingAuthority {
  constructor(
    /** The tracking server's base URL, without a trailing slash. */
    readonly baseUrl: string,
    private readonly timeoutMs = DEFAULT_TRACKING_TIMEOUT_MS,
  ) {}

  /** Whether the tracking server asks for credentials (keel's public `whoami`). */
  async authEnabled(): Promise<boolean> {
    const answer = await this.ask(undefined, (auth) => auth.whoAmI())
    if (answer === UNAUTHENTICATED)
      throw new TrackingUnavailable('the tracking server refused whoami', `${this.baseUrl}: whoami answered 401`)
    return answer.authEnabled
  }

  /** The user the header belongs to, or UNAUTHENTICATED when the tracking server refuses it. */
  async currentUser(authorization: string): Promise<VerifiedUser | typeof UNAUTHENTICATED> {
    return this.ask(authorization, async (auth) => {
      const user = await auth.currentUser()
      return { username: user.username, isAdmin: user.isAdmin }
    })
  }

  /** The user's effective permission (READ, USE, EDIT, MANAGE, NO_PERMISSIONS, ...) on a registered model. */
  async modelPermission(
    authorization: string,
    username: string,
    model: string,
  ): Promise<string | typeof UNAUTHENTICATED> {
    return this.ask(
      authorization,
      async (auth) => (await auth.getPermission(username, 'registered_model', model)).permission,
    )
  }

  private async ask<T>(
    authorization: string | undefined,
    question: (auth: AuthClient) => Promise<T>,
  ): Promise<T | typeof UNAUTHENTICATED> {
    // The caller's header replaces whatever credentials the SDK would take from this process's
    // environment (only the public whoami goes without one).
    const http = new HttpClient({
      trackingUri: this.baseUrl,
      ...(authorization !== undefined && { headers: { authorization } }),
      retry: { maxAttempts: 1 },
      timeoutMs: this.timeoutMs,
    })
    try {
      return await question(new AuthClient(http))
    } catch (error) {
      if (error instanceof KeelError && error.code === 'UNAUTHENTICATED') return UNAUTHENTICATED
      const reason =
        error instanceof KeelError && error.code === 'TEMPORARILY_UNAVAILABLE'
          ? 'is unreachable'
          : 'did not answer as expected'
      throw new TrackingUnavailable(
        `the tracking server ${reason}`,
        `${this.baseUrl}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
}
