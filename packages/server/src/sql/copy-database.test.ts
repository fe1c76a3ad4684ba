import { describe, expect, it } from 'vitest'
import { copyOrder } from './copy-database.js'

describe('copyOrder', () => {
  it('puts each table after the tables its foreign keys reference', () => {
    const order = copyOrder([
      { name: 'metrics', references: ['runs'] },
      { name: 'runs', references: ['experiments'] },
      { name: 'experiments', references: [] },
      { name: 'audit_log', references: [] },
    ])
    expect(order).toEqual(['audit_log', 'experiments', 'runs', 'metrics'])
  })

  it("follows the target's foreign keys where the source declares none", () => {
    const postgres = [
      { name: 'metrics', references: [] },
      { name: 'runs', references: [] },
    ]
    const sqlite = [
      { name: 'metrics', references: ['runs'] },
      { name: 'runs', references: [] },
    ]
    expect(copyOrder(postgres)).toEqual(['metrics', 'runs'])
    expect(copyOrder(postgres, sqlite)).toEqual(['runs', 'metrics'])
  })

  it('refuses a cycle, naming a table on it', () => {
    expect(() =>
      copyOrder([
        { name: 'a', references: ['b'] },
        { name: 'b', references: ['a'] },
      ]),
    ).toThrow(/cycle through a/)
  })
})
