import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { fakePeer, PINNED } from '../test/helpers.js'
import { createResourceManager } from './manager.js'

const A = multiaddr('/ip4/203.0.113.7/tcp/4001')
const alice = fakePeer('alice')

describe('StreamScope', () => {
  // The property test's counterexample (seed -28619852): a stream closed with its
  // connection, then given a protocol, left a peer scope behind.
  it.each(['setProtocol', 'setService'] as const)(
    '%s on a stream closed with its connection throws and leaves no scope behind',
    (method) => {
      const rm = createResourceManager({ limits: { autoscale: PINNED } })
      const conn = rm.openConnection('inbound', A)
      conn.setPeer(alice)
      const stream = conn.openStream('inbound')
      if (method === 'setService') stream.setProtocol('/echo/1.0.0')
      conn.done()
      expect(() => stream[method](method === 'setService' ? 'echo' : '/echo/1.0.0')).toThrow(
        expect.objectContaining({ code: 'RESOURCE_SCOPE_CLOSED' }),
      )
      const stat = rm.stat()
      expect(stat.peers).toEqual({})
      expect(stat.protocols).toEqual({})
    },
  )
})
