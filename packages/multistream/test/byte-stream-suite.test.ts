/**
 * The byte-stream compliance suite (@switchyard/testkit) against the streams this
 * package hands out: the leftover wrapper, and a lazy select's stream paired with
 * the responder's.
 */
import { duplexPair, runByteStreamSuite } from '@switchyard/testkit'
import { handle } from '../src/handle.js'
import { NegotiatedStream } from '../src/negotiated-stream.js'
import { select } from '../src/select.js'

runByteStreamSuite('NegotiatedStream (leftover wrapper, both ends)', async () => {
  const [x, y] = duplexPair()
  return {
    a: NegotiatedStream.withLeftover(x, new Uint8Array(0)),
    b: NegotiatedStream.withLeftover(y, new Uint8Array(0)),
  }
})

runByteStreamSuite('lazy select stream ↔ handled stream', async () => {
  const [x, y] = duplexPair()
  const handling = handle(y, ['/suite/1.0.0'])
  const { stream: a } = await select(x, ['/suite/1.0.0'], { lazy: true })
  const { stream: b } = await handling
  return { a, b }
})
