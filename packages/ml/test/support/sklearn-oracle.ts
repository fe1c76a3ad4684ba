// scikit-learn as a test oracle, through the shared Python oracle runner (./python-oracle.ts).

import { close, runPython } from './python-oracle.js'

/** Runs `script` (after the oracle prelude, with scikit-learn importable) with `input` on stdin; returns its JSON output. */
export const runSklearn = runPython

/** |actual - expected| <= 1e-10 + 1e-9 * |expected|; NaN and ±Infinity match only themselves. */
export function closeTo(actual: number, expected: number): boolean {
  return close(actual, expected, 1e-9, 1e-10)
}
