// Admission benchmark: the per-connection cost of deciding whether to accept an
// inbound connection, js-libp2p vs Switchyard (built dist/).
//
// js-libp2p (libp2p@3 connection manager, `acceptIncomingConnection`): a deny list and
// an allow list of `@chainsafe/netmask` IpNets, then `RateLimiter.consume(host)` from
// @libp2p/utils (one rate per host), then a connection-count check.
// Switchyard: `RuleGater.interceptAccept` (deny / allow CIDR rules) then
// `ScopedResourceManager.openConnection` (allowlist, token buckets per /32 (v6: /56 and
// /48), per-subnet caps, transient + system scopes) and `done()`, then a stream scope
// opened, attributed to a protocol and closed (js-libp2p has no per-stream accounting
// beyond a per-connection counter, so that row has no js-libp2p figure).
//
//   cd packages/interface && npx tsup && cd ../gater && npx tsup && cd ../resource-scopes && npx tsup
//   node --expose-gc packages/interop/bench/admission.bench.mjs     (or: pnpm bench admission)
//
// Env: N (connections per round, default 200000), RULES (deny CIDRs, default 50), ROUNDS (default 5).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { getNetConfig, RateLimiter } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { RuleGater } from '../../gater/dist/index.js'
import { createResourceManager } from '../../resource-scopes/dist/index.js'

const N = Number(process.env.N ?? 200_000)
const RULES = Number(process.env.RULES ?? 50)

const require = createRequire(import.meta.url)
const libp2pModules = dirname(dirname(dirname(dirname(require.resolve('libp2p')))))
const { IpNet } = await import(
  pathToFileURL(join(libp2pModules, '@chainsafe/netmask/dist/src/index.js')).href
)

// The same inbound addresses for both: 4096 hosts over 16 /24s, each seen many times.
const ADDRS = Array.from({ length: 4096 }, (_, i) => multiaddr(`/ip4/100.64.${i >> 8}.${i & 255}/tcp/4001`))
const LOCAL = multiaddr('/ip4/10.0.0.1/tcp/4001')
const denyCidrs = Array.from({ length: RULES }, (_, i) => `172.${16 + (i >> 8)}.${i & 255}.0/24`)

function jsLibp2pAdmission() {
  const deny = denyCidrs.map((c) => new IpNet(c))
  const allow = []
  // Generous limits so that nothing is refused: we measure the checks, not refusals.
  const limiter = new RateLimiter({ points: 1e9, duration: 3600 })
  let connections = 0
  return (remoteAddr) => {
    const { host } = getNetConfig(remoteAddr)
    if (deny.some((n) => n.contains(host))) return false
    if (allow.some((n) => n.contains(host))) return true
    limiter.consume(host, 1)
    if (connections >= 1e9) return false
    connections++
    connections--
    return true
  }
}

function switchyardAdmission() {
  const gater = new RuleGater({ rules: { denyCidrs } })
  const big = { perSecond: 1e9, burst: 1e9 }
  const rm = createResourceManager({
    limits: {
      autoscale: { memoryBytes: 8 * 1024 ** 3, fdLimit: 1 << 20 },
      inboundRateLimits: { ipv4: [{ prefixLength: 32, ...big }] },
    },
  })
  return (remoteAddr) => {
    if (!gater.interceptAccept({ remoteAddr, localAddr: LOCAL }).allow) return false
    rm.openConnection('inbound', remoteAddr).done()
    return true
  }
}

function switchyardStreams() {
  const rm = createResourceManager({
    limits: { autoscale: { memoryBytes: 8 * 1024 ** 3, fdLimit: 1 << 20 } },
  })
  const peer = { bytes: new Uint8Array(1), toString: () => '12D3KooWbench', equals: () => true }
  const conn = rm.openConnection('outbound', ADDRS[0])
  conn.setPeer(peer)
  return () => {
    const s = conn.openStream('inbound')
    s.setProtocol('/ipfs/ping/1.0.0')
    s.reserveMemory(4096)
    s.done()
    return true
  }
}

function measure(fn, n) {
  for (let i = 0; i < 10_000; i++) fn(ADDRS[i & 4095])
  globalThis.gc?.()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) fn(ADDRS[i & 4095])
  const ms = performance.now() - t0
  return n / (ms / 1000)
}

// The machine is shared: alternate the contenders over ROUNDS rounds and keep each one's best.
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const contenders = { js: jsLibp2pAdmission(), sy: switchyardAdmission(), st: switchyardStreams() }
const best = { js: 0, sy: 0, st: 0 }
for (let r = 0; r < ROUNDS; r++) {
  for (const k of Object.keys(contenders)) best[k] = Math.max(best[k], measure(contenders[k], N))
}
const rows = [
  {
    case: `inbound admission (${RULES} deny CIDRs)`,
    'js-libp2p ops/s': Math.round(best.js),
    'switchyard ops/s': Math.round(best.sy),
    'switchyard / js': (best.sy / best.js).toFixed(2),
  },
  {
    case: 'stream scope open+protocol+4 KiB+done',
    'js-libp2p ops/s': '—',
    'switchyard ops/s': Math.round(best.st),
    'switchyard / js': '—',
  },
]
console.log(`N=${N} RULES=${RULES} ROUNDS=${ROUNDS} (best of) node ${process.version}`)
console.table(rows)
