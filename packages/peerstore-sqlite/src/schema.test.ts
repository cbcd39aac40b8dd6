import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { AddressTTL, PeerstoreError } from '@switchyard/interface'
import { fakePeerId } from '@switchyard/testkit'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { APPLICATION_ID, SCHEMA_VERSION } from './schema.js'
import { openSqlitePeerstore } from './sqlite-peerstore.js'

const dir = mkdtempSync(join(tmpdir(), 'switchyard-peerstore-schema-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = () => join(dir, `s-${n++}.db`)

function openError(path: string): PeerstoreError {
  try {
    openSqlitePeerstore({ path }).close()
  } catch (err) {
    expect(PeerstoreError.is(err)).toBe(true)
    return err as PeerstoreError
  }
  throw new Error('expected open to fail')
}

async function storeWithData(path: string): Promise<void> {
  const store = openSqlitePeerstore({ path })
  for (let i = 0; i < 200; i++) {
    store.addAddrs(fakePeerId(i), [multiaddr(`/ip4/10.0.${i >> 8}.${i & 255}/tcp/1`)], AddressTTL.permanent)
    store.setProtocols(fakePeerId(i), ['/ipfs/id/1.0.0', `/x/${i}`])
  }
  await store.close()
}

describe('sqlite schema', () => {
  it('creates a WAL database marked with its application id and schema version', async () => {
    const path = fresh()
    await storeWithData(path)
    const db = new Database(path, { readonly: true })
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
      expect(db.prepare('SELECT count(*) FROM peers').pluck().get()).toBe(200)
      expect(db.prepare('SELECT count(*) FROM protocols').pluck().get()).toBe(400)
    } finally {
      db.close()
    }
  })

  it('treats an empty file as a new store', async () => {
    const path = fresh()
    writeFileSync(path, new Uint8Array(0))
    const store = openSqlitePeerstore({ path })
    expect(store.size).toBe(0)
    await store.close()
  })

  it('refuses a file that is not a database, and leaves it as it was', () => {
    const path = fresh()
    const garbage = new Uint8Array(8192).map((_, i) => (i * 131 + 7) & 255)
    writeFileSync(path, garbage)
    expect(openError(path).code).toBe('PEERSTORE_CORRUPT')
    expect(new Uint8Array(readFileSync(path))).toEqual(garbage)
  })

  it('refuses a file with damaged pages', async () => {
    const path = fresh()
    await storeWithData(path)
    const bytes = new Uint8Array(readFileSync(path))
    const pageSize = (bytes[16] as number) * 256 + (bytes[17] as number)
    expect(bytes.byteLength).toBeGreaterThan(pageSize * 3)
    // Scribble over every page after the first (the schema page stays readable).
    for (let i = pageSize; i < bytes.byteLength; i += 97) bytes[i] = 0xa5
    writeFileSync(path, bytes)
    expect(openError(path).code).toBe('PEERSTORE_CORRUPT')
  })

  it('refuses a file written by a newer schema version, without touching its data', async () => {
    const path = fresh()
    await storeWithData(path)
    const db = new Database(path)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    const err = openError(path)
    expect(err.code).toBe('PEERSTORE_SCHEMA_TOO_NEW')
    const check = new Database(path, { readonly: true })
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1)
      expect(check.prepare('SELECT count(*) FROM peers').pluck().get()).toBe(200)
    } finally {
      check.close()
    }
  })

  it("refuses another application's database", () => {
    const path = fresh()
    const db = new Database(path)
    db.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)')
    db.close()
    expect(openError(path).code).toBe('PEERSTORE_FOREIGN_DATABASE')
    const again = new Database(path, { readonly: true })
    expect(again.pragma('user_version', { simple: true })).toBe(0)
    again.close()
  })

  it('holds the file exclusively: a second store on it fails with PEERSTORE_LOCKED', async () => {
    const path = fresh()
    const store = openSqlitePeerstore({ path })
    store.tag(fakePeerId(1), 'x')
    await store.flush()
    expect(openError(path).code).toBe('PEERSTORE_LOCKED')
    await store.close()
    const again = openSqlitePeerstore({ path })
    expect(again.tags(fakePeerId(1)).has('x')).toBe(true)
    await again.close()
  })

  it('refuses rows it cannot decode instead of skipping them', async () => {
    const path = fresh()
    await storeWithData(path)
    const db = new Database(path)
    db.prepare(
      "UPDATE addresses SET addr = x'ffffffff' WHERE (peer, addr) = (SELECT peer, addr FROM addresses LIMIT 1)",
    ).run()
    db.close()
    expect(openError(path).code).toBe('PEERSTORE_CORRUPT')
  })

  it('refuses orphan rows (a child row without its peer)', async () => {
    const path = fresh()
    await storeWithData(path)
    const db = new Database(path)
    db.prepare("INSERT INTO protocols (peer, position, protocol) VALUES ('nobody', 0, '/x')").run()
    db.close()
    expect(openError(path).code).toBe('PEERSTORE_CORRUPT')
  })
})
