/**
 * Remembers what a lookup found, for lookups whose answer never changes once there is one (the
 * experiment of a run or of a logged model: neither moves). A miss is not remembered (the run may
 * be created next); the memory is bounded.
 */
export function rememberFound<V>(
  lookup: (key: string) => Promise<V | undefined>,
  maxEntries = 100_000,
): (key: string) => Promise<V | undefined> {
  const found = new Map<string, V>()
  return async (key) => {
    const hit = found.get(key)
    if (hit !== undefined) return hit
    const value = await lookup(key)
    if (value !== undefined) {
      if (found.size >= maxEntries) found.clear()
      found.set(key, value)
    }
    return value
  }
}
