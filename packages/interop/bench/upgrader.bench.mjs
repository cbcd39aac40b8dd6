// Upgrade benchmark: js-libp2p 3 vs Switchyard (built dist/), over TCP loopback.
//
// 1. connections/s: dial + full upgrade on both sides (multistream /noise, Noise XX with
//    early muxer negotiation, yamux) + close, one after the other.
// 2. streams/s: on one upgraded connection, open a stream, negotiate /echo/1.0.0, send
//    one byte, read it back, close; 16 in flight at a time.
//
// js-libp2p: two libp2p nodes (@libp2p/tcp, @chainsafe/libp2p-noise, @chainsafe/libp2p-yamux,
// @libp2p/echo), `dial` + `connection.close()`, `services.echo.echo()`.
// Switchyard: transport-tcp + upgrader (noise, yamux), `upgradeOutbound/Inbound`,
// `newStream` + a one-line echo handler.
//
//   for p in interface multistream peer-id noise yamux transport-tcp upgrader; do (cd packages/$p && npx tsup); done
//   node --expose-gc packages/interop/bench/upgrader.bench.mjs     (or: pnpm bench upgrader)
//
// Env: CONNS (connections per round, default 200), STREAMS (default 2000), ROUNDS (default 3).

// libp2p@3 needs Promise.withResolvers (Node >= 22).
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = () => {
    let resolve
    let reject
    const promise = new Promise((a, b) => {
      resolve = a
      reject = b
    })
    return { promise, resolve, reject }
  }
}

const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { generateKeyPair: jsGenerateKeyPair } = await import('@libp2p/crypto/keys')
const { echo: jsEcho } = await import('@libp2p/echo')
const { tcp: jsTcp } = await import('@libp2p/tcp')
const { multiaddr } = await import('@multiformats/multiaddr')
const { createLibp2p } = await import('libp2p')
const { readAll, writeAll } = await import('../../interface/dist/index.js')
const { createNoise } = await import('../../noise/dist/index.js')
const { generateKeyPair, peerIdFromPrivateKey } = await import('../../peer-id/dist/index.js')
const { tcp } = await import('../../transport-tcp/dist/index.js')
const { createUpgrader } = await import('../../upgrader/dist/index.js')
const { createYamux } = await import('../../yamux/dist/index.js')

const CONNS = Number(process.env.CONNS ?? 200)
const STREAMS = Number(process.env.STREAMS ?? 2000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const IN_FLIGHT = 16

async function jsNode() {
  return createLibp2p({
    privateKey: await jsGenerateKeyPair('Ed25519'),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [jsTcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { echo: jsEcho({ maxInboundStreams: 1024, maxOutboundStreams: 1024 }) },
    // Default inbound rate limit is 5 connections/s per host: lift it, we measure the upgrade.
    connectionManager: {
      maxConnections: 10_000,
      inboundConnectionThreshold: 1e9,
      maxIncomingPendingConnections: 1e6,
    },
  })
}

const echoHandler = ({ stream }) => {
  stream.setSink({
    onData: (c) => stream.write(c),
    onEnd: () => stream.end(),
  })
}

function switchyardNode() {
  const privateKey = generateKeyPair()
  const localPeer = peerIdFromPrivateKey(privateKey)
  const upgrader = createUpgrader({
    localPeer,
    security: [createNoise({ privateKey })],
    muxers: [createYamux()],
    protocols: (p) => (p === '/echo/1.0.0' ? echoHandler : undefined),
  })
  return { localPeer, upgrader, transport: tcp() }
}

async function inFlight(total, n, fn) {
  let next = 0
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < total) {
        next++
        await fn()
      }
    }),
  )
}

async function benchJs() {
  const a = await jsNode()
  const b = await jsNode()
  const addr = b.getMultiaddrs()[0]
  const connsStart = performance.now()
  for (let i = 0; i < CONNS; i++) {
    const conn = await a.dial(addr)
    await conn.close()
  }
  const connsPerSec = CONNS / ((performance.now() - connsStart) / 1000)
  await a.dial(addr)
  const one = new Uint8Array([1])
  const streamsStart = performance.now()
  await inFlight(STREAMS, IN_FLIGHT, () => a.services.echo.echo(b.peerId, one))
  const streamsPerSec = STREAMS / ((performance.now() - streamsStart) / 1000)
  await a.stop()
  await b.stop()
  return { connsPerSec, streamsPerSec }
}

async function benchSwitchyard() {
  const client = switchyardNode()
  const server = switchyardNode()
  const listener = await server.transport.listen(multiaddr('/ip4/127.0.0.1/tcp/0'), {
    onConnection: (raw) => server.upgrader.upgradeInbound(raw).catch(() => {}),
  })
  const connsStart = performance.now()
  for (let i = 0; i < CONNS; i++) {
    const raw = await client.transport.dial(listener.addr)
    const conn = await client.upgrader.upgradeOutbound(raw, { remotePeer: server.localPeer })
    await conn.close()
  }
  const connsPerSec = CONNS / ((performance.now() - connsStart) / 1000)
  const raw = await client.transport.dial(listener.addr)
  const conn = await client.upgrader.upgradeOutbound(raw, { remotePeer: server.localPeer })
  const one = new Uint8Array([1])
  const streamsStart = performance.now()
  await inFlight(STREAMS, IN_FLIGHT, async () => {
    const { stream } = await conn.newStream('/echo/1.0.0')
    const reply = readAll(stream)
    await writeAll(stream, [one])
    await reply
  })
  const streamsPerSec = STREAMS / ((performance.now() - streamsStart) / 1000)
  await conn.close()
  await listener.close()
  return { connsPerSec, streamsPerSec }
}

const rows = { js: [], sy: [] }
for (let r = 0; r < ROUNDS; r++) {
  if (process.env.ONLY !== 'sy') rows.js.push(await benchJs())
  globalThis.gc?.()
  if (process.env.ONLY !== 'js') rows.sy.push(await benchSwitchyard())
  globalThis.gc?.()
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
const table = [
  ['connections/s (dial + upgrade + close)', 'connsPerSec'],
  ['streams/s (open + negotiate + 1-byte echo, 16 in flight)', 'streamsPerSec'],
].map(([name, key]) => {
  const js = median(rows.js.map((x) => x[key])) ?? Number.NaN
  const sy = median(rows.sy.map((x) => x[key])) ?? Number.NaN
  return {
    benchmark: name,
    'js-libp2p': js.toFixed(0),
    switchyard: sy.toFixed(0),
    ratio: `${(sy / js).toFixed(2)}x`,
  }
})
console.log(`node ${process.version}, CONNS=${CONNS}, STREAMS=${STREAMS}, median of ${ROUNDS} rounds`)
console.table(table)
process.exit(0)
