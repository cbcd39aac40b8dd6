// Holds N idle Switchyard connections to ADDR (one host, a new connection per dial),
// then on "ping" over IPC pings every one of them on a new stream and reports the count.
import { Pinger, PING_PROTOCOL } from '../../../ping/dist/index.js'
import { createTcpHost } from '../../../cli/dist/index.js'

const [addr, countArg, parallelArg] = process.argv.slice(2)
const count = Number(countArg)
const parallel = Number(parallelArg ?? 64)
const host = await createTcpHost({ maxConnections: count + 100 })
const conns = []
let next = 0
let failed = 0
let firstError
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < count) {
      next++
      try {
        conns.push(await host.dial(addr))
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
            const pinger = new Pinger(await conn.newStream(PING_PROTOCOL))
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
    await host.close().catch(() => {})
    process.exit(0)
  }
})
