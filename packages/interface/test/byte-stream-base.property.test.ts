/**
 * Property: whatever the chunking of received data and whatever the reader does
 * (pause, resume, hand over to a new sink, detach) at whatever moment, every byte
 * reaches exactly one sink, in order, followed by exactly one EOF.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ByteSink } from '../src/index.js'
import { LoopbackStream, tick } from './loopback-stream.js'

class Recorder implements ByteSink {
  chunks: Uint8Array[] = []
  ended = 0
  dataAfterEnd = false
  empty = false
  onData(chunk: Uint8Array): void {
    if (this.ended > 0) this.dataAfterEnd = true
    if (chunk.byteLength === 0) this.empty = true
    this.chunks.push(chunk)
  }
  onEnd(): void {
    this.ended++
  }
}

type Op =
  | { kind: 'push'; bytes: Uint8Array }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'handover' }
  | { kind: 'detach' }
  | { kind: 'tick' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'push' as const, bytes })),
  },
  fc.constant({ kind: 'pause' as const }),
  fc.constant({ kind: 'resume' as const }),
  fc.constant({ kind: 'handover' as const }),
  fc.constant({ kind: 'detach' as const }),
  fc.constant({ kind: 'tick' as const }),
)

describe('ByteStreamBase properties', () => {
  it('every byte reaches one sink, in order, then one EOF', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 2000 }),
        async (ops, hwm) => {
          const s = new LoopbackStream({ readableHighWaterMark: hwm })
          const sinks = [new Recorder()]
          s.setSink(sinks[0]!)
          const sent: number[] = []
          for (const op of ops) {
            switch (op.kind) {
              case 'push':
                s.feed(op.bytes)
                sent.push(...op.bytes)
                break
              case 'pause':
                s.pause()
                break
              case 'resume':
                s.resume()
                break
              case 'handover':
                sinks.push(new Recorder())
                s.setSink(sinks.at(-1)!)
                break
              case 'detach':
                s.setSink(null)
                break
              case 'tick':
                await Promise.resolve()
                break
            }
          }
          s.feedEnd()
          const last = new Recorder()
          sinks.push(last)
          s.setSink(last)
          s.resume()
          await tick()
          const received = sinks.flatMap((r) => r.chunks.flatMap((c) => [...c]))
          expect(received).toEqual(sent)
          expect(sinks.reduce((n, r) => n + r.ended, 0)).toBe(1)
          expect(sinks.some((r) => r.dataAfterEnd || r.empty)).toBe(false)
          expect(s.readableLength).toBe(0)
        },
      ),
      { numRuns: 300 },
    )
  })
})
