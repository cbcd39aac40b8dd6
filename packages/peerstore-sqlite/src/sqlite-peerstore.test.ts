import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { AddressTTL, type PeerId, type PeerstoreError } from '@switchyard/interface'
import { fakePeerId } from '@switchyard/testkit'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { openSqlitePeerstore, type SqlitePeerstore } from './sqlite-peerstore.js'
import { StoredPeerId } from './stored-peer-id.js'

const dir = mkdtempSync(join(tmpdir(), 'switchyard-peerstore-unit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = () => join(dir, `u-${n++}.db`)
const A = multiaddr('/ip4/10.0.0.1/tcp/4001')

function count(path: string, table: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  } finally {
    db.close()
  }
}

describe('SqlitePeerstore', () => {
  const open: SqlitePeerstore[] = []
  afterEach(async () => {
    vi.useRealTimers()
    for (const s of open.splice(0)) await s.close()
  })
  const create = (init: Partial<Parameters<typeof openSqlitePeerstore>[0]> & { path: string }) => {
    const s = openSqlitePeerstore({ gcIntervalMs: 0, ...init })
    open.push(s)
    return s
  }

  it('batches writes and flushes them on its timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const store = create({ path: fresh(), flushIntervalMs: 50 })
    for (let i = 0; i < 100; i++) store.addAddrs(fakePeerId(i), [A], AddressTTL.default)
    store.recordLatency(fakePeerId(0), 5)
    expect(store.pendingPeers).toBe(100)
    vi.advanceTimersByTime(49)
    expect(store.pendingPeers).toBe(100)
    vi.advanceTimersByTime(1)
    expect(store.pendingPeers).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('serves reads from memory while writes are pending', () => {
    const store = create({ path: fresh(), flushIntervalMs: 60_000 })
    const p = fakePeerId()
    store.addAddrs(p, [A], AddressTTL.default)
    expect(store.pendingPeers).toBe(1)
    expect(store.addrs(p)).toHaveLength(1)
  })

  it('serves the dial path from memory: reads still work with the file closed', async () => {
    const store = openSqlitePeerstore({ path: fresh(), gcIntervalMs: 0 })
    const p = fakePeerId()
    store.addAddrs(p, [A], AddressTTL.default)
    await store.close()
    expect(store.addrs(p).map((a) => a.multiaddr.toString())).toEqual(['/ip4/10.0.0.1/tcp/4001'])
    expect(() => store.addAddrs(p, [A], AddressTTL.default)).toThrow(
      expect.objectContaining({ code: 'PEERSTORE_CLOSED' }),
    )
  })

  it('close() writes what is pending; the data is in the file', async () => {
    const path = fresh()
    const store = openSqlitePeerstore({ path, flushIntervalMs: 60_000, gcIntervalMs: 0 })
    for (let i = 0; i < 10; i++) store.addAddrs(fakePeerId(i), [A], AddressTTL.default)
    await store.close()
    expect(count(path, 'peers')).toBe(10)
    expect(count(path, 'addresses')).toBe(10)
  })

  it('deletes from the file what expired while the node was down', async () => {
    const path = fresh()
    let t = 1_000
    const now = () => t
    const store = openSqlitePeerstore({ path, now, gcIntervalMs: 0 })
    store.addAddrs(fakePeerId(1), [A], AddressTTL.temporary)
    store.addAddrs(fakePeerId(2), [A], AddressTTL.default)
    store.tag(fakePeerId(2), 'short', { ttlMs: 10 })
    await store.close()
    expect(count(path, 'peers')).toBe(2)
    t += AddressTTL.temporary
    const again = openSqlitePeerstore({ path, now, gcIntervalMs: 0 })
    expect(again.size).toBe(1)
    await again.close()
    expect(count(path, 'peers')).toBe(1)
    expect(count(path, 'addresses')).toBe(1)
    expect(count(path, 'tags')).toBe(0)
  })

  it('rebuilds peer ids with peerIdFromString when given, else as StoredPeerId', async () => {
    const path = fresh()
    const p = fakePeerId(42)
    const store = openSqlitePeerstore({ path, gcIntervalMs: 0 })
    store.addAddrs(p, [A], AddressTTL.permanent)
    await store.close()

    const plain = create({ path })
    const [id] = plain.peers()
    expect(id).toBeInstanceOf(StoredPeerId)
    expect(id?.toString()).toBe(p.toString())
    expect(id?.equals(p)).toBe(true)
    expect(id?.equals(fakePeerId(43))).toBe(false)
    await plain.close()

    const parsed: string[] = []
    const custom = create({
      path,
      peerIdFromString: (s): PeerId => {
        parsed.push(s)
        return p
      },
    })
    expect(custom.peers()[0]).toBe(p)
    expect(parsed).toEqual([p.toString()])
  })

  it('a peer deleted and re-added before the flush leaves no stale rows', async () => {
    const path = fresh()
    const p = fakePeerId()
    const store = openSqlitePeerstore({ path, gcIntervalMs: 0 })
    store.setMetadata(p, 'old', new Uint8Array([1]))
    store.setProtocols(p, ['/old'])
    await store.flush()
    store.delete(p)
    store.addAddrs(p, [A], AddressTTL.default)
    await store.close()
    const again = create({ path })
    expect(again.metadata(p, 'old')).toBeUndefined()
    expect(again.protocols(p)).toEqual([])
    expect(again.addrs(p)).toHaveLength(1)
  })

  it('persists evictions at the peer cap', async () => {
    const path = fresh()
    const store = openSqlitePeerstore({ path, gcIntervalMs: 0, maxPeers: 5 })
    for (let i = 0; i < 20; i++) store.addAddrs(fakePeerId(i), [A], AddressTTL.default)
    await store.close()
    expect(count(path, 'peers')).toBe(5)
    const again = create({ path, maxPeers: 5 })
    expect(again.peers().map(String).sort()).toEqual(
      [15, 16, 17, 18, 19].map((i) => fakePeerId(i).toString()).sort(),
    )
  })

  it('validates its init', () => {
    expect(() => openSqlitePeerstore({} as { path: string })).toThrow(TypeError)
    expect(() => openSqlitePeerstore({ path: fresh(), flushIntervalMs: -1 })).toThrow(RangeError)
    expect(() => openSqlitePeerstore({ path: fresh(), synchronous: 'off' as 'full' })).toThrow(RangeError)
    expect(() => openSqlitePeerstore({ path: fresh(), integrityCheck: 'x' as 'off' })).toThrow(RangeError)
    expect(() => openSqlitePeerstore({ path: fresh(), maxPeers: 0 })).toThrow(RangeError)
  })

  it('honours synchronous=full', async () => {
    const path = fresh()
    const store = create({ path, synchronous: 'full' })
    store.tag(fakePeerId(), 'x')
    await store.flush()
    expect(store.pendingPeers).toBe(0)
  })

  it('stops its timers on close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    const store = openSqlitePeerstore({ path: fresh(), gcIntervalMs: 1000 })
    store.tag(fakePeerId(), 'x')
    expect(vi.getTimerCount()).toBe(2)
    await store.close()
    expect(vi.getTimerCount()).toBe(0)
  })
  it('a failed write (disk full) is a PEERSTORE_IO error; the changes stay pending and a later flush writes them', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const path = fresh()
    const errors: PeerstoreError[] = []
    const store = openSqlitePeerstore({
      path,
      gcIntervalMs: 0,
      flushIntervalMs: 10,
      onError: (e) => errors.push(e),
    })
    const db = (store as unknown as { db: Database.Database }).db
    store.tag(fakePeerId(0), 'x')
    await store.flush()
    // Simulate a full disk: the file may not grow past its current size.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
    const big = new Uint8Array(8000)
    for (let i = 0; i < 50; i++) store.setMetadata(fakePeerId(i), 'blob', big)
    vi.advanceTimersByTime(10)
    expect(errors.map((e) => e.code)).toEqual(['PEERSTORE_IO'])
    expect(errors[0]?.cause).toMatchObject({ code: 'SQLITE_FULL' })
    expect(store.pendingPeers).toBe(50)
    await expect(store.flush()).rejects.toMatchObject({ code: 'PEERSTORE_IO' })
    // Space again: everything pending is written.
    db.pragma('max_page_count = 1073741823')
    await store.flush()
    expect(store.pendingPeers).toBe(0)
    await store.close()
    const again = create({ path })
    expect(again.metadata(fakePeerId(49), 'blob')).toEqual(big)
    expect(again.tags(fakePeerId(0)).has('x')).toBe(true)
  })
})
