// multistream-select negotiations per second: select + handle over an in-memory
// pair, Switchyard (@switchyard/multistream, built dist) against
// @libp2p/multistream-select@7, in the same run and over the same pair. js-libp2p
// needs a libp2p `Stream`, so its side runs over a thin adapter (AbstractStream
// from @libp2p/utils) on the same pair; building the adapter is counted.
//
// Run: cd packages/interface && npx tsup && cd ../multistream && npx tsup &&
//      node --expose-gc packages/interop/bench/multistream.bench.mjs
import * as mss from '@libp2p/multistream-select'
import { AbstractStream } from '@libp2p/utils'
import { ByteStreamBase, StreamError } from '@switchyard/interface'
import { handle, select } from '@switchyard/multistream'

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

// ---- a tiny in-memory pair: one microtask per delivery, like the testkit's ----
class MemStream extends ByteStreamBase {
  peer
  #out = []
  #end = false
  #scheduled = false
  #eofIn = false
  #eofOut = false
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
    if (!(this.#eofIn && this.#eofOut) && !peer.closed) {
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
      if (this.#end && !this.#eofOut) {
        this.#eofOut = true
        peer.#eofIn = true
        peer.pushEnd()
        if (this.#eofIn) this.finish()
        if (peer.#eofOut) peer.finish()
      }
    })
  }
}
function pair() {
  const a = new MemStream()
  const b = new MemStream()
  a.peer = b
  b.peer = a
  return [a, b]
}

// ---- js-libp2p adapter --------------------------------------------------------
const log = Object.assign(() => {}, { error() {}, trace() {}, enabled: false })
log.newScope = () => log
let ids = 0
class Adapter extends AbstractStream {
  #inner
  constructor(inner, direction) {
    super({ id: String(ids++), log, direction })
    this.#inner = inner
    inner.setSink({ onData: (c) => this.onData(c), onEnd: () => this.onRemoteCloseWrite() })
    inner.onceClosed((err) => this.onTransportClosed(err))
  }
  sendData(data) {
    this.#inner.write(data.subarray())
    return { sentBytes: data.byteLength, canSendMore: true }
  }
  sendReset(err) {
    this.#inner.destroy(err)
  }
  sendPause() {}
  sendResume() {}
  async sendCloseWrite() {
    this.#inner.end()
  }
  async sendCloseRead() {}
}

// ---- scenarios ----------------------------------------------------------------
const PROTO = '/ipfs/id/1.0.0'
const SUPPORTED = [
  '/ipfs/ping/1.0.0',
  '/ipfs/id/1.0.0',
  '/ipfs/id/push/1.0.0',
  '/libp2p/circuit/relay/0.2.0/stop',
]
const FIRST = new Uint8Array(32)

const scenarios = {
  'one protocol': {
    switchyard: async () => {
      const [a, b] = pair()
      await Promise.all([select(a, [PROTO]), handle(b, SUPPORTED)])
    },
    js: async () => {
      const [a, b] = pair()
      await Promise.all([
        mss.select(new Adapter(a, 'outbound'), [PROTO]),
        mss.handle(new Adapter(b, 'inbound'), SUPPORTED),
      ])
    },
  },
  'after one na': {
    switchyard: async () => {
      const [a, b] = pair()
      await Promise.all([select(a, ['/ipfs/id/2.0.0', PROTO]), handle(b, SUPPORTED)])
    },
    js: async () => {
      const [a, b] = pair()
      await Promise.all([
        mss.select(new Adapter(a, 'outbound'), ['/ipfs/id/2.0.0', PROTO]),
        mss.handle(new Adapter(b, 'inbound'), SUPPORTED),
      ])
    },
  },
  // Switchyard's lazy select against js's only mode (js 7 has no lazy select):
  // both until the responder has the protocol and the first 32 bytes.
  'first write delivered': {
    switchyard: async () => {
      const [a, b] = pair()
      const handling = handle(b, SUPPORTED)
      const { stream } = await select(a, [PROTO], { lazy: true })
      stream.write(FIRST.slice())
      const { stream: s } = await handling
      await new Promise((resolve) => s.setSink({ onData: resolve, onEnd() {} }))
    },
    js: async () => {
      const [a, b] = pair()
      const out = new Adapter(a, 'outbound')
      const inb = new Adapter(b, 'inbound')
      const handling = mss.handle(inb, SUPPORTED)
      await mss.select(out, [PROTO])
      out.send(FIRST.slice())
      await handling
      await new Promise((resolve) => inb.addEventListener('message', resolve, { once: true }))
    },
  },
}

// Negotiations run CONCURRENT at a time (as streams of a busy connection do), so
// the figure is throughput and not the latency of a timer somewhere in one run.
const CONCURRENT = 32
async function batch(fn) {
  const all = []
  for (let i = 0; i < CONCURRENT; i++) all.push(fn())
  await Promise.all(all)
}

async function measure(fn, ms) {
  for (let i = 0; i < 50; i++) await batch(fn) // warm-up
  globalThis.gc?.()
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) await batch(fn)
    n += 10 * CONCURRENT
    now = performance.now()
  }
  return (n * 1000) / (now - start)
}

const ROUNDS = 5
const MS = 400
const rows = []
for (const [name, s] of Object.entries(scenarios)) {
  const sy = []
  const js = []
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so neither side always runs on a warmer heap.
    if (r % 2 === 0) {
      sy.push(await measure(s.switchyard, MS))
      js.push(await measure(s.js, MS))
    } else {
      js.push(await measure(s.js, MS))
      sy.push(await measure(s.switchyard, MS))
    }
  }
  const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1]
  const a = median(sy)
  const b = median(js)
  rows.push({
    scenario: name,
    'switchyard (neg/s)': Math.round(a),
    'js-libp2p (neg/s)': Math.round(b),
    ratio: `${(a / b).toFixed(1)}×`,
  })
}
console.log(
  `multistream-select: select + handle over an in-memory pair, ${CONCURRENT} at a time (node ${process.version}, median of ${ROUNDS} × ${MS} ms)`,
)
console.table(rows)
