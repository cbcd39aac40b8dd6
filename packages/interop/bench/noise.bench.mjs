// /noise benchmarks, Switchyard (@switchyard/noise, built dist) against
// @chainsafe/libp2p-noise@17, in the same run:
//
// 1. handshakes per second, both ends in this process over an in-memory pair
//    (ours: a tiny ByteStream pair; js: @libp2p/utils multiaddrConnectionPair);
// 2. secure-channel throughput over TCP loopback with the two ends in two
//    processes (this one sends, a child receives and acknowledges), against a raw
//    baseline measured in the same run: node:crypto ChaCha20-Poly1305 seal of
//    65519-byte frames → TCP → open, no framing library.
//
// Run: (cd packages/interface && npx tsup) && (cd packages/peer-id && npx tsup) &&
//      (cd packages/transport-tcp && npx tsup) && (cd packages/noise && npx tsup) &&
//      node --expose-gc packages/interop/bench/noise.bench.mjs
// Env: NOISE_BENCH_MIB (per transfer, default 256), NOISE_BENCH_HS_MS (default 3000).
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { generateKeyPair as jsGenerateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey as jsPeerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddrConnectionPair } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { ByteStreamBase, StreamError } from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair } from '@switchyard/peer-id'
import { socketToConnection } from '@switchyard/transport-tcp'

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

const MIB = 1024 * 1024
const TRANSFER_BYTES = Number(process.env.NOISE_BENCH_MIB ?? 256) * MIB
const HS_MS = Number(process.env.NOISE_BENCH_HS_MS ?? 3000)
const FRAME_PT = 65519

const log = Object.assign(() => {}, { enabled: false, trace() {}, error() {}, newScope: () => log })
const logger = { forComponent: () => log }

// ---- a tiny in-memory ByteStream pair (one microtask per delivery) ------------
class MemStream extends ByteStreamBase {
  peer
  #out = []
  #end = false
  #scheduled = false
  eofIn = false
  eofOut = false
  _write(chunk) {
    this.#out.push(chunk)
    this.#schedule()
    return true
  }
  _end() {
    this.#end = true
    this.#schedule()
  }
  _destroy(err) {
    this.#out = []
    const peer = this.peer
    if (!(this.eofIn && this.eofOut) && !peer.closed) {
      queueMicrotask(() => peer.finish(err ?? new StreamError('STREAM_RESET', 'reset')))
    }
  }
  #schedule() {
    if (this.#scheduled) return
    this.#scheduled = true
    queueMicrotask(() => {
      this.#scheduled = false
      const peer = this.peer
      for (const c of this.#out) peer.push(c)
      this.#out = []
      if (this.#end && !this.eofOut) {
        this.eofOut = true
        peer.eofIn = true
        peer.pushEnd()
      }
    })
  }
}
function memPair() {
  const a = new MemStream()
  const b = new MemStream()
  a.peer = b
  b.peer = a
  return [a, b]
}

async function timed(ms, fn) {
  // warm-up
  for (let i = 0; i < 50; i++) await fn()
  globalThis.gc?.()
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < ms) {
    await fn()
    n++
  }
  return (n / (performance.now() - t0)) * 1000
}

async function handshakeBench() {
  const a = createNoise({ privateKey: generateKeyPair(), muxers: ['/yamux/1.0.0'] })
  const b = createNoise({ privateKey: generateKeyPair(), muxers: ['/yamux/1.0.0'] })
  const ours = await timed(HS_MS, async () => {
    const [x, y] = memPair()
    const [r1, r2] = await Promise.all([a.secureOutbound(x), b.secureInbound(y)])
    r1.stream.destroy()
    r2.stream.destroy()
  })

  const mk = async () => {
    const privateKey = await jsGenerateKeyPair('Ed25519')
    const peerId = jsPeerIdFromPrivateKey(privateKey)
    const upgrader = { getStreamMuxers: () => new Map([['/yamux/1.0.0', { protocol: '/yamux/1.0.0' }]]) }
    return jsNoise()({ peerId, privateKey, logger, upgrader })
  }
  const ja = await mk()
  const jb = await mk()
  const js = await timed(HS_MS, async () => {
    const [x, y] = multiaddrConnectionPair()
    const [r1, r2] = await Promise.all([ja.secureOutbound(x), jb.secureInbound(y)])
    r1.connection.abort(new Error('done'))
    r2.connection.abort(new Error('done'))
  })
  return { ours, js }
}

// ---- throughput: the child process receives ----------------------------------
// Protocol on every channel: the parent sends `bytes` in rounds; after each round
// of TRANSFER_BYTES the child answers one byte; the parent times rounds 2..n.

async function childMain(mode) {
  const ack = () => new Uint8Array([1])
  if (mode === 'raw') {
    const key = Buffer.alloc(32, 7)
    const server = net.createServer({ noDelay: true }, (socket) => {
      const nonce = Buffer.alloc(12)
      let counter = 0
      let pending = Buffer.alloc(0)
      let got = 0
      socket.on('data', (chunk) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
        while (pending.length >= 2) {
          const len = pending.readUInt16BE(0)
          if (pending.length < 2 + len) break
          const ct = pending.subarray(2, 2 + len - 16)
          const tag = pending.subarray(2 + len - 16, 2 + len)
          nonce.writeUInt32LE(counter++ >>> 0, 4)
          const d = crypto.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
          d.setAuthTag(tag)
          const pt = d.update(ct)
          d.final()
          got += pt.length
          pending = pending.subarray(2 + len)
          if (got >= TRANSFER_BYTES) {
            got -= TRANSFER_BYTES
            socket.write(Buffer.from([1]))
          }
        }
      })
      socket.on('error', () => {})
    })
    server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
    return
  }
  if (mode === 'switchyard') {
    const noise = createNoise({ privateKey: generateKeyPair() })
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, async (socket) => {
      const { stream } = await noise.secureInbound(socketToConnection(socket))
      let got = 0
      stream.setSink({
        onData(chunk) {
          got += chunk.byteLength
          if (got >= TRANSFER_BYTES) {
            got -= TRANSFER_BYTES
            stream.write(ack())
          }
        },
        onEnd() {},
      })
    })
    server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
    return
  }
  // js-libp2p: @libp2p/tcp listener, its connection handed to @chainsafe/libp2p-noise.
  const privateKey = await jsGenerateKeyPair('Ed25519')
  const peerId = jsPeerIdFromPrivateKey(privateKey)
  const enc = jsNoise()({ peerId, privateKey, logger, upgrader: { getStreamMuxers: () => new Map() } })
  const transport = tcp()({ logger })
  const listener = transport.createListener({
    upgrader: {
      async upgradeInbound(maConn) {
        const { connection } = await enc.secureInbound(maConn)
        let got = 0
        connection.addEventListener('message', (evt) => {
          got += evt.data.byteLength
          if (got >= TRANSFER_BYTES) {
            got -= TRANSFER_BYTES
            connection.send(ack())
          }
        })
      },
    },
  })
  await listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0'))
  const port = /\/tcp\/(\d+)/.exec(listener.getAddrs()[0].toString())[1]
  process.stdout.write(`${port}\n`)
}

function startChild(mode) {
  const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'child', mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) }))
  })
}

const ROUNDS = 4 // the first is a warm-up

/** Runs ROUNDS transfers with `sendRound()` / `waitAck()`, returns the best MB/s of rounds 2..n. */
async function measure(sendRound, waitAck) {
  let best = 0
  for (let r = 0; r < ROUNDS; r++) {
    globalThis.gc?.()
    const t0 = performance.now()
    const acked = waitAck()
    await sendRound()
    await acked
    const s = (performance.now() - t0) / 1000
    if (r > 0) best = Math.max(best, TRANSFER_BYTES / MIB / s)
  }
  return best
}

const CHUNK = Buffer.alloc(MIB, 0xab)

async function throughputRaw() {
  const { child, port } = await startChild('raw')
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
  await new Promise((r) => socket.once('connect', r))
  const key = Buffer.alloc(32, 7)
  const nonce = Buffer.alloc(12)
  let counter = 0
  let ackWaiter
  socket.on('data', () => ackWaiter?.())
  const sendRound = async () => {
    for (let sent = 0; sent < TRANSFER_BYTES; ) {
      const n = Math.min(FRAME_PT, TRANSFER_BYTES - sent)
      nonce.writeUInt32LE(counter++ >>> 0, 4)
      const c = crypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
      const out = Buffer.allocUnsafe(2 + n + 16)
      out.writeUInt16BE(n + 16, 0)
      c.update(CHUNK.subarray(0, n)).copy(out, 2)
      c.final()
      c.getAuthTag().copy(out, 2 + n)
      sent += n
      if (!socket.write(out)) await new Promise((r) => socket.once('drain', r))
    }
  }
  const waitAck = () => new Promise((r) => (ackWaiter = r))
  const mbps = await measure(sendRound, waitAck)
  socket.destroy()
  child.kill()
  return mbps
}

async function throughputSwitchyard() {
  const { child, port } = await startChild('switchyard')
  const noise = createNoise({ privateKey: generateKeyPair() })
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true })
  await new Promise((r) => socket.once('connect', r))
  const { stream } = await noise.secureOutbound(socketToConnection(socket))
  let ackWaiter
  stream.setSink({ onData: () => ackWaiter?.(), onEnd() {} })
  const drain = () => new Promise((r) => stream.onceDrain(r))
  const sendRound = async () => {
    for (let sent = 0; sent < TRANSFER_BYTES; sent += MIB) {
      if (!stream.write(CHUNK)) await drain()
    }
  }
  const waitAck = () => new Promise((r) => (ackWaiter = r))
  const mbps = await measure(sendRound, waitAck)
  stream.destroy()
  child.kill()
  return mbps
}

async function throughputJs() {
  const { child, port } = await startChild('js')
  const privateKey = await jsGenerateKeyPair('Ed25519')
  const peerId = jsPeerIdFromPrivateKey(privateKey)
  const enc = jsNoise()({ peerId, privateKey, logger, upgrader: { getStreamMuxers: () => new Map() } })
  const transport = tcp()({ logger })
  const { connection } = await transport.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}`), {
    upgrader: { upgradeOutbound: (maConn) => enc.secureOutbound(maConn) },
    signal: AbortSignal.timeout(10_000),
  })
  let ackWaiter
  connection.addEventListener('message', () => ackWaiter?.())
  const sendRound = async () => {
    for (let sent = 0; sent < TRANSFER_BYTES; sent += MIB) {
      if (!connection.send(CHUNK)) await connection.onDrain()
    }
  }
  const waitAck = () => new Promise((r) => (ackWaiter = r))
  const mbps = await measure(sendRound, waitAck)
  connection.abort(new Error('done'))
  child.kill()
  return mbps
}

async function main() {
  if (process.argv[2] === 'child') return childMain(process.argv[3])
  const progress = (m) => process.stderr.write(`noise.bench: ${m}\n`)
  progress('handshakes')
  const hs = await handshakeBench()
  progress('raw baseline')
  const raw = await throughputRaw()
  progress('switchyard channel')
  const ours = await throughputSwitchyard()
  progress('js-libp2p channel')
  const js = await throughputJs()
  const rows = [
    ['metric', 'switchyard', 'js-libp2p', 'ratio', 'goal'],
    ['handshakes/s (in-process, both ends)', hs.ours.toFixed(0), hs.js.toFixed(0), `${(hs.ours / hs.js).toFixed(2)}×`, '≥ 10×'],
    [
      `channel MiB/s (TCP loopback, 2 processes, ${TRANSFER_BYTES / MIB} MiB rounds)`,
      ours.toFixed(0),
      js.toFixed(0),
      `${(ours / js).toFixed(2)}×`,
      '≥ 2×',
    ],
    ['raw node:crypto seal→TCP→open baseline MiB/s', raw.toFixed(0), '', `${((ours / raw) * 100).toFixed(0)}% of raw`, '≥ 85%'],
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  for (const r of rows) console.log(`| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`)
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
