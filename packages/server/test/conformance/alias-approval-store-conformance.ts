/**
 * The contract of AliasApprovalStore (src/registry/alias-approval-store.ts) as executable tests.
 * Every implementation calls `runAliasApprovalStoreConformance` with a factory for a fresh, empty
 * store and the registry store of the same database (the models, versions, aliases and events).
 */
import type { RegistryEvent } from '@keel/contracts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AliasApprovalStore } from '../../src/registry/alias-approval-store.js'
import type { Audit, RegistryStore } from '../../src/registry/registry-store.js'
import { refused } from './refused.js'

export interface AliasApprovalStoreHandle {
  readonly store: AliasApprovalStore
  /** The registry of the same database. */
  readonly registry: RegistryStore
  close(): Promise<void>
}

export function runAliasApprovalStoreConformance(options: {
  name: string
  newStore: () => Promise<AliasApprovalStoreHandle>
}): void {
  describe(`AliasApprovalStore conformance: ${options.name}`, () => {
    let handle: AliasApprovalStoreHandle
    let store: AliasApprovalStore
    let registry: RegistryStore
    let clock: number
    /** A fresh audit stamp, one millisecond after the previous. */
    const by = (actor: string, comment?: string): Audit => ({
      actor,
      time: ++clock,
      ...(comment !== undefined && { comment }),
    })

    /** A model with `versions` versions, `champion` on version 1. */
    async function model(name: string, versions = 2): Promise<void> {
      await registry.createModel({ name, tags: [] }, by('owner'))
      for (let i = 0; i < versions; i++) {
        const source = `mlflow-artifacts:/0/r${i}/artifacts/model`
        await registry.createVersion(
          {
            name,
            source,
            storageLocation: source,
            tags: [],
            lineage: { source, datasets: [], params: [], metrics: [] },
          },
          by('owner'),
        )
      }
      await registry.setAlias(name, 'champion', '1', by('owner'))
    }
    const events = async (name: string): Promise<readonly RegistryEvent[]> =>
      (await registry.searchEvents({ name, offset: 0, limit: 1000 })).items
    const aliasVersion = async (name: string, alias: string) => (await registry.getVersionByAlias(name, alias))?.version

    beforeEach(async () => {
      handle = await options.newStore()
      store = handle.store
      registry = handle.registry
      clock = 1_700_000_000_000
      await model('fraud')
    })
    afterEach(async () => handle.close())

    // ---- protections ----

    it('protects an alias of an existing model, changes and lists protections, unprotects once; each change an event', async () => {
      const p = await store.setProtection('fraud', 'champion', true, by('ann'))
      expect(p).toEqual({
        name: 'fraud',
        alias: 'champion',
        requireApproval: true,
        protectedBy: 'ann',
        protectedTime: clock,
      })
      expect(await store.getProtection('fraud', 'champion')).toEqual(p)
      const changed = await store.setProtection('fraud', 'champion', false, by('bob'))
      expect(changed).toEqual({
        name: 'fraud',
        alias: 'champion',
        requireApproval: false,
        protectedBy: 'bob',
        protectedTime: clock,
      })
      // an alias not set yet may be protected ahead of time
      const later = await store.setProtection('fraud', 'backup', true, by('ann'))
      expect((await store.listProtections('fraud')).sort((a, b) => a.alias.localeCompare(b.alias))).toEqual([
        later,
        changed,
      ])
      expect(await store.listProtections('other')).toEqual([])
      expect(await store.getProtection('fraud', 'nope')).toBeUndefined()
      await refused(store.setProtection('ghost', 'champion', true, by('ann')), 'RESOURCE_DOES_NOT_EXIST', /ghost/)

      expect(await store.deleteProtection('fraud', 'champion', by('carol'))).toBe(true)
      expect(await store.deleteProtection('fraud', 'champion', by('carol'))).toBe(false)
      expect(await store.deleteProtection('ghost', 'champion', by('carol'))).toBe(false)
      expect(await store.getProtection('fraud', 'champion')).toBeUndefined()
      const trail = (await events('fraud'))
        .filter((e) => e.kind === 'alias_protected' || e.kind === 'alias_unprotected')
        .reverse()
      expect(trail.map((e) => [e.kind, e.alias, e.actor])).toEqual([
        ['alias_protected', 'champion', 'ann'],
        ['alias_protected', 'champion', 'bob'],
        ['alias_protected', 'backup', 'ann'],
        ['alias_unprotected', 'champion', 'carol'],
      ])
      expect(await events('ghost')).toEqual([])
    })

    // ---- requests ----

    it('creates a pending request with its event; one pending request per alias; unknown models and versions refused', async () => {
      const r = await store.createRequest('fraud', 'champion', '2', by('ann', 'better recall'))
      expect(r).toEqual({
        requestId: r.requestId,
        name: 'fraud',
        alias: 'champion',
        version: '2',
        requestedBy: 'ann',
        requestedTime: clock,
        comment: 'better recall',
        status: 'pending',
      })
      expect(await store.getRequest(r.requestId)).toEqual(r)
      const [event] = (await events('fraud')).filter((e) => e.kind === 'alias_change_requested')
      expect(event).toMatchObject({
        actor: 'ann',
        alias: 'champion',
        version: '2',
        to: '2',
        requestId: r.requestId,
        comment: 'better recall',
      })

      await refused(
        store.createRequest('fraud', 'champion', '1', by('bob')),
        'INVALID_PARAMETER_VALUE',
        new RegExp(`#${r.requestId}.*pending`),
      )
      const removal = await store.createRequest('fraud', 'backup', undefined, by('bob'))
      expect(removal).not.toHaveProperty('version')
      expect(removal).not.toHaveProperty('comment')
      await refused(store.createRequest('ghost', 'champion', '1', by('ann')), 'RESOURCE_DOES_NOT_EXIST', /ghost/)
      await refused(store.createRequest('fraud', 'other', '9', by('ann')), 'RESOURCE_DOES_NOT_EXIST', /version=9/)
      await refused(store.createRequest('fraud', 'other', 'x', by('ann')), 'RESOURCE_DOES_NOT_EXIST')
      expect((await events('fraud')).filter((e) => e.kind === 'alias_change_requested')).toHaveLength(2)
      expect(await store.getRequest('999999')).toBeUndefined()
      expect(await store.getRequest('not-a-number')).toBeUndefined()
      expect(await aliasVersion('fraud', 'champion')).toBe('1')
    })

    it('lists requests newest first, by model and status, in pages', async () => {
      await model('churn')
      const a = await store.createRequest('fraud', 'champion', '2', by('ann'))
      const b = await store.createRequest('churn', 'champion', '2', by('ann'))
      const c = await store.createRequest('fraud', 'backup', '1', by('bob'))
      await store.decideRequest(a.requestId, 'rejected', by('bob'))
      const ids = (page: { items: readonly { requestId: string }[] }) => page.items.map((r) => r.requestId)
      expect(ids(await store.listRequests({ offset: 0, limit: 10 }))).toEqual([c.requestId, b.requestId, a.requestId])
      expect(ids(await store.listRequests({ name: 'fraud', offset: 0, limit: 10 }))).toEqual([c.requestId, a.requestId])
      expect(ids(await store.listRequests({ status: 'pending', offset: 0, limit: 10 }))).toEqual([
        c.requestId,
        b.requestId,
      ])
      expect(ids(await store.listRequests({ status: 'rejected', name: 'fraud', offset: 0, limit: 10 }))).toEqual([
        a.requestId,
      ])
      expect(ids(await store.listRequests({ status: 'approved', offset: 0, limit: 10 }))).toEqual([])
      const first = await store.listRequests({ offset: 0, limit: 2 })
      expect([ids(first), first.hasMore]).toEqual([[c.requestId, b.requestId], true])
      const second = await store.listRequests({ offset: 2, limit: 2 })
      expect([ids(second), second.hasMore]).toEqual([[a.requestId], false])
      // restricted to the models the caller may read
      expect(
        ids(await store.listRequests({ readable: { only: ['churn'], except: [] }, offset: 0, limit: 10 })),
      ).toEqual([b.requestId])
      expect(ids(await store.listRequests({ readable: { except: ['churn'] }, offset: 0, limit: 10 }))).toEqual([
        c.requestId,
        a.requestId,
      ])
      expect(ids(await store.listRequests({ readable: { only: [], except: [] }, offset: 0, limit: 10 }))).toEqual([])
    })

    // ---- decisions ----

    it('approving moves the alias in the same transaction, with the decision, the move and the request in the trail', async () => {
      await store.setProtection('fraud', 'champion', true, by('owner'))
      const r = await store.createRequest('fraud', 'champion', '2', by('ann', 'better recall'))
      const approved = await store.decideRequest(r.requestId, 'approved', by('bob', 'looks good'))
      expect(approved).toEqual({
        ...r,
        status: 'approved',
        decidedBy: 'bob',
        decidedTime: clock,
        decisionComment: 'looks good',
      })
      expect(await store.getRequest(r.requestId)).toEqual(approved)
      expect(await aliasVersion('fraud', 'champion')).toBe('2')
      const trail = await events('fraud')
      expect(trail.find((e) => e.kind === 'alias_change_approved')).toMatchObject({
        actor: 'bob',
        alias: 'champion',
        version: '2',
        requestId: r.requestId,
        comment: 'looks good',
      })
      const move = trail.find((e) => e.kind === 'alias_set' && e.requestId === r.requestId)
      expect(move).toMatchObject({ actor: 'bob', alias: 'champion', from: '1', to: '2', timestamp: clock })
      expect(move?.comment).toContain('ann')
      // decided, it stays decided; the alias may be asked for again
      await refused(store.decideRequest(r.requestId, 'rejected', by('carol')), 'INVALID_PARAMETER_VALUE', /approved/)
      await refused(store.decideRequest(r.requestId, 'approved', by('carol')), 'INVALID_PARAMETER_VALUE', /approved/)
      expect(await store.getRequest(r.requestId)).toEqual(approved)
      expect(await events('fraud')).toEqual(trail)
      await store.createRequest('fraud', 'champion', '1', by('ann'))
    })

    it('approving a removal removes the alias; rejecting and cancelling leave it where it was', async () => {
      const removal = await store.createRequest('fraud', 'champion', undefined, by('ann'))
      await store.decideRequest(removal.requestId, 'approved', by('bob'))
      expect(await aliasVersion('fraud', 'champion')).toBeUndefined()
      expect((await events('fraud')).find((e) => e.kind === 'alias_deleted')).toMatchObject({
        alias: 'champion',
        from: '1',
        requestId: removal.requestId,
      })

      await registry.setAlias('fraud', 'champion', '1', by('owner'))
      const rejected = await store.createRequest('fraud', 'champion', '2', by('ann'))
      expect(await store.decideRequest(rejected.requestId, 'rejected', by('bob', 'not yet'))).toMatchObject({
        status: 'rejected',
        decidedBy: 'bob',
        decisionComment: 'not yet',
      })
      const cancelled = await store.createRequest('fraud', 'champion', '2', by('ann'))
      expect(await store.decideRequest(cancelled.requestId, 'cancelled', by('ann'))).toMatchObject({
        status: 'cancelled',
        decidedBy: 'ann',
      })
      expect(await aliasVersion('fraud', 'champion')).toBe('1')
      const kinds = (await events('fraud'))
        .filter((e) => e.requestId !== undefined)
        .map((e) => `${e.kind}#${e.requestId}`)
        .reverse()
      expect(kinds).toEqual([
        `alias_change_requested#${removal.requestId}`,
        `alias_change_approved#${removal.requestId}`,
        `alias_deleted#${removal.requestId}`,
        `alias_change_requested#${rejected.requestId}`,
        `alias_change_rejected#${rejected.requestId}`,
        `alias_change_requested#${cancelled.requestId}`,
        `alias_change_cancelled#${cancelled.requestId}`,
      ])
      await refused(
        store.decideRequest(cancelled.requestId, 'approved', by('bob')),
        'INVALID_PARAMETER_VALUE',
        /cancelled/,
      )
      await refused(store.decideRequest('999999', 'approved', by('bob')), 'RESOURCE_DOES_NOT_EXIST')
      await refused(store.decideRequest('nope', 'approved', by('bob')), 'RESOURCE_DOES_NOT_EXIST')
    })

    it('an approval whose move fails is not recorded: the request stays pending and the alias unmoved', async () => {
      const r = await store.createRequest('fraud', 'champion', '2', by('ann'))
      await registry.deleteVersion('fraud', '2', by('owner'))
      const before = await events('fraud')
      await refused(store.decideRequest(r.requestId, 'approved', by('bob')), 'RESOURCE_DOES_NOT_EXIST', /version=2/)
      expect(await store.getRequest(r.requestId)).toEqual(r)
      expect(await aliasVersion('fraud', 'champion')).toBe('1')
      expect(await events('fraud')).toEqual(before)
      // it can still be rejected
      expect((await store.decideRequest(r.requestId, 'rejected', by('bob'))).status).toBe('rejected')
    })

    // ---- the registry honours protections ----

    it('the registry refuses direct moves of an alias needing approval, and what would move it without asking', async () => {
      await store.setProtection('fraud', 'champion', true, by('owner'))
      await store.setProtection('fraud', 'backup', false, by('owner'))
      await refused(registry.setAlias('fraud', 'champion', '2', by('owner')), 'PERMISSION_DENIED', /approval/)
      await refused(registry.deleteAlias('fraud', 'champion', by('owner')), 'PERMISSION_DENIED')
      await refused(registry.deleteVersion('fraud', '1', by('owner')), 'PERMISSION_DENIED')
      await refused(registry.deleteModel('fraud', by('owner')), 'INVALID_PARAMETER_VALUE', /protected/)
      // protected without approval: the store moves it (MANAGE is the route's check)
      await registry.setAlias('fraud', 'backup', '2', by('owner'))
      expect(await aliasVersion('fraud', 'champion')).toBe('1')
      expect(await registry.getVersion('fraud', '1')).toBeDefined()

      // renaming the model carries its protections and requests along
      const r = await store.createRequest('fraud', 'champion', '2', by('ann'))
      await registry.renameModel('fraud', 'fraud-v2', by('owner'))
      expect((await store.listProtections('fraud-v2')).map((p) => p.alias).sort()).toEqual(['backup', 'champion'])
      expect(await store.listProtections('fraud')).toEqual([])
      expect(await store.getRequest(r.requestId)).toMatchObject({ name: 'fraud-v2', status: 'pending' })
      await store.decideRequest(r.requestId, 'approved', by('bob'))
      expect(await aliasVersion('fraud-v2', 'champion')).toBe('2')
    })
  })
}
