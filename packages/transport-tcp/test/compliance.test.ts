import { multiaddr } from '@multiformats/multiaddr'
import type { RawConnection } from '@switchyard/interface'
import { runByteStreamSuite, runTransportSuite } from '@switchyard/testkit'
import { tcp } from '../src/index.js'

runTransportSuite('tcp ip4', {
  createTransport: () => tcp(),
  listenAddr: () => multiaddr('/ip4/127.0.0.1/tcp/0'),
  unsupportedAddr: multiaddr('/ip4/127.0.0.1/udp/1234'),
})

runTransportSuite('tcp ip6', {
  createTransport: () => tcp(),
  listenAddr: () => multiaddr('/ip6/::1/tcp/0'),
  unsupportedAddr: multiaddr('/memory/x'),
})

// A large socket write buffer: the suite's "a reader that does not read stops the
// sender" tests must first fill the kernel's loopback buffers (several MiB), and an
// "oversized" write must be larger than those.
runByteStreamSuite(
  'tcp connection',
  async () => {
    const t = tcp({ writableHighWaterMark: 1024 * 1024 })
    let resolveInbound!: (c: RawConnection) => void
    const inbound = new Promise<RawConnection>((r) => (resolveInbound = r))
    const listener = await t.listen(multiaddr('/ip4/127.0.0.1/tcp/0'), {
      onConnection: (c) => resolveInbound(c),
    })
    const [a, b] = await Promise.all([t.dial(listener.addr), inbound])
    return { a, b, cleanup: () => listener.close() }
  },
  { oversizedWriteBytes: 24 * 1024 * 1024 },
)
