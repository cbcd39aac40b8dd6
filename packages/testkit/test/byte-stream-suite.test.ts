import { chainedPair, duplexPair, duplexPairFactory, runByteStreamSuite } from '../src/index.js'

// The compliance suite over every flavour of the in-memory pair.
runByteStreamSuite('duplexPair', duplexPairFactory())

runByteStreamSuite(
  'duplexPair, split into 1-byte chunks, small buffers',
  async () => {
    const [a, b] = duplexPair({ split: 1, writableHighWaterMark: 1024, readableHighWaterMark: 1024 })
    return { a, b }
  },
  { largeBytes: 128 * 1024 + 3, oversizedWriteBytes: 16 * 1024, smallWrites: 1000 },
)

runByteStreamSuite('duplexPair, random splits', async () => {
  let seed = 7
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed
  }
  const split = (chunk: Uint8Array) => {
    const pieces: Uint8Array[] = []
    for (let i = 0; i < chunk.byteLength; ) {
      const n = 1 + (rnd() % 5000)
      pieces.push(chunk.subarray(i, i + n))
      i += n
    }
    return pieces
  }
  const [a, b] = duplexPair({ split })
  return { a, b }
})

runByteStreamSuite('duplexPair with 2 ms latency', duplexPairFactory({ latencyMs: 2 }))

runByteStreamSuite('duplexPair throttled to 64 MB/s', duplexPairFactory({ bytesPerSecond: 64_000_000 }))

runByteStreamSuite('two pairs joined by a relay', async () => {
  const [a, b] = chainedPair({ split: 1000, writableHighWaterMark: 16 * 1024 })
  return { a, b }
})
