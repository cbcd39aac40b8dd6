/**
 * Properties of a whole negotiation, select against handle over an in-memory pair
 * whose every write is cut at arbitrary points: the agreed protocol is the first
 * proposal the responder supports, and application bytes sent right behind the
 * negotiation (lazily or not) arrive intact and in order.
 */
import { readAll } from '@switchyard/interface'
import { duplexPair } from '@switchyard/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { handle } from '../src/handle.js'
import { select } from '../src/select.js'

function splitter(sizes: number[]): (chunk: Uint8Array) => Uint8Array[] {
  let k = 0
  return (chunk) => {
    const pieces: Uint8Array[] = []
    let i = 0
    while (i < chunk.byteLength) {
      const n = sizes.length === 0 ? chunk.byteLength : sizes[k++ % sizes.length]!
      pieces.push(chunk.subarray(i, i + n))
      i += n
    }
    return pieces
  }
}

/** A promise that never rejects, so a failure is not reported as unhandled before the test looks. */
function settled<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
}

const protocolId = fc
  .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
  .filter((s) => !s.includes('\n'))
  .map((s) => `/${s}`)

describe('select × handle', () => {
  it('agree on the first supported proposal and keep the application bytes, for any split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(protocolId, { minLength: 1, maxLength: 5 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }),
        async (proposals, supportedMask, sizes, up, down) => {
          const supported = proposals.filter((_, i) => supportedMask[i])
          const [a, b] = duplexPair({ split: splitter(sizes) })
          const selecting = select(a, proposals)
          const handling = settled(handle(b, supported))
          if (supported.length === 0) {
            await expect(selecting).rejects.toMatchObject({ code: 'MULTISTREAM_PROTOCOL_REJECTED' })
            expect((await handling).error).toBeDefined()
            return
          }
          const s = await selecting
          const h = (await handling).value!
          expect(s.protocol).toBe(supported[0])
          expect(h.protocol).toBe(supported[0])
          if (up.byteLength > 0) s.stream.write(up)
          s.stream.end()
          if (down.byteLength > 0) h.stream.write(down)
          h.stream.end()
          const [gotUp, gotDown] = await Promise.all([readAll(h.stream), readAll(s.stream)])
          expect([...gotUp]).toEqual([...up])
          expect([...gotDown]).toEqual([...down])
        },
      ),
      { numRuns: 150 },
    )
  })

  it('lazy select delivers the payload sent with the proposal, for any split', async () => {
    await fc.assert(
      fc.asyncProperty(
        protocolId,
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        async (id, accepted, sizes, up, down) => {
          const [a, b] = duplexPair({ split: splitter(sizes) })
          const handling = settled(handle(b, accepted ? [id] : ['/other']))
          const s = await select(a, [id], { lazy: true })
          s.stream.write(up.slice())
          s.stream.end()
          if (!accepted) {
            // The responder reads the payload behind the refused proposal as the next
            // proposal and fails on it; whether its `na` or its reset arrives first
            // depends on the transport (README, "Lazy select").
            const err = await readAll(s.stream).catch((e: unknown) => e)
            expect(['MULTISTREAM_PROTOCOL_REJECTED', 'STREAM_RESET']).toContain(
              (err as { code: string }).code,
            )
            expect((await handling).error).toBeDefined()
            return
          }
          const h = (await handling).value!
          if (down.byteLength > 0) h.stream.write(down)
          h.stream.end()
          const [gotUp, gotDown] = await Promise.all([readAll(h.stream), readAll(s.stream)])
          expect([...gotUp]).toEqual([...up])
          expect([...gotDown]).toEqual([...down])
        },
      ),
      { numRuns: 150 },
    )
  })
})
