/**
 * One end of an in-process connection: the byte-stream contract
 * (@switchyard/interface byte-stream.ts) over a pair of chunk queues, with real
 * backpressure (a write buffer with a high-water mark on the writer, the reader's
 * high-water mark on the receiver) and TCP-like close semantics: EOF both ways is a
 * graceful close, anything else resets the peer.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { ByteStreamBase, microtask, type RawConnection, TransportError } from '@switchyard/interface'

/** Buffer sizes of a memory connection. */
export interface MemoryConnectionInit {
  /** Bytes queued for the peer before `write()` returns `false`. Default 64 KiB. */
  writableHighWaterMark?: number
  /** Bytes buffered for a paused reader before the sender is stopped. Default 64 KiB. */
  readableHighWaterMark?: number
}

const DEFAULT_WRITABLE_HWM = 64 * 1024

/** One end of a `memoryConnectionPair`. */
export class MemoryConnection extends ByteStreamBase implements RawConnection {
  readonly localAddr: Multiaddr
  readonly remoteAddr: Multiaddr
  #peer!: MemoryConnection
  readonly #writableHwm: number
  // Chunks written but not yet handed to the peer: `#out[#outHead..]`.
  #out: Uint8Array[] = []
  #outHead = 0
  /** Bytes ever queued for the peer; `#queued - #delivered` are waiting in `#out`. */
  #queued = 0
  /** Bytes ever handed to the peer (`bytesWritten`, and the peer's `bytesRead`). */
  #delivered = 0
  #endQueued = false
  #eofSent = false
  #eofReceived = false
  #pumpScheduled = false
  // Our reader's buffer is at its high-water mark: the peer must not push until `_readMore`.
  #receiveStopped = false

  constructor(localAddr: Multiaddr, remoteAddr: Multiaddr, init: MemoryConnectionInit = {}) {
    super(init)
    this.localAddr = localAddr
    this.remoteAddr = remoteAddr
    this.#writableHwm = init.writableHighWaterMark ?? DEFAULT_WRITABLE_HWM
  }

  /** Links two ends. Called once, by `memoryConnectionPair`. */
  static link(a: MemoryConnection, b: MemoryConnection): void {
    a.#peer = b
    b.#peer = a
  }

  /** Bytes the peer has delivered to us so far (the peer's counter: no work per chunk of ours). */
  get bytesRead(): number {
    return this.#peer.#delivered
  }

  /** Bytes delivered to the peer so far (queued bytes count once they cross). */
  get bytesWritten(): number {
    return this.#delivered
  }

  /** Bytes queued for the peer, not yet delivered. */
  get #outBytes(): number {
    return this.#queued - this.#delivered
  }

  protected _write(chunk: Uint8Array): boolean {
    this.#out.push(chunk)
    this.#queued += chunk.byteLength
    this.#schedulePump()
    return this.#outBytes < this.#writableHwm
  }

  protected _end(): void {
    this.#endQueued = true
    this.#schedulePump()
  }

  protected _destroy(_err: Error | undefined): void {
    this.#out = []
    this.#outHead = 0
    this.#queued = this.#delivered
    const peer = this.#peer
    // Both EOFs exchanged: a graceful close, the peer finishes on its own. Anything
    // else is an abort, which the peer sees as a reset (like a TCP RST).
    if (!(this.#eofSent && this.#eofReceived) && !peer.closed) {
      microtask(() =>
        peer.finish(
          new TransportError('TRANSPORT_CONNECTION_FAILED', peer.remoteAddr.toString(), 'connection reset'),
        ),
      )
    }
  }

  protected override _readMore(): void {
    this.#receiveStopped = false
    this.#peer.#schedulePump()
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.closed) return
    this.#pumpScheduled = true
    microtask(this.#pump)
  }

  readonly #pump = (): void => {
    this.#pumpScheduled = false
    if (this.closed) return
    const peer = this.#peer
    const wasFull = this.#outBytes >= this.#writableHwm
    const out = this.#out
    while (this.#outHead < out.length && !peer.closed && !peer.#receiveStopped) {
      let chunk = out[this.#outHead]!
      // Hand over no more than the reader can still buffer, as a TCP window would:
      // a huge write must not land whole in the buffer of a reader that does not read.
      const room = peer.readableHighWaterMark - peer.readableLength
      if (room <= 0) {
        peer.#receiveStopped = true
        break
      }
      if (chunk.byteLength > room) {
        out[this.#outHead] = chunk.subarray(room)
        chunk = chunk.subarray(0, room)
      } else {
        out[this.#outHead++] = EMPTY
      }
      this.#delivered += chunk.byteLength
      // `push` takes the chunk even when it returns false; false means "stop until _readMore".
      if (!peer.push(chunk)) peer.#receiveStopped = true
    }
    if (this.#outHead === out.length) {
      this.#out = []
      this.#outHead = 0
    }
    if (this.#outBytes === 0 && this.#endQueued && !this.#eofSent && !peer.closed) {
      this.#eofSent = true
      peer.#eofReceived = true
      peer.pushEnd()
      this.#finishIfDone()
      peer.#finishIfDone()
    }
    if (wasFull && this.#outBytes < this.#writableHwm) this.emitDrain()
  }

  #finishIfDone(): void {
    if (this.#eofSent && this.#eofReceived) this.finish()
  }
}

/** Two connected ends: `[a, b]`, `a` local at `addrA`, `b` at `addrB`. */
export function memoryConnectionPair(
  addrA: Multiaddr,
  addrB: Multiaddr,
  init: MemoryConnectionInit = {},
): [MemoryConnection, MemoryConnection] {
  const a = new MemoryConnection(addrA, addrB, init)
  const b = new MemoryConnection(addrB, addrA, init)
  MemoryConnection.link(a, b)
  return [a, b]
}

const EMPTY = new Uint8Array(0)
