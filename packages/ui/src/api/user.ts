/**
 * Who the person at this browser says they are, for the registry's audit trail ("who approved
 * this for production?"). keel has no authentication yet, so this is their word, exactly as the
 * SDK's `KEEL_USER` is; it is kept in this browser and sent as `X-Keel-User` with every request.
 */
const KEY = 'keel.user'

export function actingUser(): string {
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
