// Peerstore benchmark: 100,000 peers x 5 addresses — insert, lookup, update, GC —
// for @switchyard/peerstore-memory and @switchyard/peerstore-sqlite (built dist/),
// side by side with js-libp2p's default peer store (@libp2p/peer-store over
// datastore-core's MemoryDatastore, as `createLibp2p` sets it up).
//
// js-libp2p's store is async (a promise, a read/write lock and a protobuf
// round-trip per call), so it runs on fewer peers (JS_PEERS) and the table
// compares per-operation rates. It has no TTL GC (addresses age out on read), so
// its GC row is empty.
//
//   cd packages/interface && npx tsup && cd ../peerstore-memory && npx tsup && cd ../peerstore-sqlite && npx tsup
//   node --expose-gc packages/interop/bench/peerstore.bench.mjs     (or: pnpm bench peerstore)
//
// Env: PEERS (default 100000), JS_PEERS (default 5000).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { AddressTTL } from '@switchyard/interface'

// The stores are not dependencies of this package (so turbo does not build them
// for `pnpm bench`): load their dist/ by path and say what to do when it is missing.
const dist = (pkg) => new URL(`../../${pkg}/dist/index.js`, import.meta.url)
for (const pkg of ['peerstore-memory', 'peerstore-sqlite']) {
  if (!existsSync(dist(pkg))) {
    console.error(
      `peerstore bench: packages/${pkg}/dist is missing; run \`pnpm build\` (or npx tsup in it) first`,
    )
    process.exit(1)
  }
}
const { createMemoryPeerstore } = await import(dist('peerstore-memory').href)
const { openSqlitePeerstore } = await import(dist('peerstore-sqlite').href)

// libp2p@3 needs Promise.withResolvers (Node 22); Node 20 lacks it.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = () => {
    let resolve
    let reject
    const promise = new Promise((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

const PEERS = Number(process.env.PEERS ?? 100_000)
const JS_PEERS = Number(process.env.JS_PEERS ?? 5_000)
const ADDRS = 5
const PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0', '/ipfs/ping/1.0.0', '/meshsub/1.1.0']

// js-libp2p's peer store and datastore, resolved from where libp2p itself finds them.
const require = createRequire(import.meta.url)
const libp2pModules = dirname(dirname(dirname(dirname(require.resolve('libp2p')))))
const load = (rel) => import(pathToFileURL(join(libp2pModules, rel)).href)
const { persistentPeerStore } = await load('@libp2p/peer-store/dist/src/index.js')
const { MemoryDatastore } = await load('datastore-core/dist/src/index.js')

function ourPeerId(i) {
  const bytes = new Uint8Array(38)
  bytes.set([0x00, 0x24, 0x08, 0x01, 0x12, 0x20])
  new DataView(bytes.buffer).setUint32(6, i)
  const str = `12D3KooW${i.toString(36).padStart(44, 'Z')}`
  return { bytes, toString: () => str, equals: (o) => o.toString() === str }
}

function addrsOf(i) {
  const out = []
  for (let a = 0; a < ADDRS; a++) {
    out.push(multiaddr(`/ip4/10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/tcp/${4000 + a}`))
  }
  return out
}

const ms = (f) => {
  const t0 = performance.now()
  f()
  return performance.now() - t0
}
const ams = async (f) => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}
const heapMB = () => {
  globalThis.gc?.()
  return process.memoryUsage().heapUsed / 2 ** 20
}

console.log(
  `peerstore: ${PEERS} peers x ${ADDRS} addresses (js-libp2p: ${JS_PEERS} peers); node ${process.version}`,
)
const ids = Array.from({ length: PEERS }, (_, i) => ourPeerId(i))
const addrs = ids.map((_, i) => addrsOf(i))
for (const list of addrs) for (const a of list) a.bytes // multiaddr encodes lazily: not the stores' cost
const order = ids.map((_, i) => (i * 7919) % PEERS) // a fixed shuffle for lookups

async function runOurs(name, store, clock, flush) {
  const r = { name, peers: PEERS }
  const heap0 = heapMB()
  // Odd peers get temporary addresses, so GC later drops half of the store.
  r.insert = ms(() => {
    for (let i = 0; i < PEERS; i++) {
      store.addAddrs(ids[i], addrs[i], i % 2 === 1 ? AddressTTL.temporary : AddressTTL.default)
    }
    flush()
  })
  r.heap = heapMB() - heap0
  let found = 0
  r.lookup = ms(() => {
    for (const i of order) found += store.addrs(ids[i]).length
  })
  if (found !== PEERS * ADDRS) throw new Error(`${name}: lookup found ${found}`)
  // Update: an identify result (protocols), which does not keep a peer from GC.
  r.update = ms(() => {
    for (let i = 0; i < PEERS; i++) store.setProtocols(ids[i], PROTOCOLS)
    flush()
  })
  r.dial = ms(() => {
    for (let i = 0; i < PEERS; i++) store.recordDial(ids[i], addrs[i][0], { ok: i % 3 !== 0 })
    flush()
  })
  clock.t += AddressTTL.temporary
  r.gc = ms(() => {
    r.removed = store.gc()
    flush()
  })
  r.gcIdle = ms(() => store.gc())
  if (r.removed !== 0 && store.size !== PEERS - r.removed) throw new Error(`${name}: size ${store.size}`)
  return r
}

async function runJs() {
  const keys = await Promise.all(Array.from({ length: JS_PEERS }, () => generateKeyPair('Ed25519')))
  const jsIds = keys.map((k) => peerIdFromPrivateKey(k))
  const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const noop = () => {}
  noop.error = noop
  noop.trace = noop
  const store = persistentPeerStore({
    peerId: self,
    datastore: new MemoryDatastore(),
    events: { safeDispatchEvent: () => true, dispatchEvent: () => true },
    logger: { forComponent: () => noop },
  })
  const r = { name: 'js-libp2p peer-store', peers: JS_PEERS }
  const heap0 = heapMB()
  r.insert = await ams(async () => {
    for (let i = 0; i < JS_PEERS; i++) await store.merge(jsIds[i], { multiaddrs: addrs[i] })
  })
  r.heap = heapMB() - heap0
  let found = 0
  r.lookup = await ams(async () => {
    for (let n = 0; n < JS_PEERS; n++)
      found += (await store.get(jsIds[(n * 7919) % JS_PEERS])).addresses.length
  })
  if (found !== JS_PEERS * ADDRS) throw new Error(`js-libp2p: lookup found ${found}`)
  r.update = await ams(async () => {
    for (let i = 0; i < JS_PEERS; i++) await store.merge(jsIds[i], { protocols: PROTOCOLS })
  })
  return r
}

const results = []
{
  const clock = { t: 1_700_000_000_000 }
  const store = createMemoryPeerstore({ now: () => clock.t, gcIntervalMs: 0, maxPeers: PEERS })
  results.push(await runOurs('switchyard memory', store, clock, () => {}))
  await store.close()
}
const dir = mkdtempSync(join(tmpdir(), 'switchyard-peerstore-bench-'))
try {
  const path = join(dir, 'bench.db')
  const clock = { t: 1_700_000_000_000 }
  const init = { path, now: () => clock.t, gcIntervalMs: 0, maxPeers: PEERS, flushIntervalMs: 60_000 }
  const store = openSqlitePeerstore(init)
  const r = await runOurs('switchyard sqlite', store, clock, () => store.flushSync())
  await store.close()
  r.fileMB = statSync(path).size / 2 ** 20
  r.reopen = ms(() => {
    const again = openSqlitePeerstore(init)
    r.reopened = again.size
    again.close()
  })
  results.push(r)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
results.push(await runJs())

const rate = (r, k) =>
  r[k] === undefined ? '—' : `${Math.round((r.peers / r[k]) * 1000).toLocaleString('en')}/s`
const rows = [
  ['insert (5 addrs, + flush)', 'insert'],
  ['lookup addrs (dial path)', 'lookup'],
  ['update (set 4 protocols, + flush)', 'update'],
  ['record dial outcome (+ flush)', 'dial'],
  ['GC (half the peers expire, + flush)', 'gc'],
]
const [mem, sql, js] = results
console.log(
  `\n| operation (peers/s) | ${mem.name} | ${sql.name} | ${js.name} | memory / js-libp2p | sqlite / js-libp2p |`,
)
console.log('|---|---:|---:|---:|---:|---:|')
for (const [label, k] of rows) {
  const ratio = (r) =>
    js[k] === undefined ? '—' : `${(js[k] / js.peers / (r[k] / r.peers) || 0).toFixed(1)}x`
  console.log(
    `| ${label} | ${rate(mem, k)} | ${rate(sql, k)} | ${rate(js, k)} | ${ratio(mem)} | ${ratio(sql)} |`,
  )
}
console.log('\n| totals | memory | sqlite | js-libp2p |')
console.log('|---|---:|---:|---:|')
console.log(`| peers | ${mem.peers} | ${sql.peers} | ${js.peers} |`)
for (const [label, k] of [...rows, ['GC with nothing expired', 'gcIdle']]) {
  const f = (r) => (r[k] === undefined ? '—' : `${r[k].toFixed(0)} ms`)
  console.log(`| ${label} | ${f(mem)} | ${f(sql)} | ${f(js)} |`)
}
console.log(
  `| heap after insert | ${mem.heap.toFixed(0)} MB | ${sql.heap.toFixed(0)} MB | ${js.heap.toFixed(0)} MB |`,
)
console.log(`| peers removed by GC | ${mem.removed} | ${sql.removed} | — |`)
console.log(`| file size after GC | — | ${sql.fileMB.toFixed(1)} MB | — |`)
console.log(`| reopen (load ${sql.reopened} peers) | — | ${sql.reopen.toFixed(0)} ms | — |`)
