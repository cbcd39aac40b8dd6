// `pnpm bench yamux`: @switchyard/yamux vs @chainsafe/libp2p-yamux 8.0.1, two
// processes over TCP loopback, no security layer. The parent is the client; a
// child process runs the server side of the same implementation.
// Build first: (cd packages/yamux && npx tsup) (also interface, transport-tcp).
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve
    let reject
    const promise = new Promise((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

const MiB = 1024 * 1024
const CHUNK = 64 * 1024
const SINK = 0x73 // 's': read to EOF, then reply one byte and end
const ECHO = 0x65 // 'e': echo to EOF, then end

// ---- Switchyard ------------------------------------------------------------------
async function switchyard() {
  const { createYamux } = await import('@switchyard/yamux')
  const { socketToConnection } = await import('@switchyard/transport-tcp')
  const { readAll } = await import('@switchyard/interface')
  const factory = createYamux()
  return {
    serve(socket) {
      factory.createSession(socketToConnection(socket), {
        direction: 'inbound',
        onStream(stream) {
          let mode = 0
          let total = 0
          stream.setSink({
            onData(chunk) {
              if (mode === 0) {
                mode = chunk[0]
                chunk = chunk.subarray(1)
                if (chunk.byteLength === 0) return
              }
              total += chunk.byteLength
              if (mode === ECHO && !stream.write(chunk)) {
                stream.pause()
                stream.onceDrain(() => stream.resume())
              }
            },
            onEnd() {
              if (mode === SINK) stream.write(new Uint8Array([total & 0xff]))
              stream.end()
            },
          })
        },
      })
    },
    client(socket) {
      const session = factory.createSession(socketToConnection(socket), {
        direction: 'outbound',
        onStream() {},
      })
      return {
        async send(bytes) {
          const s = await session.newStream()
          const chunk = new Uint8Array(CHUNK)
          s.write(new Uint8Array([SINK]))
          for (let sent = 0; sent < bytes; sent += CHUNK) {
            if (!s.write(chunk.slice())) await new Promise((r) => s.onceDrain(r))
          }
          s.end()
          await readAll(s)
        },
        async echo1() {
          const s = await session.newStream()
          s.write(new Uint8Array([ECHO, 1]))
          s.end()
          const got = await readAll(s)
          if (got.byteLength !== 1) throw new Error('bad echo')
        },
        close: () => session.abort(new Error('done')),
      }
    },
  }
}

// ---- js-libp2p-yamux ---------------------------------------------------------------
async function jsLibp2p() {
  const { yamux } = await import('@chainsafe/libp2p-yamux')
  const { AbstractMultiaddrConnection } = await import('@libp2p/utils')
  const { multiaddr } = await import('@multiformats/multiaddr')
  const noop = () => {}
  const log = Object.assign(() => {}, { enabled: false, trace: noop, error: noop })
  log.newScope = () => log
  class SocketMaConn extends AbstractMultiaddrConnection {
    constructor(socket, direction) {
      super({ log, direction, remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/1') })
      this.socket = socket
      socket.on('data', (buf) => this.onData(buf))
      socket.on('error', (err) => this.abort(err))
      socket.once('close', () => this.onTransportClosed())
      socket.on('drain', () => this.safeDispatchEvent('drain'))
    }
    sendData(data) {
      let sentBytes = 0
      let canSendMore = true
      for (const buf of data) {
        sentBytes += buf.byteLength
        canSendMore = this.socket.write(buf)
        if (!canSendMore) break
      }
      return { sentBytes, canSendMore }
    }
    async sendClose() {
      this.socket.end()
    }
    sendReset() {
      this.socket.destroy()
    }
    sendPause() {
      this.socket.pause()
    }
    sendResume() {
      this.socket.resume()
    }
  }
  const factory = yamux()() // defaults: keepalive on (its RTT drives window auto-tuning), like ours
  const readAll = async (stream) => {
    const parts = []
    for await (const c of stream) parts.push(c instanceof Uint8Array ? c : c.subarray())
    return Buffer.concat(parts)
  }
  return {
    serve(socket) {
      const muxer = factory.createStreamMuxer(new SocketMaConn(socket, 'inbound'))
      muxer.addEventListener('stream', (evt) => {
        const stream = evt.detail
        void (async () => {
          let mode = 0
          let total = 0
          for await (let chunk of stream) {
            if (!(chunk instanceof Uint8Array)) chunk = chunk.subarray()
            if (mode === 0) {
              mode = chunk[0]
              chunk = chunk.subarray(1)
              if (chunk.byteLength === 0) continue
            }
            total += chunk.byteLength
            if (mode === ECHO && !stream.send(chunk)) await stream.onDrain()
          }
          if (mode === SINK) stream.send(new Uint8Array([total & 0xff]))
          await stream.close()
        })().catch(() => {})
      })
    },
    client(socket) {
      const muxer = factory.createStreamMuxer(new SocketMaConn(socket, 'outbound'))
      return {
        async send(bytes) {
          const s = await muxer.createStream()
          const reading = readAll(s)
          const chunk = new Uint8Array(CHUNK)
          s.send(new Uint8Array([SINK]))
          for (let sent = 0; sent < bytes; sent += CHUNK) {
            if (!s.send(chunk.slice())) await s.onDrain()
          }
          await s.close()
          await reading
        },
        async echo1() {
          const s = await muxer.createStream()
          const reading = readAll(s)
          s.send(new Uint8Array([ECHO, 1]))
          await s.close()
          const got = await reading
          if (got.byteLength !== 1) throw new Error('bad echo')
        },
        close: () => muxer.abort(new Error('done')),
      }
    },
  }
}

// ---- raw TCP: the ceiling for the MB/s rows -------------------------------------------
// The same 64 KiB writes on the bare socket, no multiplexer: a transfer is an 8-byte
// big-endian length and that many bytes; the server answers one byte at the end.
async function rawTcp() {
  return {
    serve(socket) {
      const head = Buffer.alloc(8)
      let headBytes = 0
      let left = 0
      socket.on('data', (chunk) => {
        let o = 0
        while (o < chunk.byteLength) {
          if (left === 0) {
            const n = Math.min(8 - headBytes, chunk.byteLength - o)
            chunk.copy(head, headBytes, o, o + n)
            headBytes += n
            o += n
            if (headBytes === 8) {
              headBytes = 0
              left = Number(head.readBigUInt64BE(0))
            }
            continue
          }
          const n = Math.min(left, chunk.byteLength - o)
          left -= n
          o += n
          if (left === 0) socket.write(Buffer.from([1]))
        }
      })
    },
    client(socket) {
      let acked
      socket.on('data', () => acked?.())
      // One transfer at a time on the one socket: concurrent sends (the 8-stream row)
      // run back to back, the same bytes over the same connection.
      let queue = Promise.resolve()
      const sendOne = async (bytes) => {
        const done = new Promise((r) => (acked = r))
        const head = Buffer.alloc(8)
        head.writeBigUInt64BE(BigInt(bytes))
        socket.write(head)
        const chunk = new Uint8Array(CHUNK)
        for (let sent = 0; sent < bytes; sent += CHUNK) {
          // Up to 1 MiB queued, as our SocketConnection allows (the socket's own 16 KiB
          // mark would make every 64 KiB write wait for the socket to empty).
          socket.write(chunk.slice())
          if (socket.writableLength >= MiB) await once(socket, 'drain')
        }
        await done
      }
      return {
        send(bytes) {
          const p = queue.then(() => sendOne(bytes))
          queue = p.catch(() => {})
          return p
        },
        // The floor for the sequential echo row: one 9-byte message (a 1-byte transfer)
        // and a 1-byte answer on the bare socket, no stream to open or close.
        async echo1() {
          const done = new Promise((r) => (acked = r))
          const msg = Buffer.alloc(9)
          msg[7] = 1
          socket.write(msg)
          await done
        },
        close() {},
      }
    },
  }
}

const impls = { switchyard, 'js-libp2p-yamux': jsLibp2p, 'raw TCP': rawTcp }

async function run(name, scenario) {
  const child = fork(fileURLToPath(import.meta.url), ['server', name], { stdio: 'inherit' })
  const [{ port }] = await once(child, 'message')
  const impl = await impls[name]()
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true, noDelay: true })
  await once(socket, 'connect')
  const client = impl.client(socket)
  try {
    return await scenario(client)
  } finally {
    client.close()
    socket.destroy()
    child.disconnect()
    await once(child, 'exit')
  }
}

const WARMUP_MS = Number(process.env.YAMUX_BENCH_WARMUP_MS ?? 1500)
const MEASURE_MS = Number(process.env.YAMUX_BENCH_MEASURE_MS ?? 3000)

/** Runs `fn` back to back until `ms` have passed: `{ n: runs, s: seconds taken }`. */
async function forMs(ms, fn) {
  const t0 = performance.now()
  const end = t0 + ms
  let n = 0
  while (performance.now() < end) {
    await fn()
    n++
  }
  return { n, s: (performance.now() - t0) / 1000 }
}

const perSecond = ({ n, s }) => n / s

const scenarios = [
  {
    name: '1 stream, MB/s',
    run: async (c) => {
      // Time-boxed transfers of 64 MiB after a time-boxed warm-up (JIT, GC heap sizing,
      // TCP buffer autotuning): a single 128 MiB warm-up left ours still ramping (a
      // sender at 100 % CPU moved 0.7 GB/s in its first 256 MiB, 2.3 GB/s by its sixth).
      await forMs(WARMUP_MS, () => c.send(64 * MiB))
      const { n, s } = await forMs(MEASURE_MS, () => c.send(64 * MiB))
      return (n * 64) / s
    },
  },
  {
    name: '8 streams, MB/s',
    run: async (c) => {
      const eight = () => Promise.all(Array.from({ length: 8 }, () => c.send(8 * MiB)))
      await forMs(WARMUP_MS, eight)
      const { n, s } = await forMs(MEASURE_MS, eight)
      return (n * 64) / s
    },
  },
  {
    name: 'open + 1-byte echo, sequential, /s',
    run: async (c) => {
      // Time-boxed, after a time-boxed warm-up: on this VM even a bare Node socket's round
      // trip falls from ~70 to ~30 µs over the first ~0.3 s of ping-pong (the host's CPU
      // wake-up adapts), and the JIT needs a few thousand echoes. A fixed small count
      // measured that ramp, not the steady state.
      await forMs(WARMUP_MS, () => c.echo1())
      return perSecond(await forMs(MEASURE_MS, () => c.echo1()))
    },
  },
  {
    name: 'open + 1-byte echo, 64 in flight, /s',
    run: async (c) => {
      const inFlight = (ms) => {
        const runs = Array.from({ length: 64 }, () => forMs(ms, () => c.echo1()))
        return Promise.all(runs).then((rs) => ({
          n: rs.reduce((a, r) => a + r.n, 0),
          s: Math.max(...rs.map((r) => r.s)),
        }))
      }
      await inFlight(WARMUP_MS)
      return perSecond(await inFlight(MEASURE_MS))
    },
  },
]

// YAMUX_BENCH_ONLY=<substring of a scenario name>, YAMUX_BENCH_IMPL=switchyard|js-libp2p-yamux:
// run a subset (e.g. under `node --cpu-prof`, which the forked server inherits).
const only = process.env.YAMUX_BENCH_ONLY
const onlyImpl = process.env.YAMUX_BENCH_IMPL

async function main() {
  const rows = []
  for (const s of scenarios) {
    if (only !== undefined && !s.name.includes(only)) continue
    const js =
      onlyImpl === undefined || onlyImpl === 'js-libp2p-yamux'
        ? await runInChild('js-libp2p-yamux', s)
        : Number.NaN
    const ours =
      onlyImpl === undefined || onlyImpl === 'switchyard' ? await runInChild('switchyard', s) : Number.NaN
    // The MB/s rows also move the same bytes over a bare socket (no multiplexer): the
    // most any multiplexer can reach here, so raw / js is the highest ratio possible.
    const raw =
      onlyImpl === undefined && (s.name.includes('MB/s') || s.name.includes('sequential'))
        ? await runInChild('raw TCP', s)
        : Number.NaN
    rows.push({
      scenario: s.name,
      'js-libp2p-yamux': js.toFixed(1),
      switchyard: ours.toFixed(1),
      ratio: `${(ours / js).toFixed(2)}×`,
      'raw TCP': Number.isNaN(raw) ? '' : raw.toFixed(1),
      'ceiling (raw / js)': Number.isNaN(raw) ? '' : `${(raw / js).toFixed(2)}×`,
      'ours / raw': Number.isNaN(raw) ? '' : `${((100 * ours) / raw).toFixed(0)} %`,
    })
  }
  console.log(`node ${process.version}, TCP loopback, no security, two processes`)
  console.table(rows)
}

/**
 * Runs one scenario's client side in a process of its own, which loads only that
 * implementation (as an application would): the client of the second implementation
 * must not carry the first one's modules and heap.
 */
async function runInChild(name, scenario) {
  const child = fork(fileURLToPath(import.meta.url), ['client', name, scenario.name], {
    stdio: 'inherit',
    execArgv: process.execArgv,
  })
  const [reply] = await once(child, 'message')
  await once(child, 'exit')
  if (reply.error !== undefined) throw new Error(`${name}: ${reply.error}`)
  return reply.value
}

// ---- children: server, client -----------------------------------------------------------
if (process.argv[2] === 'client') {
  const scenario = scenarios.find((s) => s.name === process.argv[4])
  try {
    process.send({ value: await run(process.argv[3], scenario.run) })
  } catch (err) {
    process.send({ error: String(err?.stack ?? err) })
  }
  process.disconnect()
} else if (process.argv[2] === 'server') {
  const impl = await impls[process.argv[3]]()
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => impl.serve(socket))
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
  process.on('disconnect', () => process.exit(0))
} else {
  await main()
}
