if (typeof Promise.withResolvers !== 'function') Promise.withResolvers = () => { let resolve, reject; const promise = new Promise((a, b) => { resolve = a; reject = b }); return { promise, resolve, reject } }
const { noise: jsNoise } = await import('@chainsafe/libp2p-noise')
const { generateKeyPair: jsGenerateKeyPair } = await import('@libp2p/crypto/keys')
const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
const { multiaddrConnectionPair } = await import('@libp2p/utils')
const log = Object.assign(() => {}, { enabled: false, trace() {}, error() {}, newScope: () => log })
const logger = { forComponent: () => log }
const mk = async () => { const privateKey = await jsGenerateKeyPair('Ed25519'); const peerId = peerIdFromPrivateKey(privateKey); return jsNoise()({ peerId, privateKey, logger, upgrader: { getStreamMuxers: () => new Map([['/yamux/1.0.0', { protocol: '/yamux/1.0.0' }]]) } }) }
const ja = await mk(), jb = await mk()
const once = async () => { const [x, y] = multiaddrConnectionPair(); const [r1, r2] = await Promise.all([ja.secureOutbound(x), jb.secureInbound(y)]); r1.connection.abort(new Error('done')); r2.connection.abort(new Error('done')) }
const N = Number(process.env.N ?? 500)
for (let i = 0; i < 100; i++) await once()
for (let r = 0; r < 3; r++) { const c0 = process.cpuUsage(); const t0 = performance.now(); for (let i = 0; i < N; i++) await once(); const c = process.cpuUsage(c0); console.log(`js ${N}: ${((c.user + c.system) / N).toFixed(0)} CPU µs, ${(N / (performance.now() - t0) * 1000).toFixed(0)}/s`) }
