/**
 * Who is calling. With authentication on, a signed-in user; with it off (a laptop), everyone acts
 * as an administrator and the name is the client's word (the user of an HTTP basic header, else
 * `X-Keel-User`, else "unknown"), recorded as such.
 */
export interface Principal {
  readonly username: string
  /** Undefined when authentication is off. */
  readonly userId: number | undefined
  readonly isAdmin: boolean
  /** False when authentication is off: the name was claimed, not proven. */
  readonly authenticated: boolean
  readonly via?: 'basic' | 'token' | 'session'
  /** The session or token id the caller used (sign-out ends that session). */
  readonly tokenId?: string
}

const MAX_CLAIMED_NAME = 256

/** The principal of a request to a server without authentication. */
export function unauthenticatedPrincipal(claimedName: string | undefined): Principal {
  const name = claimedName
    ?.trim()
    .replace(/\p{Cc}/gu, '')
    .slice(0, MAX_CLAIMED_NAME)
  return { username: name || 'unknown', userId: undefined, isAdmin: true, authenticated: false }
}
