/**
 * @stdlib's special functions (incomplete gamma and beta, erfc, log-gamma), loaded on first use:
 * they are CommonJS packages of ~300 files together, and importing @keel/monitoring (so @keel/sdk
 * and every keel command) should not pay for them before a test needs a p-value.
 */
import { createRequire } from 'node:module'
import type Betainc from '@stdlib/math-base-special-betainc'
import type Erfc from '@stdlib/math-base-special-erfc'
import type Gammainc from '@stdlib/math-base-special-gammainc'
import type Gammaln from '@stdlib/math-base-special-gammaln'

interface Special {
  readonly betainc: typeof Betainc
  readonly erfc: typeof Erfc
  readonly gammainc: typeof Gammainc
  readonly gammaln: typeof Gammaln
}

const require = createRequire(import.meta.url)
let loaded: Special | undefined

/** The functions, required the first time one is called. */
export function special(): Special {
  loaded ??= {
    betainc: require('@stdlib/math-base-special-betainc'),
    erfc: require('@stdlib/math-base-special-erfc'),
    gammainc: require('@stdlib/math-base-special-gammainc'),
    gammaln: require('@stdlib/math-base-special-gammaln'),
  }
  return loaded
}

/** ln |Γ(x)| (scipy.special.gammaln). */
export function gammaln(x: number): number {
  return special().gammaln(x)
}
