/**
 * What the registry store's writes share: recording an audit event (in the caller's transaction),
 * appending a registration to a logged model's `mlflow.modelVersions` tag, finding a live version
 * row, touching a model's or version's timestamps, moving aliases, and MLflow's not-found errors.
 */
import { KeelError, type RegistryEventKind } from '@keel/contracts'
import type { Audit } from '../../registry/registry-store.js'
import type { Tx } from '../sql-util.js'
import { DELETED_STAGE } from './registry-rows.js'

export interface EventInput {
  readonly kind: RegistryEventKind
  readonly name: string
  readonly version?: number
  readonly alias?: string
  readonly from?: string
  readonly to?: string
  readonly requestId?: number
}

export async function record(tx: Tx, audit: Audit, e: EventInput): Promise<void> {
  await tx
    .insertInto('registry_events')
    .values({
      timestamp: audit.time,
      actor: audit.actor,
      kind: e.kind,
      name: e.name,
      version: e.version ?? null,
      alias: e.alias ?? null,
      from_value: e.from ?? null,
      to_value: e.to ?? null,
      comment: audit.comment ?? null,
      request_id: e.requestId ?? null,
    })
    .execute()
}

/** The tag MLflow keeps on a logged model listing its registrations. */
const MODEL_VERSIONS_TAG = 'mlflow.modelVersions'

/**
 * Appends {name, version} to the logged model's `mlflow.modelVersions` tag, as MLflow's server does,
 * inside the version's write transaction: a read-modify-write outside it lost registrations when
 * several processes (--workers) registered the same logged model at once.
 */
export async function recordRegistration(
  tx: Tx,
  modelId: string,
  name: string,
  version: number,
  time: number,
): Promise<void> {
  const model = await tx
    .selectFrom('logged_models')
    .select('model_id')
    .where('model_id', '=', modelId)
    .executeTakeFirst()
  if (!model) return
  const current = await tx
    .selectFrom('logged_model_tags')
    .select('value')
    .where('model_id', '=', modelId)
    .where('key', '=', MODEL_VERSIONS_TAG)
    .executeTakeFirst()
  let list: unknown[] = []
  try {
    const parsed: unknown = current ? JSON.parse(current.value) : []
    if (Array.isArray(parsed)) list = parsed
  } catch {
    // a client wrote something else there; start the list afresh
  }
  // MLflow's server writes the version as the number its store holds ({"name": "m", "version": 1}),
  // and appends it unless that very entry is there.
  const entry = { name, version }
  if (!list.some((r) => (r as typeof entry)?.name === name && (r as typeof entry)?.version === version))
    list.push(entry)
  const value = JSON.stringify(list)
  await tx
    .insertInto('logged_model_tags')
    .values({ model_id: modelId, key: MODEL_VERSIONS_TAG, value })
    .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value }))
    .execute()
  await tx
    .updateTable('logged_models')
    .set({ last_updated_timestamp_ms: time })
    .where('model_id', '=', modelId)
    .execute()
}

export const notFoundModel = (name: string) => KeelError.notFound(`Registered Model with name=${name} not found`)
export const notFoundVersion = (name: string, version: string) =>
  KeelError.notFound(`Model Version (name=${name}, version=${version}) not found`)

/** The row of a version that exists (not deleted). */
export function liveVersion(db: Tx, name: string, version: number) {
  return db
    .selectFrom('model_versions')
    .where('name', '=', name)
    .where('version', '=', version)
    .where('current_stage', '!=', DELETED_STAGE)
}

/** Fails with MLflow's not-found error unless the model exists. */
export async function requireModel(db: Tx, name: string): Promise<void> {
  if (!(await db.selectFrom('registered_models').select('name').where('name', '=', name).executeTakeFirst()))
    throw notFoundModel(name)
}

/** Updates the model's timestamp, failing if it does not exist. */
export async function touchModel(tx: Tx, name: string, time: number): Promise<void> {
  const updated = await tx
    .updateTable('registered_models')
    .set({ last_updated_time: time })
    .where('name', '=', name)
    .executeTakeFirst()
  if (updated.numUpdatedRows === 0n) throw notFoundModel(name)
}

/** Updates the version's timestamp (and the model's), failing if it does not exist. */
export async function touchVersion(tx: Tx, name: string, version: string, time: number): Promise<number> {
  const n = versionNumber(name, version)
  const updated = await tx
    .updateTable('model_versions')
    .set({ last_updated_time: time })
    .where('name', '=', name)
    .where('version', '=', n)
    .where('current_stage', '!=', DELETED_STAGE)
    .executeTakeFirst()
  if (updated.numUpdatedRows === 0n) throw notFoundVersion(name, version)
  await tx.updateTable('registered_models').set({ last_updated_time: time }).where('name', '=', name).execute()
  return n
}

/** A version number as stored; a non-numeric one names no version. */
export function versionNumber(name: string, version: string): number {
  const n = Number(version)
  if (!/^\d+$/.test(version) || !Number.isSafeInteger(n)) throw notFoundVersion(name, version)
  return n
}

/**
 * The number of the live version an alias is to point at; not found otherwise, naming the model
 * when it is the model that is missing.
 */
export async function aliasTarget(tx: Tx, name: string, version: string): Promise<number> {
  const n = versionNumber(name, version)
  if (await liveVersion(tx, name, n).select('version').executeTakeFirst()) return n
  await requireModel(tx, name)
  // MLflow's answer (sqlalchemy_store.set_registered_model_alias looks the version up first).
  throw KeelError.notFound(
    `Model Version (name=${name}, version=${version}) not found: an alias must point at an existing version`,
  )
}

/** The version an alias points at now, if it is set. */
function aliasVersion(tx: Tx, name: string, alias: string) {
  return tx
    .selectFrom('registered_model_aliases')
    .select('version')
    .where('name', '=', name)
    .where('alias', '=', alias)
    .executeTakeFirst()
}

/** Points an alias at a live version (moving it), with its event; the caller's transaction. */
export async function pointAlias(
  tx: Tx,
  name: string,
  alias: string,
  version: string,
  audit: Audit,
  requestId?: number,
): Promise<void> {
  const n = await aliasTarget(tx, name, version)
  const previous = await aliasVersion(tx, name, alias)
  await tx
    .insertInto('registered_model_aliases')
    .values({ name, alias, version: n })
    .onConflict((oc) => oc.columns(['name', 'alias']).doUpdateSet({ version: n }))
    .execute()
  await tx.updateTable('registered_models').set({ last_updated_time: audit.time }).where('name', '=', name).execute()
  await record(tx, audit, {
    kind: 'alias_set',
    name,
    version: n,
    alias,
    ...(previous && { from: String(previous.version) }),
    to: String(n),
    ...(requestId !== undefined && { requestId }),
  })
}

/** Removes an alias with its event; false when there was none. The caller's transaction. */
export async function removeAlias(
  tx: Tx,
  name: string,
  alias: string,
  audit: Audit,
  requestId?: number,
): Promise<boolean> {
  await touchModel(tx, name, audit.time)
  const previous = await aliasVersion(tx, name, alias)
  if (!previous) return false
  await tx.deleteFrom('registered_model_aliases').where('name', '=', name).where('alias', '=', alias).execute()
  await record(tx, audit, {
    kind: 'alias_deleted',
    name,
    version: previous.version,
    alias,
    from: String(previous.version),
    ...(requestId !== undefined && { requestId }),
  })
  return true
}

/**
 * A protected alias that needs approval cannot be moved directly; nor can a version it points at
 * be deleted, nor its model (that would move it without asking).
 */
export async function refuseUnapprovedMove(tx: Tx, name: string, alias: string): Promise<void> {
  const protection = await tx
    .selectFrom('registered_model_alias_protections')
    .select('require_approval')
    .where('name', '=', name)
    .where('alias', '=', alias)
    .executeTakeFirst()
  if (protection?.require_approval === 1) {
    throw new KeelError(
      'PERMISSION_DENIED',
      `Alias '${alias}' of registered model '${name}' is protected: moving it needs a second user's approval. Request the change ` +
        `(keel models alias request ${name} ${alias} <version> -m "why", or POST /api/2.0/keel/registered-models/alias-requests/create).`,
    )
  }
}
