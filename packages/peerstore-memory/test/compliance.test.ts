import { multiaddr } from '@multiformats/multiaddr'
import { runPeerstoreSuite } from '@switchyard/testkit'
import { createMemoryPeerstore } from '../src/index.js'

runPeerstoreSuite('memory', {
  create: (init) => createMemoryPeerstore(init),
  multiaddr: (s) => multiaddr(s),
})
