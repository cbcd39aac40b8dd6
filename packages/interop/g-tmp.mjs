import { generateKeyPair } from '@switchyard/peer-id'
import crypto from 'node:crypto'
function m(name, fn) { for (let i = 0; i < 200; i++) fn(); const t = performance.now(); let n = 0; while (performance.now() - t < 300) { for (let i = 0; i < 20; i++) fn(); n += 20 } console.log(name, Math.round(n / (performance.now() - t) * 1000)) }
m('ours', () => generateKeyPair())
m('gen+export', () => { const { privateKey } = crypto.generateKeyPairSync('ed25519'); privateKey.export({ format: 'jwk' }) })
