import type { Label } from '../types.js'

/** Orders labels like numpy: numbers ascending; strings by UTF-16 code units. Mixed kinds: numbers first. */
export function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number') return -1
  if (typeof b === 'number') return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** The distinct labels of one or more arrays, sorted ascending (like sklearn's `unique_labels`). */
export function uniqueLabels(...arrays: readonly (readonly Label[])[]): Label[] {
  const seen = new Set<Label>()
  for (const a of arrays) for (const v of a) seen.add(v)
  return [...seen].sort(compareLabels)
}

/** Maps labels to indices 0..k-1 (the order of `classes`) and back. */
export class LabelEncoder {
  readonly classes: readonly Label[]
  private readonly index: Map<Label, number>

  constructor(classes: readonly Label[]) {
    this.classes = classes
    this.index = new Map(classes.map((c, i) => [c, i]))
    if (this.index.size !== classes.length) throw new Error('classes must be distinct')
  }

  static fit(y: readonly Label[]): LabelEncoder {
    return new LabelEncoder(uniqueLabels(y))
  }

  encode(y: readonly Label[], what = 'y'): number[] {
    return y.map((v, i) => {
      const k = this.index.get(v)
      if (k === undefined)
        throw new Error(
          `${what}[${i}] = ${JSON.stringify(v)} is not one of the classes ${JSON.stringify(this.classes)}`,
        )
      return k
    })
  }

  decode(indices: readonly number[]): Label[] {
    return indices.map((k) => {
      const c = this.classes[k]
      if (c === undefined) throw new Error(`class index ${k} is out of range 0..${this.classes.length - 1}`)
      return c
    })
  }
}

/** Index of the largest value; ties go to the first (lowest index), like numpy's argmax. */
export function argmax(row: readonly number[]): number {
  let best = 0
  for (let j = 1; j < row.length; j++) if ((row[j] as number) > (row[best] as number)) best = j
  return best
}
