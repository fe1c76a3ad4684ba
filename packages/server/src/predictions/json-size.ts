/** Sizes of JSON values, bounded cheaply: the prediction log checks every record's fields against a byte limit. */

/** The longest text of a JS number in JSON: `-0.0000012345678901234567` (sign, `0.`, five zeros, 17 significant digits). */
const NUMBER_BYTES = 25

/**
 * An upper bound of the UTF-8 bytes of `JSON.stringify(value)`, without building the text (a
 * double's shortest decimal is most of that cost): a UTF-16 unit takes at most 6 bytes (`\u001f`),
 * a number at most 25. Infinity for what is not plain JSON data, which is then measured.
 */
export function jsonByteBound(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'number':
      return NUMBER_BYTES
    case 'string':
      return 2 + 6 * value.length
    case 'boolean':
      return 5
    case 'object': {
      if (value === null) return 4
      if (depth > 32) return Infinity
      if (Array.isArray(value)) {
        let n = 2 + value.length
        for (const v of value) n += jsonByteBound(v, depth + 1)
        return n
      }
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return Infinity
      let n = 2
      for (const key of Object.keys(value))
        n += 4 + 6 * key.length + jsonByteBound((value as Record<string, unknown>)[key], depth + 1)
      return n
    }
    default:
      return Infinity
  }
}
