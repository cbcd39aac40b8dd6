// Holds N idle connections to ADDR (TCP + Noise + Yamux, Switchyard's transport and
// upgrader used directly, one identity per connection, so that every dial is a
// new connection from a new peer), then on "ping"
// over IPC pings every connection on a new stream and reports how many answered.
import { multiaddr } from '@multiformats/multiaddr'
import { createNoise } from '../../../noise/dist/index.js'
import { generateKeyPair, peerIdFromPrivateKey, peerIdFromString } from '../../../peer-id/dist/index.js'
import { PING_PROTOCOL, Pinger } from '../../../ping/dist/index.js'
import { tcp } from '../../../transport-tcp/dist/index.js'
import { createUpgrader } from '../../../upgrader/dist/index.js'
import { createYamux } from '../../../yamux/dist/index.js'

const [addr, countArg, parallelArg] = process.argv.slice(2)
const count = Number(countArg)
const parallel = Number(parallelArg ?? 32)
// A fresh identity per connection: a Switchyard listener keeps one connection per peer.
function newUpgrader() {
  const privateKey = generateKeyPair()
  return createUpgrader({
    localPeer: peerIdFromPrivateKey(privateKey),
    security: [createNoise({ privateKey })],
    muxers: [createYamux()],
  })
}
const transport = tcp()
const ma = multiaddr(addr)
const remotePeer = peerIdFromString(ma.getComponents().findLast((c) => c.name === 'p2p').value)
const target = ma.decapsulateCode(421)
const conns = []
let next = 0
let failed = 0
let firstError
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < count) {
      next++
      try {
        conns.push(await newUpgrader().upgradeOutbound(await transport.dial(target), { remotePeer }))
      } catch (err) {
        failed++
        firstError ??= `${err.code ?? ''} ${err.message}`
      }
    }
  }),
)
process.send({ type: 'dialled', ok: conns.length, failed, firstError })
process.on('message', async (msg) => {
  if (msg.type === 'ping') {
    let ok = 0
    let bad = 0
    let err1
    let i = 0
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (i < conns.length) {
          const conn = conns[i++]
          try {
            const { stream } = await conn.newStream(PING_PROTOCOL)
            const pinger = new Pinger(stream)
            await pinger.ping({ timeoutMs: 30_000 })
            pinger.close()
            ok++
          } catch (err) {
            bad++
            err1 ??= `${err.code ?? ''} ${err.message}`
          }
        }
      }),
    )
    process.send({ type: 'pinged', ok, failed: bad, firstError: err1 })
  } else if (msg.type === 'close') {
    await Promise.all(conns.map((c) => c.close().catch(() => c.abort(new Error('closing')))))
    process.exit(0)
  }
})
