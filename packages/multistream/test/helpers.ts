import type { ByteStream } from '@switchyard/interface'

const enc = new TextEncoder()

/** One multistream message, encoded by hand (a reference independent of the codec). */
export function msg(text: string): Uint8Array {
  const body = [...enc.encode(text), 0x0a]
  const prefix: number[] = []
  let n = body.length
  while (n >= 0x80) {
    prefix.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  prefix.push(n)
  return Uint8Array.from([...prefix, ...body])
}

/** Several messages (and raw strings prefixed with `raw:`), concatenated. */
export function wire(...parts: string[]): Uint8Array {
  return Buffer.concat(parts.map((p) => (p.startsWith('raw:') ? enc.encode(p.slice(4)) : msg(p))))
}

export const HEADER = '/multistream/1.0.0'

/** A peer that records every chunk it receives and writes raw bytes. */
export function rawPeer(stream: ByteStream) {
  const chunks: Uint8Array[] = []
  let ended = false
  stream.setSink({
    onData: (c) => chunks.push(c),
    onEnd: () => {
      ended = true
    },
  })
  return {
    chunks,
    bytes: () => Buffer.concat(chunks),
    text: () => Buffer.concat(chunks).toString('latin1'),
    write: (b: Uint8Array) => stream.write(b),
    ended: () => ended,
    clear: () => {
      chunks.length = 0
    },
  }
}

/** Lets queued microtasks and one macrotask run (in-memory pairs deliver in microtasks). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Latin-1 text of bytes, for readable assertions on the wire. */
export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
}
