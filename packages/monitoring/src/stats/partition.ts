/**
 * Hoare partition of a[lo..hi] (finite values) around `pivot`, a value the range holds, in place:
 * afterwards j < i, a[lo..j] <= pivot <= a[i..hi], and an element between j and i equals pivot.
 * Shared by the quickselect of the MMD's median heuristic and the KLL sketch's sort.
 */
export function hoarePartition(a: Float64Array, lo: number, hi: number, pivot: number): { i: number; j: number } {
  let i = lo
  let j = hi
  while (i <= j) {
    while (a[i]! < pivot) i++
    while (a[j]! > pivot) j--
    if (i <= j) {
      const t = a[i]!
      a[i] = a[j]!
      a[j] = t
      i++
      j--
    }
  }
  return { i, j }
}
