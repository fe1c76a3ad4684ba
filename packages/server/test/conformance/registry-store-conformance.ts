/**
 * The contract of RegistryStore (src/registry/registry-store.ts) as executable tests. Every
 * implementation calls `runRegistryStoreConformance` with a factory for a fresh, empty store.
 */
import type { ModelVersionStage, Tag } from '@keel/contracts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Audit, NewModelVersion, RegistryStore, StoredModelVersion } from '../../src/registry/registry-store.js'
import { MODEL_VERSION_SEARCH, REGISTERED_MODEL_SEARCH, parseFilter, parseOrderBy } from '../../src/search/index.js'

export interface RegistryStoreHandle {
  readonly store: RegistryStore
  close(): Promise<void>
}

export interface RegistryConformanceOptions {
  readonly name: string
  readonly newStore: () => Promise<RegistryStoreHandle>
}

export function runRegistryStoreConformance({ name, newStore }: RegistryConformanceOptions): void {
  describe(`RegistryStore conformance: ${name}`, () => {
    let handle: RegistryStoreHandle
    let store: RegistryStore
    let clock: number
    beforeEach(async () => {
      handle = await newStore()
      store = handle.store
      clock = 1_700_000_000_000
    })
    afterEach(async () => {
      await handle.close()
    })

    /** A fresh audit stamp, one millisecond after the previous. */
    const by = (actor = 'alice', comment?: string): Audit => ({
      actor,
      time: ++clock,
      ...(comment !== undefined && { comment }),
    })

    const model = (n: string, tags: Tag[] = [], description?: string) =>
      store.createModel({ name: n, tags, ...(description !== undefined && { description }) }, by())

    const version = (n: string, extra: Partial<NewModelVersion> = {}): Promise<StoredModelVersion> =>
      store.createVersion(
        {
          name: n,
          source: extra.source ?? 'mlflow-artifacts:/0/x/artifacts/model',
          storageLocation: extra.storageLocation ?? 'mlflow-artifacts:/0/x/artifacts/model',
          tags: extra.tags ?? [],
          lineage: extra.lineage ?? {
            source: extra.source ?? 'mlflow-artifacts:/0/x/artifacts/model',
            datasets: [],
            params: [],
            metrics: [],
          },
          ...(extra.runId !== undefined && { runId: extra.runId }),
          ...(extra.modelId !== undefined && { modelId: extra.modelId }),
          ...(extra.description !== undefined && { description: extra.description }),
          ...(extra.runLink !== undefined && { runLink: extra.runLink }),
        },
        by(),
      )

    const searchModels = (q: { filter?: string; orderBy?: string[]; limit?: number; offset?: number } = {}) => {
      const filter = parseFilter(q.filter, REGISTERED_MODEL_SEARCH)
      return store.searchModels({
        ...(filter && { filter }),
        orderBy: parseOrderBy(q.orderBy, REGISTERED_MODEL_SEARCH),
        offset: q.offset ?? 0,
        limit: q.limit ?? 100,
      })
    }
    const modelNames = async (q: Parameters<typeof searchModels>[0] = {}) =>
      (await searchModels(q)).items.map((m) => m.name)

    const searchVersions = (q: { filter?: string; orderBy?: string[]; limit?: number; offset?: number } = {}) => {
      const filter = parseFilter(q.filter, MODEL_VERSION_SEARCH)
      return store.searchVersions({
        ...(filter && { filter }),
        orderBy: parseOrderBy(q.orderBy, MODEL_VERSION_SEARCH),
        offset: q.offset ?? 0,
        limit: q.limit ?? 100,
      })
    }
    const versionKeys = async (q: Parameters<typeof searchVersions>[0] = {}) =>
      (await searchVersions(q)).items.map((v) => `${v.name}/${v.version}`)

    const events = async (q: { name?: string; version?: string; limit?: number; offset?: number } = {}) =>
      (
        await store.searchEvents({
          offset: q.offset ?? 0,
          limit: q.limit ?? 1000,
          ...(q.name !== undefined && { name: q.name }),
          ...(q.version !== undefined && { version: q.version }),
        })
      ).items

    // ---- registered models ----

    it('creates a model, reads it back, refuses a duplicate name', async () => {
      const created = await model('m1', [{ key: 'team', value: 'fraud' }], 'first model')
      expect(created).toMatchObject({
        name: 'm1',
        description: 'first model',
        tags: [{ key: 'team', value: 'fraud' }],
        latestVersions: [],
        aliases: [],
        userId: 'alice',
      })
      expect(created.creationTimestamp).toBe(clock)
      expect(await store.getModel('m1')).toEqual(created)
      expect(await store.getModel('M1')).toBeUndefined()
      expect(await store.getModel('nope')).toBeUndefined()
      await expect(model('m1')).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' })
      // the failed create left no trace in the audit trail
      expect((await events({ name: 'm1' })).map((e) => e.kind)).toEqual(['registered_model_created'])
    })

    it('updates the description and refuses unknown models', async () => {
      await model('m')
      await store.updateModelDescription('m', 'new words', 42)
      expect(await store.getModel('m')).toMatchObject({ description: 'new words', lastUpdatedTimestamp: 42 })
      await expect(store.updateModelDescription('ghost', 'x', 1)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
    })

    it('renames a model: versions, tags, aliases and events follow; a taken name is refused', async () => {
      await model('old', [{ key: 'k', value: 'v' }])
      await version('old', { tags: [{ key: 'vt', value: '1' }] })
      await version('old')
      await store.setAlias('old', 'champion', '2', by())
      await model('taken')

      await expect(store.renameModel('old', 'taken', by())).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' })
      expect(await store.getModel('old')).toBeDefined()
      await expect(store.renameModel('ghost', 'whatever', by())).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })

      await store.renameModel('old', 'new', by('bob'))
      expect(await store.getModel('old')).toBeUndefined()
      const renamed = await store.getModel('new')
      expect(renamed).toMatchObject({
        name: 'new',
        tags: [{ key: 'k', value: 'v' }],
        aliases: [{ alias: 'champion', version: '2' }],
      })
      expect(renamed!.latestVersions.map((v) => [v.name, v.version])).toEqual([['new', '2']])
      expect(await store.getVersion('old', '1')).toBeUndefined()
      expect(await store.getVersion('new', '1')).toMatchObject({
        name: 'new',
        version: '1',
        tags: [{ key: 'vt', value: '1' }],
      })
      expect((await store.getVersionByAlias('new', 'champion'))?.version).toBe('2')
      expect(await store.getVersionByAlias('old', 'champion')).toBeUndefined()
      expect(
        (
          await store.searchVersions({
            orderBy: [],
            offset: 0,
            limit: 10,
            filter: parseFilter("name = 'old'", MODEL_VERSION_SEARCH)!,
          })
        ).items,
      ).toEqual([])

      const trail = await events({ name: 'new' })
      expect(trail.map((e) => e.kind)).toEqual([
        'registered_model_renamed',
        'alias_set',
        'model_version_created',
        'model_version_created',
        'registered_model_created',
      ])
      expect(trail[0]).toMatchObject({ actor: 'bob', from: 'old', to: 'new', name: 'new' })
      expect(await events({ name: 'old' })).toEqual([])
      // the next version continues the numbering under the new name
      expect((await version('new')).version).toBe('3')
    })

    it("a rename carries only this model's trail, not that of an earlier, deleted model of the same name", async () => {
      await model('reused')
      await store.deleteModel('reused', by())
      await model('reused')
      await store.renameModel('reused', 'moved', by())
      await store.renameModel('moved', 'reused', by())
      await store.renameModel('reused', 'final', by())
      expect((await events({ name: 'final' })).map((e) => e.kind)).toEqual([
        'registered_model_renamed',
        'registered_model_renamed',
        'registered_model_renamed',
        'registered_model_created',
      ])
      expect((await events({ name: 'reused' })).map((e) => e.kind)).toEqual([
        'registered_model_deleted',
        'registered_model_created',
      ])
      expect(await events({ name: 'moved' })).toEqual([])
    })

    it('deletes a model with its versions, tags and aliases, keeping its events', async () => {
      await model('gone', [{ key: 'k', value: 'v' }])
      await version('gone', { tags: [{ key: 't', value: 'v' }] })
      await store.setAlias('gone', 'a', '1', by())
      await store.deleteModel('gone', by('carol'))
      expect(await store.getModel('gone')).toBeUndefined()
      expect(await store.getVersion('gone', '1')).toBeUndefined()
      expect(await store.getVersionByAlias('gone', 'a')).toBeUndefined()
      expect(await versionKeys()).toEqual([])
      await expect(store.deleteModel('gone', by())).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })

      // a new model of the same name starts clean
      const again = await model('gone')
      expect(again.tags).toEqual([])
      expect(again.aliases).toEqual([])
      expect((await version('gone')).tags).toEqual([])

      const kinds = (await events({ name: 'gone' })).map((e) => e.kind)
      expect(kinds).toEqual([
        'model_version_created',
        'registered_model_created',
        'registered_model_deleted',
        'alias_set',
        'model_version_created',
        'registered_model_created',
      ])
      expect((await events({ name: 'gone' }))[2]).toMatchObject({ actor: 'carol' })
    })

    it('sets, overwrites and deletes model tags; deleting an unset tag is a no-op; an unknown model is not found', async () => {
      await model('t')
      await store.setModelTag('t', { key: 'a', value: '1' }, 10)
      await store.setModelTag('t', { key: 'a', value: '2' }, 11)
      await store.setModelTag('t', { key: 'b', value: '3' }, 12)
      expect(await store.getModel('t')).toMatchObject({
        tags: [
          { key: 'a', value: '2' },
          { key: 'b', value: '3' },
        ],
        lastUpdatedTimestamp: 12,
      })
      await store.deleteModelTag('t', 'a', 13)
      expect((await store.getModel('t'))!.tags).toEqual([{ key: 'b', value: '3' }])
      // a tag that is not set (any more, or never): a no-op that leaves the other tags alone, as in MLflow
      await expect(store.deleteModelTag('t', 'a', 14)).resolves.toBeUndefined()
      await expect(store.deleteModelTag('t', 'never-set', 15)).resolves.toBeUndefined()
      expect((await store.getModel('t'))!.tags).toEqual([{ key: 'b', value: '3' }])
      await expect(store.setModelTag('ghost', { key: 'a', value: '1' }, 1)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      await expect(store.deleteModelTag('ghost', 'a', 1)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
    })

    // ---- versions ----

    it('numbers versions 1, 2, 3 and never reuses a deleted number', async () => {
      await model('n')
      const v1 = await version('n', { runId: 'r1', modelId: 'm-1', description: 'd', runLink: 'http://x' })
      expect(v1).toMatchObject({
        name: 'n',
        version: '1',
        currentStage: 'None',
        status: 'READY',
        runId: 'r1',
        modelId: 'm-1',
        description: 'd',
        runLink: 'http://x',
        aliases: [],
        tags: [],
        userId: 'alice',
        storageLocation: 'mlflow-artifacts:/0/x/artifacts/model',
      })
      expect(v1.creationTimestamp).toBe(clock)
      expect((await version('n')).version).toBe('2')
      expect((await version('n')).version).toBe('3')
      await store.deleteVersion('n', '3', by())
      await store.deleteVersion('n', '2', by())
      expect((await version('n')).version).toBe('4')
      expect(await store.getVersion('n', '3')).toBeUndefined()
      // a version of a missing model is refused
      await expect(version('ghost')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
      // numbering is per model
      await model('other')
      expect((await version('other')).version).toBe('1')
    })

    it('creating a version updates the model and records an event', async () => {
      await model('u')
      const v = await version('u')
      expect((await store.getModel('u'))!.lastUpdatedTimestamp).toBe(v.creationTimestamp)
      expect(await events({ name: 'u', version: '1' })).toMatchObject([
        { kind: 'model_version_created', version: '1', actor: 'alice' },
      ])
    })

    it('hides deleted versions from get, search, latest, aliases and tag writes', async () => {
      await model('h')
      await version('h')
      await version('h')
      await store.transitionStage('h', '2', 'Production', false, by())
      await store.deleteVersion('h', '2', by())
      expect(await store.getVersion('h', '2')).toBeUndefined()
      expect(await versionKeys({ filter: "name = 'h'" })).toEqual(['h/1'])
      expect((await store.latestVersions('h')).map((v) => v.version)).toEqual(['1'])
      expect(await store.latestVersions('h', ['Production'])).toEqual([])
      expect((await store.getModel('h'))!.latestVersions.map((v) => v.version)).toEqual(['1'])
      await expect(store.setVersionTag('h', '2', { key: 'a', value: 'b' }, 1)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      await expect(store.updateVersionDescription('h', '2', 'x', 1)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      await expect(store.transitionStage('h', '2', 'Staging', false, by())).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      await expect(store.deleteVersion('h', '2', by())).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
      await expect(store.setAlias('h', 'a', '2', by())).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
      await expect(store.deleteVersionTag('h', '2', 'a', 1)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
      expect(await store.getLineage('h', '2')).toBeUndefined()
    })

    it('updates a version description and touches the version and its model', async () => {
      await model('d')
      await version('d')
      await store.updateVersionDescription('d', '1', 'hello', 777_000)
      expect(await store.getVersion('d', '1')).toMatchObject({ description: 'hello', lastUpdatedTimestamp: 777_000 })
      expect((await store.getModel('d'))!.lastUpdatedTimestamp).toBe(777_000)
      await expect(store.updateVersionDescription('d', '9', 'x', 1)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      await expect(store.updateVersionDescription('d', 'one', 'x', 1)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
    })

    it('transitions a stage without archiving the others', async () => {
      await model('s')
      await version('s')
      await version('s')
      await store.transitionStage('s', '1', 'Production', false, by('ann', 'ship it'))
      await store.transitionStage('s', '2', 'Production', false, by())
      expect((await store.getVersion('s', '1'))!.currentStage).toBe('Production')
      expect((await store.getVersion('s', '2'))!.currentStage).toBe('Production')
      const trail = await events({ name: 's', version: '1' })
      expect(trail[0]).toMatchObject({
        kind: 'stage_transition',
        from: 'None',
        to: 'Production',
        actor: 'ann',
        comment: 'ship it',
      })
      expect((await events({ name: 's' })).filter((e) => e.kind === 'stage_transition')).toHaveLength(2)
    })

    it('archives the other versions of Staging/Production with archiveExisting, one event each', async () => {
      await model('a')
      for (let i = 0; i < 4; i++) await version('a')
      await store.transitionStage('a', '1', 'Production', false, by())
      await store.transitionStage('a', '2', 'Production', false, by())
      await store.transitionStage('a', '3', 'Staging', false, by())
      await store.transitionStage('a', '4', 'Production', true, by('ops'))
      const stages = await Promise.all(
        ['1', '2', '3', '4'].map(async (v) => (await store.getVersion('a', v))!.currentStage),
      )
      expect(stages).toEqual(['Archived', 'Archived', 'Staging', 'Production'])
      const archived = (await events({ name: 'a' })).filter((e) => e.kind === 'stage_transition' && e.to === 'Archived')
      expect(archived.map((e) => e.version).sort()).toEqual(['1', '2'])
      for (const e of archived) expect(e).toMatchObject({ from: 'Production', actor: 'ops' })
      expect((await store.getVersion('a', '1'))!.lastUpdatedTimestamp).toBe(clock)
    })

    it('archiveExisting archives nothing when the target is None or Archived', async () => {
      await model('z')
      await version('z')
      await version('z')
      await version('z')
      await store.transitionStage('z', '1', 'Archived', false, by())
      await store.transitionStage('z', '2', 'Archived', true, by())
      await store.transitionStage('z', '3', 'None', true, by())
      await version('z')
      await store.transitionStage('z', '4', 'None', true, by())
      const stages = await Promise.all(
        ['1', '2', '3', '4'].map(async (v) => (await store.getVersion('z', v))!.currentStage),
      )
      expect(stages).toEqual(['Archived', 'Archived', 'None', 'None'])
      expect((await events({ name: 'z' })).filter((e) => e.kind === 'stage_transition')).toHaveLength(4)
    })

    it('latestVersions: the newest version per stage, or of the stages asked for', async () => {
      await model('l')
      for (let i = 0; i < 6; i++) await version('l')
      const moves: [string, ModelVersionStage][] = [
        ['1', 'Production'],
        ['2', 'Production'],
        ['3', 'Staging'],
        ['4', 'Archived'],
      ]
      for (const [v, stage] of moves) await store.transitionStage('l', v, stage, false, by())
      const latest = await store.latestVersions('l')
      expect(Object.fromEntries(latest.map((v) => [v.currentStage, v.version]))).toEqual({
        Production: '2',
        Staging: '3',
        Archived: '4',
        None: '6',
      })
      expect(latest).toHaveLength(4)
      expect((await store.latestVersions('l', ['Production'])).map((v) => v.version)).toEqual(['2'])
      expect((await store.latestVersions('l', ['Staging', 'None'])).map((v) => v.version).sort()).toEqual(['3', '6'])
      expect((await store.getModel('l'))!.latestVersions.map((v) => v.version).sort()).toEqual(['2', '3', '4', '6'])
      await expect(store.latestVersions('ghost')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
      await model('empty')
      expect(await store.latestVersions('empty')).toEqual([])
    })

    it('sets, overwrites and deletes version tags; deleting an unset tag is a no-op; an unknown version is not found', async () => {
      await model('vt')
      await version('vt')
      await store.setVersionTag('vt', '1', { key: 'k', value: '1' }, 5)
      await store.setVersionTag('vt', '1', { key: 'k', value: '2' }, 6)
      await store.setVersionTag('vt', '1', { key: 'a', value: 'x' }, 7)
      expect((await store.getVersion('vt', '1'))!.tags).toEqual([
        { key: 'a', value: 'x' },
        { key: 'k', value: '2' },
      ])
      await store.deleteVersionTag('vt', '1', 'k', 8)
      expect((await store.getVersion('vt', '1'))!.tags).toEqual([{ key: 'a', value: 'x' }])
      // a tag that is not set (any more, or never): a no-op that leaves the other tags alone, as in MLflow
      await expect(store.deleteVersionTag('vt', '1', 'k', 9)).resolves.toBeUndefined()
      await expect(store.deleteVersionTag('vt', '1', 'never-set', 9)).resolves.toBeUndefined()
      expect((await store.getVersion('vt', '1'))!.tags).toEqual([{ key: 'a', value: 'x' }])
      await expect(store.setVersionTag('vt', '2', { key: 'k', value: '1' }, 9)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      await expect(store.setVersionTag('ghost', '1', { key: 'k', value: '1' }, 9)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      // an unknown version or model is still not found
      await expect(store.deleteVersionTag('vt', '2', 'a', 9)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
      await expect(store.deleteVersionTag('ghost', '1', 'a', 9)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      expect((await store.getVersion('vt', '1'))!.tags).toEqual([{ key: 'a', value: 'x' }])
    })

    // ---- aliases ----

    it('sets an alias, moves it (event from → to) and shows it on versions and the model', async () => {
      await model('al')
      await version('al')
      await version('al')
      await store.setAlias('al', 'champion', '1', by('x', 'first'))
      expect((await store.getVersion('al', '1'))!.aliases).toEqual(['champion'])
      await store.setAlias('al', 'champion', '2', by('y', 'better'))
      await store.setAlias('al', 'backup', '1', by())
      expect((await store.getVersionByAlias('al', 'champion'))!.version).toBe('2')
      expect((await store.getVersion('al', '1'))!.aliases).toEqual(['backup'])
      expect((await store.getVersion('al', '2'))!.aliases).toEqual(['champion'])
      expect((await store.getModel('al'))!.aliases).toEqual([
        { alias: 'backup', version: '1' },
        { alias: 'champion', version: '2' },
      ])
      const sets = (await events({ name: 'al' })).filter((e) => e.kind === 'alias_set' && e.alias === 'champion')
      expect(sets).toHaveLength(2)
      expect(sets[0]).toMatchObject({ from: '1', to: '2', version: '2', actor: 'y', comment: 'better' })
      expect(sets[1]).toMatchObject({ to: '1', version: '1', actor: 'x', comment: 'first' })
      expect(sets[1]!.from).toBeUndefined()
    })

    it('refuses an alias on a missing version; an unknown model is not found', async () => {
      await model('am')
      await version('am')
      await expect(store.setAlias('am', 'a', '5', by())).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
      await expect(store.setAlias('ghost', 'a', '1', by())).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
      expect((await store.getModel('am'))!.aliases).toEqual([])
      expect((await events({ name: 'am' })).some((e) => e.kind === 'alias_set')).toBe(false)
    })

    it('deleting a version removes its aliases, with alias_deleted events', async () => {
      await model('dv')
      await version('dv')
      await version('dv')
      await store.setAlias('dv', 'a', '1', by())
      await store.setAlias('dv', 'b', '1', by())
      await store.setAlias('dv', 'c', '2', by())
      await store.deleteVersion('dv', '1', by('del'))
      expect(await store.getVersionByAlias('dv', 'a')).toBeUndefined()
      expect(await store.getVersionByAlias('dv', 'b')).toBeUndefined()
      expect((await store.getModel('dv'))!.aliases).toEqual([{ alias: 'c', version: '2' }])
      const trail = await events({ name: 'dv', version: '1' })
      expect(trail[0]).toMatchObject({ kind: 'model_version_deleted', actor: 'del' })
      const removed = trail.filter((e) => e.kind === 'alias_deleted')
      expect(removed.map((e) => e.alias).sort()).toEqual(['a', 'b'])
      for (const e of removed) expect(e).toMatchObject({ from: '1', actor: 'del' })
    })

    it('deleteAlias removes an alias and returns false for an unknown one', async () => {
      await model('da')
      await version('da')
      await store.setAlias('da', 'x', '1', by())
      expect(await store.deleteAlias('da', 'x', by('bob', 'retired'))).toBe(true)
      expect(await store.getVersionByAlias('da', 'x')).toBeUndefined()
      expect(await store.deleteAlias('da', 'x', by())).toBe(false)
      expect(await store.deleteAlias('da', 'never', by())).toBe(false)
      const removed = (await events({ name: 'da' })).filter((e) => e.kind === 'alias_deleted')
      expect(removed).toHaveLength(1)
      expect(removed[0]).toMatchObject({ alias: 'x', from: '1', version: '1', actor: 'bob', comment: 'retired' })
      expect(removed[0]!.to).toBeUndefined()
    })

    // ---- search ----

    it('searchModels: name =, LIKE (case-sensitive), ILIKE, !=', async () => {
      for (const n of ['alpha', 'Alpha-2', 'beta', 'gamma_1']) await model(n)
      expect(await modelNames({ filter: "name = 'beta'" })).toEqual(['beta'])
      expect(await modelNames({ filter: "name LIKE 'alpha%'" })).toEqual(['alpha'])
      expect(await modelNames({ filter: "name ILIKE 'alpha%'" })).toEqual(['Alpha-2', 'alpha'])
      expect(await modelNames({ filter: "name != 'beta'" })).toEqual(['Alpha-2', 'alpha', 'gamma_1'])
      expect(await modelNames({ filter: "name LIKE '%a_1'" })).toEqual(['gamma_1'])
      expect(await modelNames({ filter: "name LIKE 'ALPHA%'" })).toEqual([])
    })

    it('searchModels: tags =, !=, LIKE; != needs the tag, except mlflow.prompt.is_prompt', async () => {
      await model('m-prod', [{ key: 'env', value: 'prod' }])
      await model('m-dev', [{ key: 'env', value: 'dev' }])
      await model('m-none')
      await model('m-prompt', [{ key: 'mlflow.prompt.is_prompt', value: 'true' }])
      await model('m-notprompt', [{ key: 'mlflow.prompt.is_prompt', value: 'false' }])
      expect(await modelNames({ filter: "tags.env = 'prod'" })).toEqual(['m-prod'])
      // as in MLflow, a tag comparison needs the tag: models without `env` are not "!= 'prod'"
      expect(await modelNames({ filter: "tags.env != 'prod'" })).toEqual(['m-dev'])
      expect(await modelNames({ filter: "tags.env != 'nope'" })).toEqual(['m-dev', 'm-prod'])
      expect(await modelNames({ filter: "tags.env LIKE '%e%'" })).toEqual(['m-dev'])
      expect(await modelNames({ filter: "tags.env ILIKE 'PR%'" })).toEqual(['m-prod'])
      expect(await modelNames({ filter: "tags.`mlflow.prompt.is_prompt` != 'true'" })).toEqual([
        'm-dev',
        'm-none',
        'm-notprompt',
        'm-prod',
      ])
      expect(await modelNames({ filter: "tags.`mlflow.prompt.is_prompt` = 'false'" })).toEqual([
        'm-dev',
        'm-none',
        'm-notprompt',
        'm-prod',
      ])
      expect(await modelNames({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'" })).toEqual(['m-prompt'])
      // the exception is for is_prompt only; other values of it need the tag as usual
      expect(await modelNames({ filter: "tags.`mlflow.prompt.is_prompt` != 'false'" })).toEqual(['m-prompt'])
      // MLflow's client appends the is_prompt clause to a user's filter: models lacking `env` stay out
      expect(await modelNames({ filter: "tags.env != 'prod' AND tags.`mlflow.prompt.is_prompt` != 'true'" })).toEqual([
        'm-dev',
      ])
      expect(await modelNames({ filter: "tags.env = 'prod' AND name LIKE 'm-%'" })).toEqual(['m-prod'])
    })

    it('searchModels: default order name ASC; order_by with name tie-break', async () => {
      await store.createModel({ name: 'c', tags: [] }, { actor: 'a', time: 30 })
      await store.createModel({ name: 'a', tags: [] }, { actor: 'a', time: 30 })
      await store.createModel({ name: 'b', tags: [] }, { actor: 'a', time: 10 })
      expect(await modelNames()).toEqual(['a', 'b', 'c'])
      expect(await modelNames({ orderBy: ['name DESC'] })).toEqual(['c', 'b', 'a'])
      expect(await modelNames({ orderBy: ['creation_timestamp DESC'] })).toEqual(['a', 'c', 'b'])
      expect(await modelNames({ orderBy: ['timestamp ASC'] })).toEqual(['b', 'a', 'c'])
      await store.setModelTag('b', { key: 'x', value: 'y' }, 50)
      expect(await modelNames({ orderBy: ['last_updated_timestamp DESC'] })).toEqual(['b', 'a', 'c'])
    })

    it('searchModels pages: every model exactly once', async () => {
      const all = Array.from({ length: 11 }, (_, i) => `p${String(i).padStart(2, '0')}`)
      for (const n of [...all].reverse()) await model(n)
      for (const limit of [1, 3, 4, 11, 20]) {
        const seen: string[] = []
        for (let offset = 0; ; offset += limit) {
          const page = await searchModels({ limit, offset, orderBy: ['last_updated_timestamp DESC'] })
          seen.push(...page.items.map((m) => m.name))
          expect(page.items.length).toBeLessThanOrEqual(limit)
          if (!page.hasMore) break
        }
        expect(seen).toEqual([...all])
      }
    })

    it('searchVersions: name, run_id =/IN, version_number comparisons, source, tags', async () => {
      await model('sv')
      await model('other')
      await version('sv', { runId: 'run-a', source: 'runs:/run-a/model', tags: [{ key: 'q', value: 'good' }] })
      await version('sv', { runId: 'run-b', source: 'runs:/run-b/model' })
      await version('sv', { runId: 'run-c', source: 'models:/m-123', tags: [{ key: 'q', value: 'bad' }] })
      await version('other', { runId: 'run-a', source: 'runs:/run-a/other' })
      const keys = async (filter: string) => (await versionKeys({ filter })).sort()
      expect(await keys("name = 'sv'")).toEqual(['sv/1', 'sv/2', 'sv/3'])
      expect(await keys("name LIKE 'o%'")).toEqual(['other/1'])
      expect(await keys("name ILIKE 'SV'")).toEqual(['sv/1', 'sv/2', 'sv/3'])
      expect(await keys("run_id = 'run-a'")).toEqual(['other/1', 'sv/1'])
      expect(await keys("run_id IN ('run-b', 'run-c')")).toEqual(['sv/2', 'sv/3'])
      expect(await keys("name = 'sv' AND version_number >= 2")).toEqual(['sv/2', 'sv/3'])
      expect(await keys("name = 'sv' AND version_number < 2")).toEqual(['sv/1'])
      expect(await keys("name = 'sv' AND version_number = 3")).toEqual(['sv/3'])
      expect(await keys("name = 'sv' AND version_number != 3")).toEqual(['sv/1', 'sv/2'])
      // 10 > 9 as numbers, not as text
      for (let i = 0; i < 7; i++) await version('sv')
      expect(await keys("name = 'sv' AND version_number > 9")).toEqual(['sv/10'])
      expect(await keys("source_path = 'models:/m-123'")).toEqual(['sv/3'])
      expect(await keys("source_path LIKE 'runs:/run-a/%'")).toEqual(['other/1', 'sv/1'])
      expect(await keys("tags.q = 'good'")).toEqual(['sv/1'])
      // != needs the tag: only sv/3 has q (and it is not 'good'); versions lacking q are left out
      expect(await keys("name = 'sv' AND tags.q != 'good'")).toEqual(['sv/3'])
      expect(await keys("name = 'sv' AND tags.q != 'other'")).toEqual(['sv/1', 'sv/3'])
      // except is_prompt: versions without it are not prompts
      expect(await keys("name = 'sv' AND tags.q != 'other' AND tags.`mlflow.prompt.is_prompt` != 'true'")).toEqual([
        'sv/1',
        'sv/3',
      ])
      expect(await keys("name = 'sv' AND tags.`mlflow.prompt.is_prompt` = 'false'")).toHaveLength(10)
      expect(await keys("tags.q LIKE 'b%'")).toEqual(['sv/3'])
    })

    it('searchVersions: default order last_updated DESC, name ASC, version DESC; order_by', async () => {
      await model('b')
      await model('a')
      const at = (time: number) => ({ actor: 'a', time })
      const mk = (n: string, time: number) =>
        store.createVersion(
          {
            name: n,
            source: 's',
            storageLocation: 's',
            tags: [],
            lineage: { source: 's', datasets: [], params: [], metrics: [] },
          },
          at(time),
        )
      await mk('b', 100) // b/1
      await mk('a', 100) // a/1
      await mk('a', 100) // a/2
      await mk('b', 50) // b/2
      await mk('a', 200) // a/3
      expect(await versionKeys()).toEqual(['a/3', 'a/2', 'a/1', 'b/1', 'b/2'])
      expect(await versionKeys({ orderBy: ['name ASC', 'version_number ASC'] })).toEqual([
        'a/1',
        'a/2',
        'a/3',
        'b/1',
        'b/2',
      ])
      expect(await versionKeys({ orderBy: ['version_number DESC'] })).toEqual(['a/3', 'a/2', 'b/2', 'a/1', 'b/1'])
      expect(await versionKeys({ orderBy: ['creation_timestamp ASC'] })).toEqual(['b/2', 'a/2', 'a/1', 'b/1', 'a/3'])
      // touching a version moves it first in the default order
      await store.setVersionTag('b', '2', { key: 'k', value: 'v' }, 300)
      expect((await versionKeys())[0]).toBe('b/2')
    })

    it('searchVersions pages: every version exactly once', async () => {
      await model('pv')
      await model('pw')
      for (let i = 0; i < 7; i++) {
        await version('pv')
        await version('pw')
      }
      await store.deleteVersion('pv', '4', by())
      const expected = (await versionKeys({ limit: 100 })).slice()
      expect(expected).toHaveLength(13)
      for (const limit of [1, 2, 5, 13]) {
        const seen: string[] = []
        for (let offset = 0; ; offset += limit) {
          const page = await searchVersions({ limit, offset })
          seen.push(...page.items.map((v) => `${v.name}/${v.version}`))
          if (!page.hasMore) break
        }
        expect(seen).toEqual(expected)
        expect(new Set(seen).size).toBe(13)
      }
    })

    // ---- audit trail and lineage ----

    it('events: newest first, filtered by name and by name+version, paged', async () => {
      await model('e1')
      await model('e2')
      await version('e1')
      await version('e1')
      await version('e2')
      await store.transitionStage('e1', '2', 'Staging', false, by())
      const all = await events()
      expect(all.map((e) => e.kind)).toEqual([
        'stage_transition',
        'model_version_created',
        'model_version_created',
        'model_version_created',
        'registered_model_created',
        'registered_model_created',
      ])
      const ids = all.map((e) => Number(e.eventId))
      expect([...ids].sort((a, b) => b - a)).toEqual(ids)
      const times = all.map((e) => e.timestamp)
      expect([...times].sort((a, b) => b - a)).toEqual(times)
      expect((await events({ name: 'e2' })).map((e) => e.kind)).toEqual([
        'model_version_created',
        'registered_model_created',
      ])
      expect((await events({ name: 'e1', version: '2' })).map((e) => e.kind)).toEqual([
        'stage_transition',
        'model_version_created',
      ])
      expect(await events({ name: 'e1', version: '7' })).toEqual([])
      const paged: string[] = []
      for (let offset = 0; ; offset += 4) {
        const page = await store.searchEvents({ offset, limit: 4 })
        paged.push(...page.items.map((e) => e.eventId))
        if (!page.hasMore) break
      }
      expect(paged).toEqual(all.map((e) => e.eventId))
    })

    it('keeps lineage as given, with name, version and capture time', async () => {
      await model('lin')
      const lineage: NewModelVersion['lineage'] = {
        source: 'runs:/abc/model',
        runId: 'abc',
        experimentId: '7',
        modelId: 'm-1',
        git: { commit: 'deadbeef', branch: 'main', repoUrl: 'https://git/x', dirty: false },
        entryPoint: 'train.py',
        datasets: [
          {
            tags: [{ key: 'mlflow.data.context', value: 'train' }],
            dataset: { name: 'ds', digest: 'd1', sourceType: 'local', source: '{}' },
          },
        ],
        params: [{ key: 'alpha', value: '0.5' }],
        metrics: [{ key: 'acc', value: 0.93, timestamp: 5, step: 2 }],
      }
      const v = await version('lin', { lineage, source: 'runs:/abc/model' })
      expect(await store.getLineage('lin', '1')).toEqual({
        name: 'lin',
        version: '1',
        capturedAt: v.creationTimestamp,
        ...lineage,
      })
      expect(await store.getLineage('lin', '2')).toBeUndefined()
      expect(await store.getLineage('lin', 'x')).toBeUndefined()
      await store.renameModel('lin', 'lin2', by())
      expect((await store.getLineage('lin2', '1'))?.params).toEqual(lineage.params)
    })

    it('a version number past 32 bits names no version: not found or nothing, never an error of its own', async () => {
      await model('big')
      await version('big')
      const big = '99999999999'
      expect(await store.getVersion('big', big)).toBeUndefined()
      expect(await store.getLineage('big', big)).toBeUndefined()
      expect(await events({ name: 'big', version: big })).toEqual([])
      expect(await versionKeys({ filter: `version_number = ${big}` })).toEqual([])
      expect(await versionKeys({ filter: `version_number < ${big}` })).toEqual(['big/1'])
      await expect(store.setVersionTag('big', big, { key: 'k', value: 'v' }, ++clock)).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      await expect(store.setAlias('big', 'champion', big, by())).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
    })

    it('20 concurrent createVersion calls on one model get distinct consecutive numbers', async () => {
      await model('race')
      const created = await Promise.all(Array.from({ length: 20 }, () => version('race')))
      const numbers = created.map((v) => Number(v.version)).sort((a, b) => a - b)
      expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      expect((await events({ name: 'race' })).filter((e) => e.kind === 'model_version_created')).toHaveLength(20)
    })
  })
}
