/**
 * The files of a conversion at registration, in and out of the artifact store, through the server's
 * own services: the source version's files copied to a folder, and the ONNX model logged as a logged
 * model of the source's run (its files put in the store, `MLmodel` given the ids MLflow's log_model
 * writes) and registered as the next version of the same registered model, with its lineage.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { KeelError } from '@keel/contracts'
import {
  type CheckedConversion,
  conversionDescription,
  conversionTags,
  parseMLmodel,
  serializeMLmodel,
} from '@keel/sdk'
import { type ArtifactLocations, joinArtifactPath } from '../artifacts/artifact-locations.js'
import type { ModelVersionService } from '../registry/model-version-service.js'
import type { Actor } from '../registry/registered-model-service.js'
import type { StoredModelVersion } from '../registry/registry-store.js'
import type { LoggedModelService } from '../tracking/logged-model-service.js'
import type { RunService } from '../tracking/run-service.js'

export interface TwinServices {
  readonly modelVersions: ModelVersionService
  readonly loggedModels: LoggedModelService
  readonly runs: RunService
  readonly locations: ArtifactLocations
}

/** Copies the files of `version` from the artifact store into `dir`. */
export async function copyVersionFiles(
  locations: ArtifactLocations,
  version: StoredModelVersion,
  dir: string,
): Promise<void> {
  const { repo, path } = locations.resolve(version.storageLocation)
  let count = 0
  for await (const file of repo.walk(path)) {
    const target = join(dir, ...file.path.split('/'))
    await mkdir(dirname(target), { recursive: true })
    const { stream } = await repo.get(joinArtifactPath(path, file.path))
    await pipeline(stream, createWriteStream(target))
    count++
  }
  if (count === 0) throw KeelError.notFound(`No files at ${version.storageLocation}`)
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)))
}

/**
 * Logs the ONNX model in `dir` (MLmodel rewritten in place) and registers it as the next version of
 * the source's registered model, by `actor` (who registered the source).
 */
export async function registerTwin(
  services: TwinServices,
  source: StoredModelVersion,
  checked: CheckedConversion,
  dir: string,
  actor: Actor,
): Promise<StoredModelVersion> {
  const { modelVersions, loggedModels, runs, locations } = services
  const label = `models:/${source.name}/${source.version}`
  const runId = source.runId
  const sourceModel = source.modelId === undefined ? undefined : await loggedModels.get(source.modelId)
  const experimentId = runId !== undefined ? (await runs.getInfo(runId)).experimentId : sourceModel?.info.experimentId
  if (experimentId === undefined)
    throw new KeelError('INVALID_STATE', `${label} has no run or logged model to log the converted files under`)
  const logged = await loggedModels.create({
    experimentId,
    name: `${sourceModel?.info.name ?? 'model'}-onnx`,
    modelType: 'onnx',
    ...(runId !== undefined && { sourceRunId: runId }),
    tags: [
      { key: 'keel.converted_from', value: label },
      { key: 'keel.conversion', value: 'onnx' },
    ],
  })
  const { modelId, artifactUri } = logged.info
  try {
    const mlmodelPath = join(dir, 'MLmodel')
    const mlmodel = parseMLmodel(await readFile(mlmodelPath, 'utf8'), mlmodelPath)
    await writeFile(
      mlmodelPath,
      serializeMLmodel({ ...mlmodel, artifactPath: artifactUri, modelId, ...(runId !== undefined && { runId }) }),
    )
    const { repo, path } = locations.resolve(artifactUri)
    for (const file of await filesBelow(dir))
      await repo.put(joinArtifactPath(path, file.split(sep).join('/')), createReadStream(join(dir, file)))
  } catch (error) {
    await loggedModels.finalize(modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined)
    throw error
  }
  await loggedModels.finalize(modelId, 'LOGGED_MODEL_READY')
  if (runId !== undefined) await runs.logOutputs(runId, [{ modelId, step: 0 }])
  const tags = Object.entries(conversionTags(label, checked)).map(([key, value]) => ({ key, value }))
  return modelVersions.create(
    {
      name: source.name,
      source: `models:/${modelId}`,
      modelId,
      ...(runId !== undefined && { runId }),
      description: conversionDescription(label, checked),
      tags,
    },
    { actor: actor.actor, comment: `ONNX conversion of ${label} at registration (keel server --convert-on-register)` },
  )
}
