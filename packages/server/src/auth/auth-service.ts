/**
 * Identities: users and their passwords (scrypt), personal access tokens and browser sessions,
 * and turning a request's credentials into a principal. MLflow's rules and messages where MLflow
 * has them (password length, self-service password change, admins not deleting themselves).
 */
import { KeelError } from '@keel/contracts'
import type { AuthStore, StoredToken, StoredUser, TokenKind } from './auth-store.js'
import { VerifiedCredentials, hashPassword, verifyPassword } from './passwords.js'
import type { PermissionName } from './permissions.js'
import type { Principal } from './principal.js'
import { issueToken, parseToken, secretMatches } from './tokens.js'

export interface AuthSettings {
  readonly defaultPermission: PermissionName
  readonly adminUsername: string
  /** Creates the admin on first start; needed only until the admin exists. */
  readonly adminPassword?: string
  /** How long a browser session lasts (default 12 hours). */
  readonly sessionMs?: number
}

export const MIN_PASSWORD_LENGTH = 12
export const DEFAULT_TOKEN_DAYS = 90
export const MAX_TOKEN_DAYS = 730
const DEFAULT_SESSION_MS = 12 * 3_600_000
/** A token's last use is written at most this often, so reads do not turn into writes. */
const TOUCH_EVERY_MS = 60_000

export function checkUsername(username: string): string {
  if (username === '') throw KeelError.invalid('Username cannot be empty.')
  if (username.length > 256) throw KeelError.invalid('Username is longer than 256 characters.')
  if (/[\p{Cc}:]/u.test(username)) {
    throw KeelError.invalid(
      `Username '${username.replace(/\p{Cc}/gu, '?')}' may not contain ':' or control characters (HTTP basic auth could not carry it).`,
    )
  }
  return username
}

export function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw KeelError.invalid(`Password must be at least ${MIN_PASSWORD_LENGTH} characters.`)
  if (password.length > 1024) throw KeelError.invalid('Password must be at most 1024 characters.')
  return password
}

const principalOf = (user: StoredUser, via: Principal['via'], tokenId?: string): Principal => ({
  username: user.username,
  userId: user.id,
  isAdmin: user.isAdmin,
  authenticated: true,
  ...(via !== undefined && { via }),
  ...(tokenId !== undefined && { tokenId }),
})

export class AuthService {
  private readonly verified = new VerifiedCredentials()
  private readonly touched = new Map<string, number>()

  constructor(
    readonly store: AuthStore,
    readonly settings: AuthSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates the admin user on first start (MLflow's bootstrap): refuses to start without a
   * password for it, since no default one is shipped.
   */
  async bootstrapAdmin(): Promise<{ created: boolean }> {
    const { adminUsername: username, adminPassword: password } = this.settings
    checkUsername(username)
    if (await this.store.getUser(username)) return { created: false }
    if (!password) {
      throw KeelError.invalid(
        `keel's authentication needs a password to create the admin user '${username}', but none is configured: set the MLFLOW_AUTH_ADMIN_PASSWORD ` +
          'environment variable, or `admin_password` in the file named by MLFLOW_AUTH_CONFIG_PATH, and start again.',
      )
    }
    try {
      checkPassword(password)
    } catch (error) {
      throw KeelError.invalid(
        `The configured password for the admin user '${username}' is invalid: ${(error as Error).message}`,
      )
    }
    try {
      await this.store.createUser(username, await hashPassword(password), true, this.now())
    } catch (error) {
      // Another worker created it first.
      if (!(error instanceof KeelError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error
      return { created: false }
    }
    return { created: true }
  }

  // ---- authentication ----

  /** The user whose name and password these are, or undefined. */
  async authenticatePassword(username: string, password: string): Promise<Principal | undefined> {
    const user = await this.store.getUser(username)
    if (!user) {
      // Spend the same time as a wrong password, so timing does not tell which names exist.
      await verifyPassword(password, DUMMY_HASH)
      return undefined
    }
    if (this.verified.has(username, password, user.passwordHash)) return principalOf(user, 'basic')
    if (!(await verifyPassword(password, user.passwordHash))) return undefined
    this.verified.remember(username, password, user.passwordHash)
    return principalOf(user, 'basic')
  }

  /** The owner of a live token (or session), or undefined. */
  async authenticateToken(token: string, kind: TokenKind): Promise<Principal | undefined> {
    const parsed = parseToken(token)
    if (!parsed) return undefined
    const stored = await this.store.getToken(parsed.tokenId)
    if (!stored || stored.kind !== kind || !secretMatches(parsed.secret, stored.secretHash) || !this.isLive(stored))
      return undefined
    const user = await this.store.getUserById(stored.userId)
    if (!user) return undefined
    await this.touch(stored.tokenId)
    return principalOf(user, kind === 'token' ? 'token' : 'session', stored.tokenId)
  }

  private isLive(token: StoredToken): boolean {
    return token.revokedTime === null && token.expiresTime > this.now()
  }

  private async touch(tokenId: string): Promise<void> {
    const now = this.now()
    if (now - (this.touched.get(tokenId) ?? 0) < TOUCH_EVERY_MS) return
    this.touched.set(tokenId, now)
    if (this.touched.size > 10_000) this.touched.clear()
    await this.store.touchToken(tokenId, now)
  }

  // ---- users ----

  async createUser(username: string, password: string): Promise<StoredUser> {
    if (!username || !password) throw KeelError.invalid('Username and password cannot be empty.')
    checkUsername(username)
    checkPassword(password)
    return this.store.createUser(username, await hashPassword(password), false, this.now())
  }

  async getUser(username: string): Promise<StoredUser> {
    const user = await this.store.getUser(username)
    if (!user) throw KeelError.notFound(`User with username=${username} not found`)
    return user
  }

  async getUserById(id: number): Promise<StoredUser> {
    const user = await this.store.getUserById(id)
    if (!user) throw KeelError.notFound(`User with id=${id} not found`)
    return user
  }

  listUsers(): Promise<StoredUser[]> {
    return this.store.listUsers()
  }

  /** A user changing their own password must give the current one (MLflow's self-service rule). */
  async updatePassword(
    requester: Principal,
    username: string,
    password: string,
    currentPassword: string | undefined,
  ): Promise<void> {
    const user = await this.getUser(username)
    if (requester.username === username) {
      if (!currentPassword) throw KeelError.invalid('Current password is required when changing your own password.')
      if (!(await verifyPassword(currentPassword, user.passwordHash)))
        throw KeelError.invalid('Current password does not match.')
      if (password === currentPassword) throw KeelError.invalid('New password must differ from the current password.')
    }
    checkPassword(password)
    await this.store.updateUser(username, { passwordHash: await hashPassword(password) })
  }

  async updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    await this.store.updateUser(username, { isAdmin })
  }

  async deleteUser(requester: Principal, username: string): Promise<void> {
    if (requester.username === username) {
      throw new KeelError(
        'BAD_REQUEST',
        'Users cannot delete their own account. Ask another admin to delete this user instead.',
      )
    }
    await this.getUser(username)
    await this.store.deleteUser(username)
  }

  // ---- tokens and sessions ----

  async createToken(
    userId: number,
    name: string,
    expiresInDays = DEFAULT_TOKEN_DAYS,
  ): Promise<{ token: string; info: StoredToken }> {
    if (name.trim() === '' || name.length > 256)
      throw KeelError.invalid('A token needs a name of 1 to 256 characters (what it is for).')
    if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > MAX_TOKEN_DAYS) {
      throw KeelError.invalid(
        `expires_in_days must be a whole number of days from 1 to ${MAX_TOKEN_DAYS}; got ${expiresInDays}`,
      )
    }
    return this.issue(userId, 'token', name.trim(), expiresInDays * 86_400_000)
  }

  createSession(userId: number, userAgent: string | undefined): Promise<{ token: string; info: StoredToken }> {
    return this.issue(
      userId,
      'session',
      (userAgent ?? 'browser').slice(0, 256),
      this.settings.sessionMs ?? DEFAULT_SESSION_MS,
    )
  }

  private async issue(
    userId: number,
    kind: TokenKind,
    name: string,
    lifetimeMs: number,
  ): Promise<{ token: string; info: StoredToken }> {
    const issued = issueToken()
    const createdTime = this.now()
    const info: StoredToken = {
      tokenId: issued.tokenId,
      userId,
      kind,
      name,
      secretHash: issued.secretHash,
      createdTime,
      expiresTime: createdTime + lifetimeMs,
      lastUsedTime: null,
      revokedTime: null,
    }
    await this.store.createToken(info)
    return { token: issued.token, info }
  }

  listTokens(userId: number): Promise<StoredToken[]> {
    return this.store.listTokens(userId, 'token')
  }

  /** Owners revoke their own tokens; admins any. */
  async revokeToken(requester: Principal, tokenId: string): Promise<void> {
    const token = await this.store.getToken(tokenId)
    if (token?.kind !== 'token' || (!requester.isAdmin && token.userId !== requester.userId)) {
      throw KeelError.notFound(`No token with id '${tokenId}' among your tokens`)
    }
    if (!(await this.store.revokeToken(tokenId, this.now())))
      throw KeelError.invalid(`Token '${tokenId}' is already revoked`)
  }

  async endSession(tokenId: string): Promise<void> {
    await this.store.revokeToken(tokenId, this.now())
  }
}

/** A valid hash of a random password: verifying against it costs what a real check costs. */
const DUMMY_HASH = 'scrypt:32768:8:1$c2FsdHNhbHRzYWx0c2FsdA==$2vY0s3Vv2o8o1vYQ8mVb3Yw3o3xJ6l1P0n1o9Yk2b3A='
