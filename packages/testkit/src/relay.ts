/**
 * Joins two byte streams end to end, as a proxy or a layered transport does:
 * what `x` reads is written to `y` and vice versa, with backpressure carried
 * across (a full `y` pauses `x`), EOF forwarded as `end()`, and an error on
 * either side destroying the other with the same error.
 */
import type { ByteStream } from '@switchyard/interface'
import { type DuplexPairInit, duplexPair, type MemoryStream } from './duplex-pair.js'

/** Forwards `x` ⇄ `y` until both close. */
export function relay(x: ByteStream, y: ByteStream): void {
  forward(x, y)
  forward(y, x)
  x.onceClosed((err) => {
    if (err !== undefined) y.destroy(err)
  })
  y.onceClosed((err) => {
    if (err !== undefined) x.destroy(err)
  })
}

function forward(from: ByteStream, to: ByteStream): void {
  from.setSink({
    onData(chunk) {
      if (to.closed) return
      if (!to.write(chunk)) {
        from.pause()
        to.onceDrain(() => from.resume())
      }
    },
    onEnd() {
      to.end()
    },
  })
}

/**
 * Two `duplexPair`s joined by a `relay`: `[a1, b2]` where a1 ⇄ b1 ⇢ relay ⇢ a2 ⇄ b2.
 * Checks that the contract survives composition (backpressure and resets cross
 * a layer), as it must for TCP → Noise → Yamux.
 */
export function chainedPair(init: DuplexPairInit = {}): [MemoryStream, MemoryStream] {
  const [a1, b1] = duplexPair(init)
  const [a2, b2] = duplexPair(init)
  relay(b1, a2)
  return [a1, b2]
}
