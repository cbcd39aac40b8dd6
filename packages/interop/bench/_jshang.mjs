import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { generateKeyPair as jsGenerateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey as jsPeerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddrConnectionPair } from '@libp2p/utils'
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = () => { let resolve, reject; const promise = new Promise((res, rej) => { resolve = res; reject = rej }); return { promise, resolve, reject } }
}
const log = Object.assign(() => {}, { enabled: false, trace() {}, error() {}, newScope: () => log })
const logger = { forComponent: () => log }
const mk = async () => {
  const privateKey = await jsGenerateKeyPair('Ed25519')
  const peerId = jsPeerIdFromPrivateKey(privateKey)
  const upgrader = { getStreamMuxers: () => new Map([['/yamux/1.0.0', { protocol: '/yamux/1.0.0' }]]) }
  return jsNoise()({ peerId, privateKey, logger, upgrader })
}
const ja = await mk(), jb = await mk()
for (let i = 0; i < 3000; i++) {
  if (i % 500 === 0) console.log('at', i)
  const [x, y] = multiaddrConnectionPair()
  const t = setTimeout(() => { console.log('HANG at', i); process.exit(1) }, 3000)
  const [r1, r2] = await Promise.all([ja.secureOutbound(x), jb.secureInbound(y)])
  r1.connection.abort(new Error('done'))
  r2.connection.abort(new Error('done'))
  clearTimeout(t)
}
console.log('ok')
