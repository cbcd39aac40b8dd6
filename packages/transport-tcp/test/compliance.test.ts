import { multiaddr } from '@multiformats/multiaddr'
import { runTransportSuite } from '@switchyard/testkit'
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
