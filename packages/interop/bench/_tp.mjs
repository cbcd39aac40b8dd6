import crypto from 'node:crypto'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair } from '@switchyard/peer-id'
import { ByteStreamBase } from '@switchyard/interface'
class MemStream extends ByteStreamBase {
  peer; #out = []; #scheduled = false
  _write(c) { this.#out.push(c); this.#schedule(); return true }
  _end() {}
  _destroy() { this.#out = [] }
  #schedule() { if (this.#scheduled) return; this.#scheduled = true; queueMicrotask(() => { this.#scheduled = false; for (const c of this.#out) { // re-chunk into 64 KiB pieces like TCP
        for (let i = 0; i < c.length; i += 65536) this.peer.push(c.subarray(i, i + 65536)) } this.#out = [] }) }
}
const TOTAL = 256 * 1024 * 1024
const CHUNK = Buffer.alloc(1 << 20, 0xab)
const a = createNoise({ privateKey: generateKeyPair() }), b = createNoise({ privateKey: generateKeyPair() })
const x = new MemStream(), y = new MemStream(); x.peer = y; y.peer = x
const [r1, r2] = await Promise.all([a.secureOutbound(x), b.secureInbound(y)])
for (let round = 0; round < 2; round++) {
let got = 0, done
const p = new Promise(r => done = r)
r2.stream.setSink({ onData(c) { got += c.length; if (got >= TOTAL) done() }, onEnd() {} })
const c0 = process.cpuUsage(); const t0 = performance.now()
for (let s = 0; s < TOTAL; s += CHUNK.length) { if (!r1.stream.write(CHUNK)) await new Promise(r => r1.stream.onceDrain(r)) }
await p
const cpu = process.cpuUsage(c0); const ms = performance.now() - t0
console.log('switchyard channel', (TOTAL / 1048576 / ((cpu.user + cpu.system) / 1e6)).toFixed(0), 'MiB per cpu-s', (TOTAL/1048576/(ms/1000)).toFixed(0), 'MiB/s wall')
}
// raw: seal + open, same process
const key = Buffer.alloc(32, 7), nonce = Buffer.alloc(12)
for (let round = 0; round < 2; round++) {
const c0 = process.cpuUsage(); const t0 = performance.now()
let n = 0
for (let s = 0; s < TOTAL; s += 65519) {
  nonce.writeUInt32LE(n++, 4)
  const c = crypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  const m = Math.min(65519, TOTAL - s)
  const out = Buffer.allocUnsafe(2 + m + 16)
  c.update(CHUNK.subarray(0, m)).copy(out, 2); c.final(); c.getAuthTag().copy(out, 2 + m)
  const d = crypto.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  d.setAuthTag(out.subarray(2 + m)); d.update(out.subarray(2, 2 + m)); d.final()
}
const cpu = process.cpuUsage(c0); const ms = performance.now() - t0
console.log('raw seal+open', (TOTAL / 1048576 / ((cpu.user + cpu.system) / 1e6)).toFixed(0), 'MiB per cpu-s', (TOTAL/1048576/(ms/1000)).toFixed(0), 'MiB/s wall')
}
process.exit(0)
