import { createNoise } from '@switchyard/noise'
import { generateKeyPair } from '@switchyard/peer-id'
import { ByteStreamBase, StreamError } from '@switchyard/interface'
class MemStream extends ByteStreamBase {
  peer; #out = []; #scheduled = false
  _write(c) { this.#out.push(c); this.#schedule(); return true }
  _end() {}
  _destroy() { this.#out = [] }
  #schedule() { if (this.#scheduled) return; this.#scheduled = true; queueMicrotask(() => { this.#scheduled = false; for (const c of this.#out) this.peer.push(c); this.#out = [] }) }
}
const a = createNoise({ privateKey: generateKeyPair() }), b = createNoise({ privateKey: generateKeyPair() })
const N = Number(process.argv[2] ?? 2000)
const t0 = performance.now()
for (let i = 0; i < N; i++) {
  const x = new MemStream(), y = new MemStream(); x.peer = y; y.peer = x
  const [r1, r2] = await Promise.all([a.secureOutbound(x), b.secureInbound(y)])
  r1.stream.destroy(); r2.stream.destroy()
}
console.log('hs/s', (N / (performance.now() - t0) * 1000).toFixed(0))
