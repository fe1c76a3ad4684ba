/** Loads registry rows into entities: versions with their tags and aliases, models with theirs. */
import type { ModelVersionStage, ModelVersionStatus, RegisteredModel, RegistryEvent, Tag } from '@keel/contracts'
import type { Kysely, Selectable } from 'kysely'
import type { StoredModelVersion } from '../../registry/registry-store.js'
import type { Database, ModelVersionsTable, RegisteredModelsTable, RegistryEventsTable } from '../database.js'
import { chunk } from '../sql-util.js'

/** The stage of a deleted version: hidden everywhere, its number never reused (as in MLflow). */
export const DELETED_STAGE = 'Deleted_Internal'

const key = (name: string, version: number | string) => `${name}\u0000${version}`

function groupTags(rows: readonly { key: string; value: string }[]): Tag[] {
  return rows
    .map(({ key: k, value }) => ({ key: k, value }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** Versions with their tags and aliases, in the order of `rows`. */
export async function loadVersions(
  db: Kysely<Database>,
  rows: readonly Selectable<ModelVersionsTable>[],
): Promise<StoredModelVersion[]> {
  if (rows.length === 0) return []
  const names = [...new Set(rows.map((r) => r.name))]
  const tags = new Map<string, { key: string; value: string }[]>()
  const aliases = new Map<string, string[]>()
  for (const part of chunk(names, 1)) {
    const tagRows = await db.selectFrom('model_version_tags').selectAll().where('name', 'in', part).execute()
    for (const t of tagRows) {
      const k = key(t.name, t.version)
      tags.set(k, [...(tags.get(k) ?? []), t])
    }
    const aliasRows = await db
      .selectFrom('registered_model_aliases')
      .selectAll()
      .where('name', 'in', part)
      .orderBy('alias')
      .execute()
    for (const a of aliasRows) {
      const k = key(a.name, a.version)
      aliases.set(k, [...(aliases.get(k) ?? []), a.alias])
    }
  }
  return rows.map((r) =>
    versionFromRow(r, groupTags(tags.get(key(r.name, r.version)) ?? []), aliases.get(key(r.name, r.version)) ?? []),
  )
}

function versionFromRow(r: Selectable<ModelVersionsTable>, tags: Tag[], aliases: string[]): StoredModelVersion {
  const v: { -readonly [K in keyof StoredModelVersion]: StoredModelVersion[K] } = {
    name: r.name,
    version: String(r.version),
    creationTimestamp: Number(r.creation_time),
    lastUpdatedTimestamp: Number(r.last_updated_time),
    currentStage: r.current_stage as ModelVersionStage,
    source: r.source,
    storageLocation: r.storage_location,
    status: r.status as ModelVersionStatus,
    tags,
    aliases,
  }
  if (r.user_id !== null) v.userId = r.user_id
  if (r.description !== null) v.description = r.description
  if (r.run_id !== null) v.runId = r.run_id
  if (r.run_link !== null) v.runLink = r.run_link
  if (r.model_id !== null) v.modelId = r.model_id
  if (r.status_message !== null) v.statusMessage = r.status_message
  return v
}

/** The newest live version of each (model, stage) of `names`: no newer version in the same stage. */
export function newestPerStage(db: Kysely<Database>, names: readonly string[]) {
  return db
    .selectFrom('model_versions as mv')
    .selectAll('mv')
    .where('mv.name', 'in', [...names])
    .where('mv.current_stage', '!=', DELETED_STAGE)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('model_versions as newer')
            .select('newer.version')
            .whereRef('newer.name', '=', 'mv.name')
            .whereRef('newer.current_stage', '=', 'mv.current_stage')
            .whereRef('newer.version', '>', 'mv.version'),
        ),
      ),
    )
    .orderBy('mv.version')
}

/** Models with their tags, aliases and newest version per stage, in the order of `rows`. */
export async function loadModels(
  db: Kysely<Database>,
  rows: readonly Selectable<RegisteredModelsTable>[],
): Promise<RegisteredModel[]> {
  if (rows.length === 0) return []
  const out: RegisteredModel[] = []
  for (const part of chunk(rows, 1)) {
    const names = part.map((r) => r.name)
    const [tagRows, aliasRows, latestRows] = await Promise.all([
      db.selectFrom('registered_model_tags').selectAll().where('name', 'in', names).execute(),
      db.selectFrom('registered_model_aliases').selectAll().where('name', 'in', names).orderBy('alias').execute(),
      newestPerStage(db, names).execute(),
    ])
    const latest = await loadVersions(db, latestRows)
    for (const r of part) {
      const model: { -readonly [K in keyof RegisteredModel]: RegisteredModel[K] } = {
        name: r.name,
        creationTimestamp: Number(r.creation_time),
        lastUpdatedTimestamp: Number(r.last_updated_time),
        latestVersions: latest.filter((v) => v.name === r.name).map(({ storageLocation: _, ...v }) => v),
        tags: groupTags(tagRows.filter((t) => t.name === r.name)),
        aliases: aliasRows
          .filter((a) => a.name === r.name)
          .map((a) => ({ alias: a.alias, version: String(a.version) })),
      }
      if (r.description !== null) model.description = r.description
      if (r.user_id !== null) model.userId = r.user_id
      out.push(model)
    }
  }
  return out
}

export function eventFromRow(r: Selectable<RegistryEventsTable>): RegistryEvent {
  const e: { -readonly [K in keyof RegistryEvent]: RegistryEvent[K] } = {
    eventId: String(r.event_id),
    timestamp: Number(r.timestamp),
    actor: r.actor,
    kind: r.kind as RegistryEvent['kind'],
    name: r.name,
  }
  if (r.version !== null) e.version = String(r.version)
  if (r.alias !== null) e.alias = r.alias
  if (r.from_value !== null) e.from = r.from_value
  if (r.to_value !== null) e.to = r.to_value
  if (r.comment !== null) e.comment = r.comment
  if (r.request_id !== null && r.request_id !== undefined) e.requestId = String(r.request_id)
  return e
}
