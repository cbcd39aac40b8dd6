// Switch benchmark: what the switch layer costs over the direct upgrader path (issue:
// "the switch layer costs at most 10 % against the direct upgrader path"), with js-libp2p
// alongside for scale. TCP loopback, built dist/ packages, one process.
//
// 1. stream, sequential: open a stream, multistream-select /echo/1.0.0, send 1 byte,
//    read it back, end — one at a time, on one open connection.
// 2. stream, 64 in flight: the same, 64 concurrently.
// 3. dial + upgrade latency: dial (TCP + multistream /noise + Noise XX with early muxer
//    + yamux) until the connection is usable; the close after each is not timed.
//
// Paths:
// - upgrader: transport-tcp + `upgrader.upgradeOutbound/Inbound` + `Connection.newStream`
//   (the server: transport listener + `upgradeInbound` + the echo handler as lookup).
// - upgrader+scopes: the same, with the connection scopes of the resource manager the
//   switch uses (stream scopes and yamux window memory accounted): what the switch
//   costs beyond this is the switch's own coordination.
// - switch: `createSwitch` on both sides; `sw.openStream(peerId, '/echo/1.0.0')` (pool
//   lookup, limits, counting, events, peerstore learning) and `sw.dial(addr)` (pool,
//   dialer: dedupe, backoff, gater, ranking; resource scopes; pool + `connected`).
// - js-libp2p 3: `services.echo.echo()` and `libp2p.dial()`.
//
//   for p in interface multistream peer-id noise yamux transport-tcp upgrader dialer \
//     resource-scopes gater peerstore-memory switch; do (cd packages/$p && npx tsup); done
//   node --expose-gc packages/interop/bench/switch.bench.mjs     (or: pnpm bench switch)
//
// Env: STREAMS (per batch, default 500), CONNS (dials per batch, default 20),
// ROUNDS (batches per path, default 15), ONLY=sy to skip js-libp2p.

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
const { createResourceManager } = await import('../../resource-scopes/dist/index.js')
const { createSwitch } = await import('../../switch/dist/index.js')
const { tcp } = await import('../../transport-tcp/dist/index.js')
const { createUpgrader } = await import('../../upgrader/dist/index.js')
const { createYamux } = await import('../../yamux/dist/index.js')

const STREAMS = Number(process.env.STREAMS ?? 500)
const CONNS = Number(process.env.CONNS ?? 20)
const ROUNDS = Number(process.env.ROUNDS ?? 15)
const IN_FLIGHT = 64
const ECHO = '/echo/1.0.0'
const one = new Uint8Array([1])
const MiB = 1024 * 1024

const echoHandler = ({ stream }) => {
  stream.setSink({
    onData: (c) => stream.write(c),
    onEnd: () => stream.end(),
  })
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

/** One batch of each measure on one path: streams/s sequential and IN_FLIGHT, mean dial ms. */
async function batch(path) {
  const echoOnce = async () => {
    const stream = await path.open()
    const reply = readAll(stream)
    await writeAll(stream, [one])
    stream.end()
    await reply
  }
  let t = performance.now()
  for (let i = 0; i < STREAMS; i++) await echoOnce()
  const seq = STREAMS / ((performance.now() - t) / 1000)
  t = performance.now()
  await inFlight(STREAMS, IN_FLIGHT, echoOnce)
  const par = STREAMS / ((performance.now() - t) / 1000)
  let dialMs = 0
  for (let i = 0; i < CONNS; i++) dialMs += await path.dial()
  return { seq, par, dialMs: dialMs / CONNS }
}

function identity() {
  const privateKey = generateKeyPair()
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}

/** Resource limits for both paths that account: memory raised (see benchSwitch), the rest default. */
const scopedManager = () =>
  createResourceManager({ limits: { conn: { memory: 64 * MiB }, peerDefault: { memory: 64 * MiB } } })

/** The direct path; with `scopes`, both sides open the connection scopes the switch would. */
async function upgraderPath(scopes) {
  const mk = (protocols) => {
    const id = identity()
    const upgrader = createUpgrader({
      localPeer: id.peerId,
      security: [createNoise({ privateKey: id.privateKey })],
      muxers: [createYamux()],
      protocols,
    })
    return { ...id, upgrader, transport: tcp(), rm: scopes ? scopedManager() : undefined }
  }
  const scope = (node, direction, addr) => node.rm?.openConnection(direction, addr, { useFd: true })
  const server = mk((p) => (p === ECHO ? echoHandler : undefined))
  const client = mk(() => undefined)
  const serverConns = new Set()
  const listener = await server.transport.listen(multiaddr('/ip4/127.0.0.1/tcp/0'), {
    onConnection: (raw) =>
      server.upgrader.upgradeInbound(raw, { scope: scope(server, 'inbound', raw.remoteAddr) }).then(
        (c) => {
          serverConns.add(c)
          c.onceClosed(() => serverConns.delete(c))
        },
        () => {},
      ),
  })
  const connect = async () => {
    const s = scope(client, 'outbound', listener.addr)
    const raw = await client.transport.dial(listener.addr)
    return client.upgrader.upgradeOutbound(raw, { remotePeer: server.peerId, scope: s })
  }
  const conn = await connect()
  return {
    open: async () => (await conn.newStream(ECHO)).stream,
    dial: async () => {
      const t = performance.now()
      const c = await connect()
      const ms = performance.now() - t
      await c.close()
      return ms
    },
    close: async () => {
      await conn.close()
      for (const c of serverConns) await c.close()
      await listener.close()
    },
  }
}

async function switchPath() {
  const mk = () => {
    const id = identity()
    const sw = createSwitch({
      peerId: id.peerId,
      transports: [tcp()],
      security: [createNoise({ privateKey: id.privateKey })],
      muxers: [createYamux()],
      maxConnections: 10_000,
      // Resource accounting stays on (it is part of the switch's cost); the default
      // 2 MiB per connection holds only 8 yamux streams' 256 KiB initial windows, too
      // few for 64 in flight, so memory is raised.
      resourceManager: scopedManager(),
    })
    return { ...id, sw }
  }
  const server = mk()
  const client = mk()
  server.sw.handle(ECHO, echoHandler, { maxInboundStreams: 1024 })
  client.sw.handle(ECHO, echoHandler, { maxOutboundStreams: 1024 })
  const [bound] = await server.sw.listen('/ip4/127.0.0.1/tcp/0')
  const addr = bound.encapsulate(`/p2p/${server.peerId.toString()}`)
  await client.sw.dial(addr)
  // A second client for the dial latency: the first keeps its pooled connection.
  const dialer = mk()
  return {
    open: async () => (await client.sw.openStream(server.peerId, ECHO)).stream,
    dial: async () => {
      const t = performance.now()
      const c = await dialer.sw.dial(addr, { force: true })
      const ms = performance.now() - t
      await dialer.sw.hangUp(c)
      return ms
    },
    close: () => Promise.all([client.sw.close(), dialer.sw.close(), server.sw.close()]),
  }
}

async function jsPath() {
  const mk = async () =>
    createLibp2p({
      privateKey: await jsGenerateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [jsTcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { echo: jsEcho({ maxInboundStreams: 1024, maxOutboundStreams: 1024 }) },
      connectionManager: {
        maxConnections: 10_000,
        inboundConnectionThreshold: 1e9,
        maxIncomingPendingConnections: 1e6,
      },
    })
  const [a, b, c] = await Promise.all([mk(), mk(), mk()])
  const addr = b.getMultiaddrs()[0]
  const conn = await a.dial(addr)
  return {
    // The same open + select + 1-byte echo as the others, on js-libp2p's stream API.
    echoOnce: () => a.services.echo.echo(b.peerId, one),
    conn,
    dial: async () => {
      const t = performance.now()
      const x = await c.dial(addr)
      const ms = performance.now() - t
      await x.close()
      return ms
    },
    close: () => Promise.all([a.stop(), b.stop(), c.stop()]),
  }
}

/** A js-libp2p batch: `services.echo.echo()` is its whole open + select + echo. */
async function jsBatch(path) {
  let t = performance.now()
  for (let i = 0; i < STREAMS; i++) await path.echoOnce()
  const seq = STREAMS / ((performance.now() - t) / 1000)
  t = performance.now()
  await inFlight(STREAMS, IN_FLIGHT, path.echoOnce)
  const par = STREAMS / ((performance.now() - t) / 1000)
  let dialMs = 0
  for (let i = 0; i < CONNS; i++) dialMs += await path.dial()
  return { seq, par, dialMs: dialMs / CONNS }
}

// Every path is set up once, then short batches run interleaved (order rotated each
// round) so that load from other processes spreads over all paths alike; medians reported.
const paths = { up: await upgraderPath(false), us: await upgraderPath(true), sw: await switchPath() }
if (process.env.ONLY !== 'sy') paths.js = await jsPath()
const keys = Object.keys(paths)
const rows = { js: [], up: [], us: [], sw: [] }
for (const k of keys) {
  if (k === 'js') await inFlight(200, 8, paths.js.echoOnce)
  else
    await inFlight(200, 8, async () => {
      const stream = await paths[k].open()
      const reply = readAll(stream)
      await writeAll(stream, [one])
      stream.end()
      await reply
    }) // warm-up
}
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[(i + r) % keys.length]
    rows[k].push(k === 'js' ? await jsBatch(paths.js) : await batch(paths[k]))
    globalThis.gc?.()
  }
}
for (const k of keys) await paths[k].close()
const median = (xs) =>
  xs.length === 0 ? Number.NaN : [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
const fmt = (x, digits) => (Number.isNaN(x) ? '-' : x.toFixed(digits))
const table = [
  ['streams/s, sequential (open + select + 1-byte echo)', 'seq', true, 0],
  [`streams/s, ${IN_FLIGHT} in flight`, 'par', true, 0],
  ['dial + upgrade latency, ms (mean)', 'dialMs', false, 2],
].map(([name, key, higherIsBetter, digits]) => {
  const [js, up, us, sw] = ['js', 'up', 'us', 'sw'].map((k) => median(rows[k].map((x) => x[key])))
  // How much slower than `base` the switch is (throughput or latency).
  const cost = (base) => `${(((higherIsBetter ? base / sw : sw / base) - 1) * 100).toFixed(1)} %`
  return {
    benchmark: name,
    'js-libp2p': fmt(js, digits),
    upgrader: fmt(up, digits),
    'upgrader+scopes': fmt(us, digits),
    switch: fmt(sw, digits),
    'cost vs upgrader': cost(up),
    'cost vs upgrader+scopes': cost(us),
    'switch vs js': Number.isNaN(js) ? '-' : `${(higherIsBetter ? sw / js : js / sw).toFixed(2)}x`,
  }
})
console.log(
  `node ${process.version}, STREAMS=${STREAMS}, CONNS=${CONNS}, median of ${ROUNDS} interleaved batches`,
)
console.table(table)
process.exit(0)
