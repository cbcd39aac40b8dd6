// Peer-id / key benchmark: @libp2p/crypto + @libp2p/peer-id vs @switchyard/peer-id
// (node:crypto and @noble/curves backends), on the operations a handshake performs.
// Run: cd packages/peer-id && npx tsup && cd ../interop && node bench/peer-id.bench.mjs
import {
  generateKeyPair as jsGenerate,
  publicKeyFromProtobuf as jsPublicKeyFromProtobuf,
  publicKeyToProtobuf as jsPublicKeyToProtobuf,
} from '@libp2p/crypto/keys'
import {
  peerIdFromPublicKey as jsPeerIdFromPublicKey,
  peerIdFromString as jsPeerIdFromString,
} from '@libp2p/peer-id'
import {
  generateKeyPair,
  peerIdFromPublicKey,
  peerIdFromString,
  publicKeyFromProtobuf,
} from '@switchyard/peer-id'

const BUDGET_MS = Number(process.env.BENCH_MS ?? 400)

/** Runs `fn` (sync or async) repeatedly for BUDGET_MS and returns operations per second. */
async function measure(fn) {
  for (let i = 0; i < 20; i++) await fn() // warm-up
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < BUDGET_MS) {
    for (let i = 0; i < 10; i++) await fn()
    n += 10
    now = performance.now()
  }
  return (n * 1000) / (now - start)
}

const payload = new Uint8Array(56).fill(7) // "noise-libp2p-static-key:" + 32-byte static key
const rows = []

async function row(name, js, node, noble) {
  const r = {
    name,
    js: await measure(js),
    node: await measure(node),
    noble: noble ? await measure(noble) : NaN,
  }
  rows.push(r)
}

const jsKey = await jsGenerate('Ed25519')
const nodeKey = generateKeyPair('Ed25519', { backend: 'node' })
const nobleKey = generateKeyPair('Ed25519', { backend: 'noble' })
const jsSig = await jsKey.sign(payload)
const jsPb = jsPublicKeyToProtobuf(jsKey.publicKey)
const idString = jsPeerIdFromPublicKey(jsKey.publicKey).toString()

await row(
  'Ed25519 generate',
  () => jsGenerate('Ed25519'),
  () => generateKeyPair('Ed25519', { backend: 'node' }),
  () => generateKeyPair('Ed25519', { backend: 'noble' }),
)
await row(
  'Ed25519 sign 56 B',
  () => jsKey.sign(payload),
  () => nodeKey.sign(payload),
  () => nobleKey.sign(payload),
)
// What a Noise responder does with the remote's payload: decode key, verify, derive peer id.
await row(
  'remote key: decode+verify+peerId',
  async () => {
    const k = jsPublicKeyFromProtobuf(jsPb)
    if (!(await k.verify(payload, jsSig))) throw new Error('verify failed')
    jsPeerIdFromPublicKey(k)
  },
  () => {
    const k = publicKeyFromProtobuf(jsPb, { backend: 'node' })
    if (!k.verify(payload, jsSig)) throw new Error('verify failed')
    peerIdFromPublicKey(k)
  },
  () => {
    const k = publicKeyFromProtobuf(jsPb, { backend: 'noble' })
    if (!k.verify(payload, jsSig)) throw new Error('verify failed')
    peerIdFromPublicKey(k)
  },
)
const jsRemote = jsPublicKeyFromProtobuf(jsPb)
const nodeRemote = publicKeyFromProtobuf(jsPb, { backend: 'node' })
const nobleRemote = publicKeyFromProtobuf(jsPb, { backend: 'noble' })
await row(
  'Ed25519 verify (cached key)',
  () => jsRemote.verify(payload, jsSig),
  () => nodeRemote.verify(payload, jsSig),
  () => nobleRemote.verify(payload, jsSig),
)
await row(
  'peer id parse+toString',
  () => jsPeerIdFromString(idString).toString(),
  () => peerIdFromString(idString, { backend: 'node' }).toString(),
  null,
)

const fmt = (x) => (Number.isNaN(x) ? '—' : x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0))
console.log(`| operation | js-libp2p ops/s | switchyard node ops/s | switchyard noble ops/s | node / js |`)
console.log(`|---|---:|---:|---:|---:|`)
for (const r of rows) {
  console.log(
    `| ${r.name} | ${fmt(r.js)} | ${fmt(r.node)} | ${fmt(r.noble)} | ${(r.node / r.js).toFixed(2)}× |`,
  )
}
