/** Column means and standard deviations (population, like sklearn's StandardScaler; 0 -> 1). */
export interface Scaler {
  readonly mean: number[]
  readonly scale: number[]
}

export function fitScaler(X: readonly (readonly number[])[]): Scaler {
  const d = (X[0] as readonly number[]).length
  const n = X.length
  const mean = new Array<number>(d).fill(0)
  const scale = new Array<number>(d).fill(0)
  for (const row of X) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (row[j] as number) / n
  for (const row of X)
    for (let j = 0; j < d; j++) scale[j] = (scale[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2 / n
  return { mean, scale: scale.map((v) => (v > 0 ? Math.sqrt(v) : 1)) }
}

export function applyScaler(s: Scaler, X: readonly (readonly number[])[]): number[][] {
  return X.map((row) => row.map((v, j) => (v - (s.mean[j] as number)) / (s.scale[j] as number)))
}
