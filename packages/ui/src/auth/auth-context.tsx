/**
 * Who is using the UI. On load it asks the server (`keel/auth/whoami`) whether it asks for
 * credentials: without authentication the UI works as before (the "Acting as" name); with it, the
 * signed-in user is here, and any 401 later (the session ended) signs the browser out, so that the
 * routes send it to the sign-in page with the address to come back to.
 */
import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react'
import { onUnauthorized } from '../api/client'
import { setAuthEnabled } from '../api/user'
import { ErrorBox, Loading } from '../components/states'
import { type SignedInUser, type WhoAmI, signOut as apiSignOut, whoAmI } from './auth-data'

/** Why no one is signed in: never was, the session ended under a page, or they signed out. */
export type SignedOutReason = 'none' | 'expired' | 'signed-out'

export interface Auth {
  readonly authEnabled: boolean
  /** The signed-in user (with authentication on). */
  readonly user: SignedInUser | undefined
  readonly defaultPermission: string | undefined
  readonly reason: SignedOutReason
  signedIn(user: SignedInUser): void
  signOut(): Promise<void>
}

const AuthContext = createContext<Auth | undefined>(undefined)

export function useAuth(): Auth {
  const auth = useContext(AuthContext)
  if (!auth) throw new Error('useAuth outside <AuthProvider>')
  return auth
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [who, setWho] = useState<WhoAmI | undefined>()
  const [error, setError] = useState<Error | undefined>()
  const [attempt, setAttempt] = useState(0)
  const [user, setUser] = useState<SignedInUser | undefined>()
  const [reason, setReason] = useState<SignedOutReason>('none')
  const userRef = useRef(user)
  userRef.current = user

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is what triggers asking the server again (Try again after a failure), not a value the request reads
  useEffect(() => {
    const controller = new AbortController()
    whoAmI(controller.signal).then(
      (w) => {
        setAuthEnabled(w.authEnabled)
        setWho(w)
        setUser(w.user)
        setError(undefined)
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)))
      },
    )
    return () => controller.abort()
  }, [attempt])

  useEffect(() => {
    onUnauthorized(() => {
      // Only a signed-in browser's 401 means its session ended (a wrong password at sign-in is not that).
      if (userRef.current === undefined) return
      userRef.current = undefined
      setUser(undefined)
      setReason('expired')
    })
    return () => onUnauthorized(undefined)
  }, [])

  const signedIn = useCallback((u: SignedInUser) => {
    setUser(u)
    setReason('none')
  }, [])
  const signOut = useCallback(async () => {
    // Signed out here even if the server could not be told (its session then expires on its own).
    await apiSignOut().catch(() => undefined)
    userRef.current = undefined
    setUser(undefined)
    setReason('signed-out')
  }, [])

  const value = useMemo<Auth | undefined>(
    () =>
      who && {
        authEnabled: who.authEnabled,
        user,
        defaultPermission: who.defaultPermission,
        reason,
        signedIn,
        signOut,
      },
    [who, user, reason, signedIn, signOut],
  )

  if (error && !who) {
    return (
      <main className="page">
        <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />
      </main>
    )
  }
  if (!value) {
    return (
      <main className="page">
        <Loading what="keel" />
      </main>
    )
  }
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}
