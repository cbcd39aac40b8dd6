import { multiaddr } from '@multiformats/multiaddr'
import type { RawConnection } from '@switchyard/interface'
import { runByteStreamSuite, runTransportSuite } from '@switchyard/testkit'
import { MemoryNetwork, memory } from '../src/index.js'

let n = 0
runTransportSuite('memory', {
  createTransport: () => memory(),
  listenAddr: () => multiaddr(`/memory/suite-${++n}`),
  unsupportedAddr: multiaddr('/ip4/127.0.0.1/tcp/1'),
})

runByteStreamSuite('memory connection', async () => {
  const network = new MemoryNetwork()
  const t = memory({ network })
  let inbound: RawConnection | undefined
  const listener = await t.listen(multiaddr('/memory/bss'), { onConnection: (c) => (inbound = c) })
  const a = await t.dial(multiaddr('/memory/bss'))
  return { a, b: inbound!, cleanup: () => listener.close() }
})
