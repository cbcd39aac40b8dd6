/**
 * The database file: opening, checks, the versioned schema and its migrations.
 *
 * The schema version lives in `PRAGMA user_version` and the file is marked as a
 * Switchyard peerstore with `PRAGMA application_id` (SQLite "Database File
 * Format" §1.3: header offsets 60 and 68). Migrations run in one transaction, so
 * a crash mid-migration leaves the previous version intact. A file we cannot
 * read, one written by a newer version, or one of another application is never
 * overwritten: opening throws a typed `PeerstoreError` instead.
 */
import { PeerstoreError, type PeerstoreErrorCode } from '@switchyard/interface'
import Database from 'better-sqlite3'

/** The schema version this code writes. */
export const SCHEMA_VERSION = 1

/** `PRAGMA application_id` of a Switchyard peerstore: 'SYPS' in ASCII. */
export const APPLICATION_ID = 0x53595053

/**
 * Migrations: entry `i` takes the schema from version `i` to `i + 1`.
 * Append only; never edit a released step.
 */
const MIGRATIONS: readonly string[] = [
  // 0 -> 1: the first schema. Child rows are keyed by the peer's string id;
  // WITHOUT ROWID keeps them clustered per peer, so a peer's rows are one range.
  `
  CREATE TABLE peers (
    id TEXT PRIMARY KEY NOT NULL,
    id_bytes BLOB NOT NULL,
    public_key BLOB,
    latency_ms REAL,
    last_connected_at INTEGER,
    last_disconnected_at INTEGER,
    disconnect_reason TEXT
  ) WITHOUT ROWID;
  CREATE TABLE addresses (
    peer TEXT NOT NULL,
    addr BLOB NOT NULL,
    ttl_ms INTEGER NOT NULL,
    expires_at INTEGER, -- NULL: never (connected / permanent)
    successes INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    consecutive_failures INTEGER NOT NULL,
    last_success_at INTEGER,
    last_failure_at INTEGER,
    last_error_code TEXT,
    PRIMARY KEY (peer, addr)
  ) WITHOUT ROWID;
  CREATE TABLE protocols (
    peer TEXT NOT NULL,
    position INTEGER NOT NULL,
    protocol TEXT NOT NULL,
    PRIMARY KEY (peer, position)
  ) WITHOUT ROWID;
  CREATE TABLE metadata (
    peer TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (peer, key)
  ) WITHOUT ROWID;
  CREATE TABLE tags (
    peer TEXT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    expires_at INTEGER, -- NULL: no TTL
    PRIMARY KEY (peer, name)
  ) WITHOUT ROWID;
  `,
]

/** Options of `openDatabase`. */
export interface OpenOptions {
  /** `PRAGMA synchronous` in WAL mode: `normal` survives process crashes, `full` also power loss. */
  synchronous: 'normal' | 'full'
  /** Check the file on open: `quick` (`PRAGMA quick_check`), `full` (`integrity_check`) or `off`. */
  integrityCheck: 'quick' | 'full' | 'off'
}

/**
 * Opens (creating if needed) and migrates the peerstore database at `path`,
 * holding an exclusive lock on it until closed: one store per file.
 */
export function openDatabase(path: string, options: OpenOptions): Database.Database {
  let db: Database.Database
  try {
    // A short busy timeout: another store holding the file is an error, not something to wait for.
    db = new Database(path, { timeout: 100 })
  } catch (err) {
    throw mapSqliteError(err, `cannot open ${path}`)
  }
  try {
    // EXCLUSIVE: the file belongs to this store alone (two stores would overwrite each
    // other's write-behind batches). It also keeps the WAL index in heap memory.
    db.pragma('locking_mode = EXCLUSIVE')
    const version = db.pragma('user_version', { simple: true }) as number
    const appId = db.pragma('application_id', { simple: true }) as number
    const tables = db
      .prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'")
      .pluck()
      .get() as number
    if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) {
      throw new PeerstoreError(
        'PEERSTORE_FOREIGN_DATABASE',
        `${path} is a database of another application (application_id ${appId}); refusing to touch it`,
      )
    }
    if (version > SCHEMA_VERSION) {
      throw new PeerstoreError(
        'PEERSTORE_SCHEMA_TOO_NEW',
        `${path} has schema version ${version}, newer than this store's ${SCHEMA_VERSION}; upgrade @switchyard/peerstore-sqlite`,
      )
    }
    const mode = db.pragma('journal_mode = WAL', { simple: true })
    if (mode !== 'wal')
      throw new PeerstoreError('PEERSTORE_IO', `${path}: cannot enter WAL mode (got ${String(mode)})`)
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    if (options.integrityCheck !== 'off') checkIntegrity(db, path, options.integrityCheck)
    migrate(db, version)
    // Take the exclusive lock now rather than at the first flush.
    db.exec('BEGIN EXCLUSIVE; COMMIT')
    return db
  } catch (err) {
    db.close()
    throw mapSqliteError(err, `cannot open ${path}`)
  }
}

function checkIntegrity(db: Database.Database, path: string, kind: 'quick' | 'full'): void {
  const rows = db.pragma(kind === 'quick' ? 'quick_check' : 'integrity_check') as Array<
    Record<string, string>
  >
  const problems = rows.map((r) => Object.values(r)[0]).filter((v) => v !== 'ok')
  if (problems.length > 0) {
    throw new PeerstoreError(
      'PEERSTORE_CORRUPT',
      `${path} failed its ${kind} check: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
    )
  }
}

function migrate(db: Database.Database, from: number): void {
  if (from === SCHEMA_VERSION) return
  db.transaction(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string)
    db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }).immediate()
}

/**
 * Maps a better-sqlite3 `SqliteError` (by its `code`, never its message) to a
 * `PeerstoreError`; a `PeerstoreError` passes through.
 */
export function mapSqliteError(err: unknown, context: string): unknown {
  if (PeerstoreError.is(err)) return err
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err
  let mapped: PeerstoreErrorCode = 'PEERSTORE_IO'
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) mapped = 'PEERSTORE_CORRUPT'
  else if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) mapped = 'PEERSTORE_LOCKED'
  return new PeerstoreError(mapped, `${context}: ${code}`, { cause: err })
}
