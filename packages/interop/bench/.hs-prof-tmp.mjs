// N in-process handshakes over an in-memory pair (the bench's MemStream).
import { ByteStreamBase, StreamError } from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair } from '@switchyard/peer-id'
class MemStream extends ByteStreamBase {
  peer; #out = []; #end = false; #scheduled = false; eofIn = false; eofOut = false
  _write(c) { this.#out.push(c); this.#schedule(); return true }
  _end() { this.#end = true; this.#schedule() }
  _destroy(err) { this.#out = []; const p = this.peer; if (!(this.eofIn && this.eofOut) && !p.closed) queueMicrotask(() => p.finish(err ?? new StreamError('STREAM_RESET', 'reset'))) }
  #schedule() { if (this.#scheduled) return; this.#scheduled = true; queueMicrotask(() => { this.#scheduled = false; const p = this.peer; for (const c of this.#out) p.push(c); this.#out = []; if (this.#end && !this.eofOut) { this.eofOut = true; p.eofIn = true; p.pushEnd() } }) }
}
const memPair = () => { const a = new MemStream(), b = new MemStream(); a.peer = b; b.peer = a; return [a, b] }
const a = createNoise({ privateKey: generateKeyPair(), muxers: ['/yamux/1.0.0'] })
const b = createNoise({ privateKey: generateKeyPair(), muxers: ['/yamux/1.0.0'] })
const once = async () => { const [x, y] = memPair(); const [r1, r2] = await Promise.all([a.secureOutbound(x), b.secureInbound(y)]); r1.stream.destroy(); r2.stream.destroy() }
const N = Number(process.env.N ?? 3000)
for (let i = 0; i < 200; i++) await once()
for (let r = 0; r < 3; r++) {
  const c0 = process.cpuUsage(); const t0 = performance.now()
  for (let i = 0; i < N; i++) await once()
  const c = process.cpuUsage(c0)
  console.log(`${N} handshakes: ${((c.user + c.system) / N).toFixed(0)} CPU µs each, ${(N / (performance.now() - t0) * 1000).toFixed(0)}/s`)
}
