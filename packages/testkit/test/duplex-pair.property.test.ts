/**
 * Properties of the in-memory pair: whatever the chunking, buffer sizes and the
 * reader's pauses and handovers, the bytes arrive intact, in order, then EOF.
 */
import { readAll, writeAll } from '@switchyard/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chainedPair, duplexPair, RecordingSink, settle } from '../src/index.js'

const chunksArb = fc.array(fc.uint8Array({ minLength: 0, maxLength: 3000 }), { maxLength: 30 })
const cutsArb = fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 20 })

/** A split function cycling through `cuts` as piece sizes. */
function splitter(cuts: number[]): (chunk: Uint8Array) => Uint8Array[] {
  let i = 0
  return (chunk) => {
    const pieces: Uint8Array[] = []
    for (let at = 0; at < chunk.byteLength; ) {
      const n = cuts[i++ % cuts.length]!
      pieces.push(chunk.subarray(at, at + n))
      at += n
    }
    return pieces
  }
}

function join(chunks: Uint8Array[]): Uint8Array {
  return Uint8Array.from(chunks.flatMap((c) => [...c]))
}

describe('duplexPair properties', () => {
  it('arbitrary chunk splits and buffer sizes preserve the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunksArb,
        cutsArb,
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        async (chunks, cuts, whwm, rhwm) => {
          const [a, b] = duplexPair({
            split: splitter(cuts),
            writableHighWaterMark: whwm,
            readableHighWaterMark: rhwm,
          })
          const reading = readAll(b)
          await writeAll(
            a,
            chunks.map((c) => c.slice()),
          )
          expect(await reading).toEqual(join(chunks))
        },
      ),
      { numRuns: 150 },
    )
  })

  it('pauses, resumes and sink handovers at arbitrary points preserve the bytes', async () => {
    // Each step: 0 = pause, 1 = resume, 2 = hand over to a fresh sink, 3 = detach then re-attach.
    const stepsArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 })
    await fc.assert(
      fc.asyncProperty(chunksArb, cutsArb, stepsArb, async (chunks, cuts, steps) => {
        const [a, b] = duplexPair({ split: splitter(cuts), readableHighWaterMark: 2048 })
        const sinks: RecordingSink[] = [new RecordingSink()]
        b.setSink(sinks[0]!)
        const writing = writeAll(
          a,
          chunks.map((c) => c.slice()),
        )
        for (const step of steps) {
          if (step === 0) b.pause()
          else if (step === 1) b.resume()
          else {
            const next = new RecordingSink()
            sinks.push(next)
            if (step === 3) {
              b.setSink(null)
              await settle()
            }
            b.setSink(next)
          }
          await Promise.resolve()
        }
        b.resume()
        await writing
        // EOF reaches whichever sink was installed when it arrived.
        await Promise.race(sinks.map((s) => s.untilEnd()))
        expect(join(sinks.map((s) => s.bytes()))).toEqual(join(chunks))
        for (const s of sinks) expect(s.violations).toEqual([])
        expect(sinks.filter((s) => s.ended).length).toBe(1)
      }),
      { numRuns: 100 },
    )
  })

  it('a relay between two pairs preserves the bytes both ways', async () => {
    await fc.assert(
      fc.asyncProperty(chunksArb, chunksArb, cutsArb, async (ab, ba, cuts) => {
        const [a, b] = chainedPair({
          split: splitter(cuts),
          writableHighWaterMark: 1024,
          readableHighWaterMark: 1024,
        })
        const [gotB, gotA] = await Promise.all([
          readAll(b),
          readAll(a),
          writeAll(
            a,
            ab.map((c) => c.slice()),
          ),
          writeAll(
            b,
            ba.map((c) => c.slice()),
          ),
        ])
        expect(gotB).toEqual(join(ab))
        expect(gotA).toEqual(join(ba))
      }),
      { numRuns: 60 },
    )
  })
})
