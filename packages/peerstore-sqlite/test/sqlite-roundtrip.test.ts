/**
 * Property: whatever sequence of writes a store sees, closing and reopening it
 * yields the same records (no connected addresses are used here, so nothing is
 * demoted, and the clock stands still, so nothing expires).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { AddressTTL, type PeerId, type PeerRecord } from '@switchyard/interface'
import { fakePeerId } from '@switchyard/testkit'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { openSqlitePeerstore } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'switchyard-peerstore-roundtrip-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const peers = Array.from({ length: 5 }, (_, i) => fakePeerId(i + 100))
const addrs = ['/ip4/10.0.0.1/tcp/1', '/ip6/::1/udp/2/quic-v1', '/dns4/a.example/tcp/443/wss'].map((s) =>
  multiaddr(s),
)
const ttls = [AddressTTL.temporary, AddressTTL.default, AddressTTL.permanent, 0]

const op = fc.oneof(
  fc.tuple(fc.constant('add' as const), fc.nat(4), fc.nat(2), fc.nat(3)),
  fc.tuple(fc.constant('set' as const), fc.nat(4), fc.nat(2), fc.nat(3)),
  fc.tuple(fc.constant('dial' as const), fc.nat(4), fc.nat(2), fc.boolean()),
  fc.tuple(fc.constant('proto' as const), fc.nat(4), fc.subarray(['/a', '/b', '/c', '/d'])),
  fc.tuple(
    fc.constant('meta' as const),
    fc.nat(4),
    fc.constantFrom('k1', 'k2'),
    fc.option(fc.uint8Array({ maxLength: 8 })),
  ),
  fc.tuple(
    fc.constant('tag' as const),
    fc.nat(4),
    fc.constantFrom('t1', 't2'),
    fc.integer({ min: 0, max: 100 }),
  ),
  fc.tuple(fc.constant('untag' as const), fc.nat(4), fc.constantFrom('t1', 't2')),
  fc.tuple(fc.constant('key' as const), fc.nat(4), fc.uint8Array({ minLength: 1, maxLength: 40 })),
  fc.tuple(fc.constant('latency' as const), fc.nat(4), fc.integer({ min: 0, max: 1000 })),
  fc.tuple(fc.constant('disconnect' as const), fc.nat(4)),
  fc.tuple(fc.constant('delete' as const), fc.nat(4)),
  fc.tuple(fc.constant('flush' as const)),
)

/** A comparable view of a record. */
function view(r: PeerRecord | undefined) {
  if (r === undefined) return undefined
  return {
    id: r.id.toString(),
    addresses: r.addresses
      .map((a) => ({ ma: a.multiaddr.toString(), ttl: a.ttlMs, exp: a.expiresAt, stats: { ...a.stats } }))
      .sort((x, y) => x.ma.localeCompare(y.ma)),
    publicKey: r.publicKey === undefined ? undefined : [...r.publicKey],
    protocols: r.protocols,
    metadata: [...r.metadata].map(([k, v]) => [k, [...v]]).sort(),
    tags: [...r.tags].sort(),
    latencyMs: r.latencyMs,
    lastDisconnectedAt: r.lastDisconnectedAt,
    lastDisconnectReason: r.lastDisconnectReason,
  }
}

describe('sqlite round trip (property)', () => {
  it('a reopened store returns exactly what was written', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const path = join(dir, `rt-${n++}.db`)
        const now = () => 1_700_000_000_000
        const store = openSqlitePeerstore({ path, now, gcIntervalMs: 0 })
        for (const o of ops) {
          const p = peers[o[0] === 'flush' ? 0 : o[1]] as PeerId
          switch (o[0]) {
            case 'add':
              store.addAddrs(p, [addrs[o[2]] as (typeof addrs)[number]], ttls[o[3]] as number)
              break
            case 'set':
              store.setAddrs(p, [addrs[o[2]] as (typeof addrs)[number]], ttls[o[3]] as number)
              break
            case 'dial':
              store.recordDial(
                p,
                addrs[o[2]] as (typeof addrs)[number],
                o[3] ? { ok: true } : { ok: false, code: 'E' },
              )
              break
            case 'proto':
              store.setProtocols(p, o[2])
              break
            case 'meta':
              store.setMetadata(p, o[2], o[3] ?? undefined)
              break
            case 'tag':
              store.tag(p, o[2], { value: o[3] })
              break
            case 'untag':
              store.untag(p, o[2])
              break
            case 'key':
              store.setPublicKey(p, o[2])
              break
            case 'latency':
              store.recordLatency(p, o[2])
              break
            case 'disconnect':
              store.recordDisconnect(p, 'timeout')
              break
            case 'delete':
              store.delete(p)
              break
            case 'flush':
              await store.flush()
              break
          }
        }
        const before = peers.map((p) => view(store.get(p)))
        await store.close()
        const again = openSqlitePeerstore({ path, now, gcIntervalMs: 0 })
        try {
          expect(peers.map((p) => view(again.get(p)))).toEqual(before)
        } finally {
          await again.close()
          rmSync(path, { force: true })
          rmSync(`${path}-wal`, { force: true })
          rmSync(`${path}-shm`, { force: true })
        }
      }),
      { numRuns: 40 },
    )
  })
})
