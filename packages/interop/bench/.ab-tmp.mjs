// A/B: before vs after dists, interleaved, CPU µs per handshake (both ends).
import { ByteStreamBase, StreamError } from '@switchyard/interface'
import { generateKeyPair } from '@switchyard/peer-id'
const after = await import('@switchyard/noise')
const before = await import('../../noise/.ab-before/index.js')
class MemStream extends ByteStreamBase {
  peer; #out = []; #end = false; #scheduled = false; eofIn = false; eofOut = false
  _write(c) { this.#out.push(c); this.#schedule(); return true }
  _end() { this.#end = true; this.#schedule() }
  _destroy(err) { this.#out = []; const p = this.peer; if (!(this.eofIn && this.eofOut) && !p.closed) queueMicrotask(() => p.finish(err ?? new StreamError('STREAM_RESET', 'reset'))) }
  #schedule() { if (this.#scheduled) return; this.#scheduled = true; queueMicrotask(() => { this.#scheduled = false; const p = this.peer; for (const c of this.#out) p.push(c); this.#out = []; if (this.#end && !this.eofOut) { this.eofOut = true; p.eofIn = true; p.pushEnd() } }) }
}
const memPair = () => { const a = new MemStream(), b = new MemStream(); a.peer = b; b.peer = a; return [a, b] }
const mk = (m) => { const a = m.createNoise({ privateKey: generateKeyPair(), muxers: ['/yamux/1.0.0'] }); const b = m.createNoise({ privateKey: generateKeyPair(), muxers: ['/yamux/1.0.0'] }); return async () => { const [x, y] = memPair(); const [r1, r2] = await Promise.all([a.secureOutbound(x), b.secureInbound(y)]); r1.stream.destroy(); r2.stream.destroy() } }
const impls = { before: mk(before), after: mk(after) }
const N = Number(process.env.N ?? 1000), R = Number(process.env.R ?? 5)
for (const f of Object.values(impls)) for (let i = 0; i < 300; i++) await f()
const best = {}
for (let r = 0; r < R; r++) for (const [name, f] of Object.entries(impls)) {
  globalThis.gc?.()
  const c0 = process.cpuUsage(); const t0 = performance.now()
  for (let i = 0; i < N; i++) await f()
  const c = process.cpuUsage(c0); const us = (c.user + c.system) / N
  best[name] = Math.min(best[name] ?? Infinity, us)
  console.log(r, name, us.toFixed(0), 'µs', (N / (performance.now() - t0) * 1000).toFixed(0) + '/s')
}
console.log('best', JSON.stringify(best))
