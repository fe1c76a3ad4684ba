/**
 * Who the person at this browser says they are, for the registry's audit trail ("who approved
 * this for production?"), when the server runs without authentication: their word, exactly as the
 * SDK's `KEEL_USER` is; it is kept in this browser and sent as `X-Keel-User` with every request.
 * With authentication on, the session says who they are and no name is sent.
 */
const KEY = 'keel.user'

let authEnabled = false

/** The server authenticates this browser (its session cookie): the claimed name is not sent. */
export function setAuthEnabled(on: boolean): void {
  authEnabled = on
}

export function actingUser(): string {
  if (authEnabled) return ''
  try {
    return window.localStorage.getItem(KEY)?.trim() ?? ''
  } catch {
    return ''
  }
}

export function setActingUser(name: string): void {
  try {
    if (name.trim()) window.localStorage.setItem(KEY, name.trim())
    else window.localStorage.removeItem(KEY)
  } catch {
    // storage disabled: the name lasts until the page is reloaded
  }
}
