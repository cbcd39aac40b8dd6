/**
 * A bounded least-recently-used map with string keys, and `bytesKey`, which
 * turns byte strings into such a key. The noise handshake keeps two per
 * `createNoise` instance (see `verifiedIdentityCacheSize`): verified remote
 * identities and imported remote static keys.
 */

/** A `Map` holding at most `maxEntries` entries; the least recently used one goes first. */
export class LruCache<V> {
  readonly maxEntries: number
  // A Map iterates in insertion order: re-inserting on every hit keeps the least
  // recently used entry first.
  readonly #map = new Map<string, V>()

  /** `maxEntries` ≥ 0; 0 makes a cache that holds nothing. */
  constructor(maxEntries: number) {
    if (!(Number.isInteger(maxEntries) && maxEntries >= 0))
      throw new RangeError('maxEntries must be an integer ≥ 0')
    this.maxEntries = maxEntries
  }

  get size(): number {
    return this.#map.size
  }

  /** The value of `key` (and marks it most recently used), or `undefined`. */
  get(key: string): V | undefined {
    const map = this.#map
    const v = map.get(key)
    if (v !== undefined) {
      map.delete(key)
      map.set(key, v)
    }
    return v
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used one past the bound. */
  set(key: string, value: V): void {
    if (this.maxEntries === 0) return
    const map = this.#map
    map.delete(key)
    map.set(key, value)
    if (map.size > this.maxEntries) map.delete(map.keys().next().value as string)
  }

  clear(): void {
    this.#map.clear()
  }
}

type Latin1 = { from(b: ArrayBufferLike, o: number, n: number): { toString(encoding: 'latin1'): string } }
const NodeBuffer = (globalThis as { Buffer?: Latin1 }).Buffer

/**
 * A string that holds `parts` exactly, each behind its 4-byte big-endian length
 * (so two different lists of parts never give the same key): one char per byte.
 */
export function bytesKey(...parts: Uint8Array[]): string {
  let n = 0
  for (const p of parts) n += 4 + p.byteLength
  const buf = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    const len = p.byteLength
    buf[o] = len >>> 24
    buf[o + 1] = (len >>> 16) & 0xff
    buf[o + 2] = (len >>> 8) & 0xff
    buf[o + 3] = len & 0xff
    buf.set(p, o + 4)
    o += 4 + len
  }
  if (NodeBuffer !== undefined) return NodeBuffer.from(buf.buffer, 0, n).toString('latin1')
  let s = ''
  for (let i = 0; i < n; i += 4096) s += String.fromCharCode(...buf.subarray(i, i + 4096))
  return s
}
