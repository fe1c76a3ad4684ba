import { describe, expect, it } from 'vitest'
import { parseStoreUri } from './open-database.js'

describe('parseStoreUri (read as MLflow and SQLAlchemy read it)', () => {
  it('reads three slashes as relative to the working directory and four as absolute', () => {
    expect(parseStoreUri('sqlite:///keel.db', '/work')).toEqual({ dialect: 'sqlite', path: '/work/keel.db' })
    expect(parseStoreUri('sqlite:///data/keel.db', '/work')).toEqual({ dialect: 'sqlite', path: '/work/data/keel.db' })
    expect(parseStoreUri('sqlite:////var/lib/keel.db', '/work')).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/keel.db',
    })
  })
  it('reads in-memory forms', () => {
    expect(parseStoreUri('sqlite://')).toEqual({ dialect: 'sqlite', path: ':memory:' })
    expect(parseStoreUri('sqlite:///:memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' })
  })
  it('recognises PostgreSQL URIs and refuses what it does not know', () => {
    expect(parseStoreUri('postgresql://u:p@host/db')).toMatchObject({ dialect: 'postgres' })
    expect(parseStoreUri('postgresql+psycopg2://u:p@host/db')).toMatchObject({ dialect: 'postgres' })
    expect(() => parseStoreUri('mysql://x')).toThrow(/Unsupported backend store URI scheme 'mysql'/)
    expect(() => parseStoreUri('keel.db')).toThrow(/Invalid backend store URI/)
    expect(() => parseStoreUri('sqlite://relative.db')).toThrow(/expected sqlite:\/\/\/path.db/)
  })
})
