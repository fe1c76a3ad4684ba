/** Source-code lineage helpers (no DOM). */

/** A browsable URL for a commit of a repository on a known forge, else undefined. */
export function commitUrl(repo: string | undefined, commit: string | undefined): string | undefined {
  if (!repo || !commit) return undefined
  const https = repo.replace(/^git@([^:]+):/, 'https://$1/').replace(/\.git$/, '')
  if (!/^https:\/\/(github\.com|gitlab\.com|bitbucket\.org)\//.test(https)) return undefined
  return `${https}/commit/${commit}`
}
