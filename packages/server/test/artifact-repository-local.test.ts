/** The artifact repository conformance suite on the local folder (`--artifacts-destination <dir>`). */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { LocalArtifactRepository } from '../src/artifacts/local-artifact-repository.js'
import { runArtifactRepositoryConformance } from './conformance/artifact-repository-conformance.js'

/** Every file below `folder` (temp files included), relative, sorted. */
async function files(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(folder, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort()
}

runArtifactRepositoryConformance('local folder', async () => {
  const sandbox = await mkdtemp(path.join(tmpdir(), 'keel-artifacts-conf-'))
  const root = path.join(sandbox, 'root')
  const outsideFiles = [path.join(sandbox, 'secret.txt'), path.join(sandbox, 'root-other', 'secret.txt')]
  return {
    repo: new LocalArtifactRepository(root),
    stored: () => files(root),
    async seedOutside() {
      for (const file of outsideFiles) {
        await mkdir(path.dirname(file), { recursive: true })
        await writeFile(file, 'secret')
      }
    },
    async outside() {
      const seen: Record<string, string> = {}
      for (const file of await files(sandbox)) {
        if (!file.startsWith('root/')) seen[file] = await readFile(path.join(sandbox, file), 'utf8')
      }
      return seen
    },
    close: () => rm(sandbox, { recursive: true, force: true }),
  }
})
