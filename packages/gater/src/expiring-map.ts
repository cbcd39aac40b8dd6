/**
 * A map whose entries may expire. Expired entries vanish: lookups and iteration skip
 * and delete them, so no timer is needed (time comes from the injected clock).
 */

/** A clock in milliseconds (wall clock by default, so ban expiries can be shown as dates). */
export type Clock = () => number

interface Entry<V> {
  readonly value: V
  /** Absent: never expires. */
  readonly expiresAt: number | undefined
}

/** Map with optional per-entry expiry. */
export class ExpiringMap<K, V> {
  readonly #clock: Clock
  readonly #map = new Map<K, Entry<V>>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Sets `key`; with `ttlMs` it vanishes `ttlMs` after now. */
  set(key: K, value: V, ttlMs?: number): void {
    this.#map.set(key, { value, expiresAt: ttlMs === undefined ? undefined : this.#clock() + ttlMs })
  }

  /** The live entry of `key`. */
  get(key: K): { value: V; expiresAt: number | undefined } | undefined {
    const e = this.#map.get(key)
    if (e === undefined) return undefined
    if (e.expiresAt !== undefined && e.expiresAt <= this.#clock()) {
      this.#map.delete(key)
      return undefined
    }
    return e
  }

  delete(key: K): boolean {
    return this.#map.delete(key)
  }

  /** Live entries (expired ones are deleted on the way). */
  *entries(): IterableIterator<[K, V, number | undefined]> {
    const now = this.#clock()
    for (const [k, e] of this.#map) {
      if (e.expiresAt !== undefined && e.expiresAt <= now) {
        this.#map.delete(k)
        continue
      }
      yield [k, e.value, e.expiresAt]
    }
  }

  /** Number of live entries. */
  get size(): number {
    let n = 0
    for (const _ of this.entries()) n++
    return n
  }
}
