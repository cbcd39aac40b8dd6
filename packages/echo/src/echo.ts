/**
 * `/echo/1.0.0`: every byte read is written back; the remote's EOF closes our
 * write side. Compatible with js-libp2p's `@libp2p/echo` (same protocol id).
 *
 * Push-based with explicit backpressure: when the write side reports it is full,
 * reading pauses until drain, so a peer that sends without reading the echo can
 * park at most one read buffer plus one write buffer of ours.
 */
import type { ByteStream } from '@switchyard/interface'

/** The protocol id, shared with js-libp2p. */
export const ECHO_PROTOCOL = '/echo/1.0.0'

/**
 * Echo `stream` until the remote ends it, then end ours. Returns at once; the
 * stream is owned by the echo loop from then on and closes when both sides end
 * (or with the stream's error).
 */
export function handleEcho(stream: ByteStream): void {
  let waitingForDrain = false
  const onDrain = () => {
    waitingForDrain = false
    stream.resume()
  }
  stream.setSink({
    onData(chunk) {
      if (!stream.write(chunk) && !waitingForDrain) {
        waitingForDrain = true
        stream.pause()
        stream.onceDrain(onDrain)
      }
    },
    onEnd() {
      stream.end()
    },
  })
  stream.resume()
}
