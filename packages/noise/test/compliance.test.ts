/** The byte-stream compliance suite over Noise channels (both crypto backends, split chunks). */
import { runByteStreamSuite } from '@switchyard/testkit'
import { makePeer, securePair } from './helpers.js'

runByteStreamSuite('noise channel (node:crypto) over a duplex pair', async () => {
  const { client, server } = await securePair(makePeer({ crypto: 'node' }), makePeer({ crypto: 'node' }))
  return { a: client.stream, b: server.stream }
})

runByteStreamSuite(
  'noise channel (noble ↔ node:crypto) over a duplex pair splitting chunks at 1000 bytes',
  async () => {
    const { client, server } = await securePair(makePeer({ crypto: 'noble' }), makePeer({ crypto: 'node' }), {
      pair: { split: 1000 },
    })
    return { a: client.stream, b: server.stream }
  },
  { largeBytes: 256 * 1024 + 7, smallWrites: 1000 },
)
