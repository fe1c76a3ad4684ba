/**
 * Conversion at registration: `keel server --convert-on-register onnx`. The operator allows it (the
 * server then runs Python: the interpreter of $KEEL_PYTHON, or environments built from the models'
 * requirements with --convert-env-manager virtualenv|uv); a registered model opts in with the tag
 * `keel.convert_to=onnx`. Each new version of such a model (not itself a conversion) is converted in
 * the background, one at a time, as `keel models convert` does (checked on the version's input
 * example), and registered as the next version with its lineage. The source version's tag
 * `keel.onnx_conversion` says where it stands: `pending`, `registered as models:/NAME/N`, or
 * `failed: <why>` (a version without an input example cannot be checked, so it fails saying so).
 *
 * Loading a model for conversion runs what its files hold (a pickle runs code): the flag is for a
 * server where everyone who may register a model may run code on the server's machine.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type EnvManager, convertAndCheck } from '@keel/sdk'
import type { ArtifactLocations } from '../artifacts/artifact-locations.js'
import type { ModelVersionService } from '../registry/model-version-service.js'
import type { Actor, RegisteredModelService } from '../registry/registered-model-service.js'
import type { StoredModelVersion } from '../registry/registry-store.js'
import type { LoggedModelService } from '../tracking/logged-model-service.js'
import type { RunService } from '../tracking/run-service.js'
import { copyVersionFiles, registerTwin } from './register-twin.js'

/** The registered-model tag a model opts in with, and the version tag that reports the outcome. */
export const CONVERT_TO_TAG = 'keel.convert_to'
export const OUTCOME_TAG = 'keel.onnx_conversion'
/** A version that is a conversion carries this tag (and is not converted again). */
const CONVERSION_TAG = 'keel.conversion'
const MAX_OUTCOME_LENGTH = 4000

export interface ConvertOnRegisterOptions {
  readonly to: 'onnx'
  /** local: `python` (else $KEEL_PYTHON, else python3); virtualenv/uv: built from the model's requirements plus the converters. */
  readonly envManager: EnvManager
  readonly python?: string
  /** Where built environments are cached (default: keel's). */
  readonly envCacheDir?: string
}

export interface ConvertOnRegisterServices {
  readonly registeredModels: RegisteredModelService
  readonly modelVersions: ModelVersionService
  readonly loggedModels: LoggedModelService
  readonly runs: RunService
  readonly locations: ArtifactLocations
  readonly log: {
    info(fields: Record<string, unknown>, message: string): void
    warn(fields: Record<string, unknown>, message: string): void
  }
}

export class ConvertOnRegister {
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly services: ConvertOnRegisterServices,
    private readonly options: ConvertOnRegisterOptions,
  ) {
    services.modelVersions.onVersionCreated((version, actor) => this.versionCreated(version, actor))
  }

  /** Resolves once every conversion queued so far has ended. */
  settled(): Promise<void> {
    return this.queue
  }

  /** A version was created: queues it if its model opted in (marking it `pending` before the request answers). */
  private async versionCreated(version: StoredModelVersion, actor: Actor): Promise<void> {
    try {
      if (version.tags.some((t) => t.key === CONVERSION_TAG)) return
      const model = await this.services.registeredModels.get(version.name)
      const wanted = model.tags
        .find((t) => t.key === CONVERT_TO_TAG)
        ?.value.trim()
        .toLowerCase()
      if (wanted === undefined) return
      if (wanted !== this.options.to) {
        await this.outcome(
          version,
          `failed: ${CONVERT_TO_TAG} is '${wanted}'; this server converts to ${this.options.to}`,
        )
        return
      }
      await this.outcome(version, 'pending')
      this.queue = this.queue
        .then(() => this.convert(version, actor))
        .catch((error: unknown) => {
          this.services.log.warn(
            { model: version.name, version: version.version, error: String(error) },
            'conversion at registration failed',
          )
        })
    } catch (error) {
      this.services.log.warn(
        { model: version.name, version: version.version, error: String(error) },
        'conversion at registration: could not queue the version',
      )
    }
  }

  private async outcome(version: StoredModelVersion, value: string): Promise<void> {
    const text = value.length > MAX_OUTCOME_LENGTH ? `${value.slice(0, MAX_OUTCOME_LENGTH - 1)}…` : value
    await this.services.modelVersions.setTag(version.name, version.version, { key: OUTCOME_TAG, value: text })
  }

  private async convert(version: StoredModelVersion, actor: Actor): Promise<void> {
    const label = `models:/${version.name}/${version.version}`
    const { log } = this.services
    const work = await mkdtemp(join(tmpdir(), 'keel-convert-on-register-'))
    try {
      const sourceDir = join(work, 'source')
      await copyVersionFiles(this.services.locations, version, sourceDir)
      const outDir = join(work, 'onnx')
      const checked = await convertAndCheck(sourceDir, {
        label,
        outputDir: outDir,
        python: {
          envManager: this.options.envManager,
          ...(this.options.python !== undefined && { python: this.options.python }),
          ...(this.options.envCacheDir !== undefined && { cacheDir: this.options.envCacheDir }),
        },
      })
      const twin = await registerTwin(this.services, version, checked, outDir, actor)
      await this.outcome(version, `registered as models:/${twin.name}/${twin.version}`)
      log.info(
        { model: version.name, version: version.version, twin: twin.version, rows_checked: checked.check.rows },
        'converted to ONNX at registration',
      )
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      await this.outcome(version, `failed: ${message}`).catch(() => undefined)
      log.warn({ model: version.name, version: version.version, error: message }, 'conversion at registration failed')
    } finally {
      await rm(work, { recursive: true, force: true })
    }
  }
}
