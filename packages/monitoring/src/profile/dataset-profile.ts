// A dataset's profile: one ColumnProfile per column, mergeable and serialisable. Windows of a
// prediction log or shards of a big file are profiled separately and merged; drift is then
// computed from two profiles (profile-drift.ts) when the raw data is gone.

import type { DriftTable } from '../drift/columns.js'
import { ColumnProfile, type ColumnProfileJson, type ProfileOptions } from './column-profile.js'
import { checkCount, checkObject, checkVersion, ProfileFormatError } from './encoding.js'

export interface DatasetProfileJson {
  kind: 'dataset_profile'
  v: 1
  rows: number
  columns: Record<string, ColumnProfileJson>
}

export class DatasetProfile {
  rows = 0
  readonly columns = new Map<string, ColumnProfile>()

  constructor(readonly options: ProfileOptions = {}) {}

  /** Profiles every column of a table (one pass per column). */
  static fromTable(table: DriftTable, options: ProfileOptions = {}): DatasetProfile {
    return new DatasetProfile(options).update(table)
  }

  /**
   * Adds a batch of rows. Every column must have the same length; a column absent from the batch
   * counts its rows as missing, so profiles of windows with different schemas still add up.
   */
  update(table: DriftTable): this {
    const names = Object.keys(table)
    let rows: number | undefined
    for (const name of names) {
      const col = table[name]!
      const len =
        'codes' in col && !Array.isArray(col) && !(col instanceof Float64Array)
          ? col.codes.length
          : (col as ArrayLike<unknown>).length
      if (rows === undefined) rows = len
      else if (len !== rows) throw new RangeError(`column '${name}' has ${len} rows, expected ${rows}`)
    }
    const n = rows ?? 0
    for (const name of names) {
      let p = this.columns.get(name)
      if (p === undefined) {
        p = new ColumnProfile(this.options)
        p.rows = this.rows
        p.nulls = this.rows // rows before this column appeared
        this.columns.set(name, p)
      }
      p.update(table[name]!)
    }
    for (const [name, p] of this.columns) {
      if (!Object.hasOwn(table, name)) {
        p.rows += n
        p.nulls += n
      }
    }
    this.rows += n
    return this
  }

  column(name: string): ColumnProfile | undefined {
    return this.columns.get(name)
  }

  merge(other: DatasetProfile): this {
    for (const [name, p] of this.columns) {
      if (!other.columns.has(name)) {
        p.rows += other.rows
        p.nulls += other.rows
      }
    }
    for (const [name, q] of other.columns) {
      const p = this.columns.get(name)
      if (p) p.merge(q)
      else {
        const c = q.clone()
        c.rows += this.rows
        c.nulls += this.rows
        this.columns.set(name, c)
      }
    }
    this.rows += other.rows
    return this
  }

  clone(): DatasetProfile {
    return DatasetProfile.fromJSON(this.toJSON())
  }

  toJSON(): DatasetProfileJson {
    const columns: Record<string, ColumnProfileJson> = {}
    for (const [name, p] of this.columns) columns[name] = p.toJSON()
    return { kind: 'dataset_profile', v: 1, rows: this.rows, columns }
  }

  static fromJSON(json: unknown): DatasetProfile {
    const o = checkObject(json, 'dataset_profile')
    checkVersion(o, 'dataset_profile', 1)
    const rows = checkCount(o.rows, 'dataset_profile.rows')
    const cols = checkObject(o.columns, 'dataset_profile.columns')
    let options: ProfileOptions | undefined
    const d = new DatasetProfile()
    for (const name of Object.keys(cols)) {
      const p = ColumnProfile.fromJSON(cols[name])
      if (p.rows !== rows)
        throw new ProfileFormatError(`dataset_profile: column '${name}' has ${p.rows} rows, the profile ${rows}`)
      options ??= p.options
      d.columns.set(name, p)
    }
    const out = new DatasetProfile(options ?? {})
    for (const [k, v] of d.columns) out.columns.set(k, v)
    out.rows = rows
    return out
  }
}
