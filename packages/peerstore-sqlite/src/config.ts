/**
 * Configuration of the SQLite peerstore: the memory store's options (the
 * working set is an in-memory store) plus the file and its write-behind.
 */
import type { PeerId, PeerstoreError } from '@switchyard/interface'
import {
  type MemoryPeerstoreInit,
  defaults as memoryDefaults,
  validateInit as validateMemoryInit,
} from '@switchyard/peerstore-memory'

/** Options of `openSqlitePeerstore`. */
export interface SqlitePeerstoreInit extends MemoryPeerstoreInit {
  /** The database file (created if missing). Required. */
  path: string
  /**
   * Writes are batched and flushed in one transaction this long after the first
   * unflushed change (and on `flush()` / `close()`). Default 100 ms.
   */
  flushIntervalMs?: number
  /**
   * `PRAGMA synchronous`. With WAL, `normal` loses no committed transaction when
   * the process crashes, only (the last ones) on power loss; `full` survives both,
   * at an fsync per flush. Default `normal`.
   */
  synchronous?: 'normal' | 'full'
  /** Check the file when opening: `quick` (`PRAGMA quick_check`), `full` or `off`. Default `quick`. */
  integrityCheck?: 'quick' | 'full' | 'off'
  /**
   * Rebuilds a `PeerId` from its string form when loading. Default: a minimal
   * `PeerId` built from the stored bytes and string (no parsing, no dependency).
   * Pass `peerIdFromString` of `@switchyard/peer-id` to get full ids back.
   */
  peerIdFromString?: (id: string) => PeerId
  /**
   * Called when a background (timer) flush fails; the changes stay pending and
   * the next flush retries them. Default: `process.emitWarning`.
   */
  onError?: (err: PeerstoreError) => void
}

/** The defaults of `SqlitePeerstoreInit` (besides the memory store's `defaults`). */
export const defaults = {
  ...memoryDefaults,
  flushIntervalMs: 100,
  synchronous: 'normal',
  integrityCheck: 'quick',
} as const

/** The init with defaults filled in. */
export interface SqlitePeerstoreConfig {
  readonly memory: MemoryPeerstoreInit
  readonly path: string
  readonly flushIntervalMs: number
  readonly synchronous: 'normal' | 'full'
  readonly integrityCheck: 'quick' | 'full' | 'off'
  readonly peerIdFromString: ((id: string) => PeerId) | undefined
  readonly onError: (err: PeerstoreError) => void
}

/** Fills in defaults and checks ranges; throws TypeError / RangeError. */
export function validateInit(init: SqlitePeerstoreInit): SqlitePeerstoreConfig {
  if (init === null || typeof init !== 'object') throw new TypeError('init must be an object')
  const { path, flushIntervalMs, synchronous, integrityCheck, peerIdFromString, onError, ...memory } = init
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('path must be a non-empty string')
  const interval = flushIntervalMs ?? defaults.flushIntervalMs
  if (!Number.isInteger(interval) || interval < 0)
    throw new RangeError('flushIntervalMs must be an integer >= 0')
  const sync = synchronous ?? defaults.synchronous
  if (sync !== 'normal' && sync !== 'full') throw new RangeError("synchronous must be 'normal' or 'full'")
  const check = integrityCheck ?? defaults.integrityCheck
  if (check !== 'quick' && check !== 'full' && check !== 'off') {
    throw new RangeError("integrityCheck must be 'quick', 'full' or 'off'")
  }
  if (peerIdFromString !== undefined && typeof peerIdFromString !== 'function') {
    throw new TypeError('peerIdFromString must be a function')
  }
  if (onError !== undefined && typeof onError !== 'function')
    throw new TypeError('onError must be a function')
  validateMemoryInit(memory)
  return {
    memory,
    path,
    flushIntervalMs: interval,
    synchronous: sync,
    integrityCheck: check,
    peerIdFromString,
    onError: onError ?? ((err) => process.emitWarning(err)),
  }
}
