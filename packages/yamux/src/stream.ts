/**
 * One yamux stream (libp2p/specs yamux/README.md, "Message Flow", "Flow Control").
 *
 * Reading: the session hands received payload pieces to `receive()` after it has
 * checked them against the receive window; they reach the reader through
 * `ByteStreamBase`. Window is granted back only in `_consumed()`, i.e. for bytes the
 * application took, so a reader that pauses stops the sender and at most one window
 * per stream is ever buffered.
 *
 * Writing: `write()` queues chunks (no copy); the session pulls frames with
 * `emit()` when it builds a transport write, bounded by the send window.
 */
import {
  ByteStreamBase,
  type Direction,
  type MemoryAccount,
  type MuxedStream,
  microtask,
  StreamError,
} from '@switchyard/interface'
import type { YamuxConfig } from './config.js'
import { Flag, FrameType, HEADER_LENGTH, INITIAL_STREAM_WINDOW, MAX_UINT32 } from './constants.js'
import type { FrameBatch } from './frame-batch.js'

/**
 * Opening handshake state. Half-closes and pausing are separate fields, not states.
 * - `syn-sent`: outbound, our SYN is queued or sent, no ACK yet (counts in the remote's backlog).
 * - `syn-received`: inbound, not acknowledged yet (counts in our backlog).
 * - `established`: acknowledged.
 * - `closed`: terminal.
 */
export type StreamState = 'syn-sent' | 'syn-received' | 'established' | 'closed'

type StreamEvent = 'ack-received' | 'ack-sent' | 'close'

/** What a stream needs from its session: nothing more. */
export interface StreamHost {
  readonly config: YamuxConfig
  readonly memory: MemoryAccount | undefined
  /** Monotonic ms. */
  now(): number
  /** Last measured RTT in ms, or -1. */
  rtt(): number
  /** The stream has frames to emit: include it in the next transport write. */
  markDirty(stream: YamuxStream): void
  /** A new outbound stream: send its SYN soon even if nothing is written. */
  announce(stream: YamuxStream): void
  /** An outbound stream's SYN was put into a batch. */
  synSent(): void
  /** Queue a RST for a stream that is gone. */
  sendReset(streamId: number): void
  /** Our ACK went out (inbound) or theirs arrived (outbound). */
  acknowledged(stream: YamuxStream): void
  /** The stream reached its terminal state; `reset` when it did not close gracefully. */
  removed(stream: YamuxStream, remoteEnded: boolean): void
}

export class YamuxStream extends ByteStreamBase implements MuxedStream {
  readonly id: number
  readonly direction: Direction
  readonly #host: StreamHost
  #state: StreamState

  // ---- write side
  /** Chunks to send: `#sendQueue[#sendHead..]`; the shared empty `NO_CHUNKS` when there are none. */
  #sendQueue: Uint8Array[] = NO_CHUNKS
  #sendHead = 0
  #sendQueued = 0
  #sendWindow = INITIAL_STREAM_WINDOW
  /** SYN or ACK to put on our next frame. */
  #openFlags = 0
  /** `end()` called; the FIN goes once the queue is empty. */
  #finQueued = false
  #finSent = false
  #needDrain = false
  #inDirty = false

  // ---- read side
  /** Current receive window size (grows with auto-tuning). */
  #recvWindow: number
  /** Bytes the remote may still send. */
  #recvCredit = INITIAL_STREAM_WINDOW
  /** Bytes consumed by the reader (or owed from a larger initial window) not yet granted back. */
  #ungranted: number
  #remoteEnded = false
  #epochStart: number
  /** Bytes reserved from the memory account. */
  #reserved: number
  #silentClose = false
  #remoteReset = false

  constructor(host: StreamHost, id: number, direction: Direction, reservedBytes: number) {
    const config = host.config
    super({ readableHighWaterMark: config.maxStreamWindowBytes })
    this.#host = host
    this.id = id
    this.direction = direction
    this.#reserved = reservedBytes
    this.#recvWindow = config.initialStreamWindowBytes
    // Spec "Flow Control": both sides assume 256 KiB; a larger initial window is
    // announced by a window update riding on the SYN/ACK.
    this.#ungranted = config.initialStreamWindowBytes - INITIAL_STREAM_WINDOW
    this.#epochStart = host.now()
    if (direction === 'outbound') {
      this.#state = 'syn-sent'
      this.#openFlags = Flag.SYN
      host.announce(this)
    } else {
      this.#state = 'syn-received'
    }
  }

  /** Session bookkeeping: the stream counts in the ACK backlog (not acknowledged yet). */
  inBacklog = false
  /** Session bookkeeping: when an unacknowledged inbound stream is reset (monotonic ms). */
  backlogDeadline = 0

  get state(): StreamState {
    return this.#state
  }
  /** The remote sent FIN. */
  get remoteEnded(): boolean {
    return this.#remoteEnded
  }
  /** Bytes queued for sending. */
  get sendQueuedBytes(): number {
    return this.#sendQueued
  }
  /** Current receive window size. */
  get recvWindowBytes(): number {
    return this.#recvWindow
  }
  /** The send window the remote granted us. */
  get sendWindowBytes(): number {
    return this.#sendWindow
  }
  /** Our SYN has not been put into a batch yet (outbound streams). */
  get synPending(): boolean {
    return (this.#openFlags & Flag.SYN) !== 0
  }
  /** Whether the session's dirty list holds this stream (session bookkeeping). */
  get inDirty(): boolean {
    return this.#inDirty
  }
  set inDirty(v: boolean) {
    this.#inDirty = v
  }

  #transition(event: StreamEvent): void {
    const from = this.#state
    let to: StreamState
    switch (event) {
      case 'ack-received':
        if (from !== 'syn-sent') return // ACK on an established stream: harmless repeat
        to = 'established'
        break
      case 'ack-sent':
        if (from !== 'syn-received') throw new Error(`illegal transition ${from} --${event}-->`)
        to = 'established'
        break
      case 'close':
        to = 'closed'
        break
      default: {
        const never: never = event
        throw new Error(`unknown event ${String(never)}`)
      }
    }
    this.#state = to
    if ((from === 'syn-sent' || from === 'syn-received') && to === 'established')
      this.#host.acknowledged(this)
  }

  // ---- called by the session (frames from the remote) --------------------------

  /** ACK flag received (spec "Opening a stream"). */
  onAck(): void {
    this.#transition('ack-received')
  }

  /**
   * A Data frame of `length` bytes is coming: take it from the credit. Returns
   * false when it exceeds the window (the caller ends the session).
   */
  reserveReceive(length: number): boolean {
    if (length > this.#recvCredit) return false
    this.#recvCredit -= length
    return true
  }

  /** A payload piece within the window reserved by `reserveReceive`. */
  receive(piece: Uint8Array): void {
    this.push(piece)
  }

  /** FIN received: deliver EOF after the data (spec "Closing a stream"). */
  onRemoteFin(): void {
    if (this.#remoteEnded) return
    this.#remoteEnded = true
    this.pushEnd()
    this.#finishIfDone()
  }

  /** RST received: the stream is over, unread data is dropped. */
  onRemoteReset(): void {
    this.#remoteReset = true
    this.finish(new StreamError('STREAM_RESET', `the remote reset yamux stream ${this.id}`))
  }

  /** Window update received. False on overflow past 2^32-1 (the caller ends the session). */
  addSendWindow(delta: number): boolean {
    if (this.#sendWindow + delta > MAX_UINT32) return false
    const wasBlocked = this.#sendWindow === 0
    this.#sendWindow += delta
    if (wasBlocked && delta > 0 && this.#sendQueued > 0) this.#host.markDirty(this)
    return true
  }

  /** The session is over: close without sending anything. */
  abortSilently(err: Error): void {
    this.#silentClose = true
    this.destroy(err)
  }

  // ---- frame emission ----------------------------------------------------------

  /**
   * Put this stream's next frames into `batch`: at most one Data frame (so
   * streams take turns), then a FIN and/or a window update if due. Returns true
   * when more data could be sent right away (the session visits again).
   */
  emit(batch: FrameBatch, dataAllowed: boolean, room: number): boolean {
    if (this.closed) return false
    const config = this.#host.config
    let flags = this.#openFlags
    if (dataAllowed && this.#sendQueued > 0 && this.#sendWindow > 0 && room > HEADER_LENGTH) {
      const n = Math.min(this.#sendQueued, this.#sendWindow, config.maxFrameBytes, room - HEADER_LENGTH)
      batch.frame(FrameType.Data, flags, this.id, n)
      this.#takeInto(batch, n)
      this.#sendWindow -= n
      flags = this.#sentFlags(flags)
      if (this.#needDrain && this.#sendQueued < config.streamWriteHighWaterMark) {
        this.#needDrain = false
        // Drain callbacks write more; run them outside the session's batch loop.
        microtask(() => this.#emitDrainSafely())
      }
    }
    const finNow = this.#finQueued && !this.#finSent && this.#sendQueued === 0
    const grant = this.#grantDue() ? this.#takeGrant(flags !== 0) : 0
    if (finNow || grant > 0 || flags !== 0) {
      // FIN rides on a window update, never on a Data frame with payload:
      // js-libp2p-yamux 8.0.1 handles FIN before the payload and drops it.
      batch.frame(FrameType.WindowUpdate, flags | (finNow ? Flag.FIN : 0), this.id, grant)
      this.#sentFlags(flags)
      if (finNow) {
        this.#finSent = true
        this.#finishIfDone()
      }
    }
    return this.#sendQueued > 0 && this.#sendWindow > 0 && !this.closed
  }

  /** A drain callback that throws fails this stream, never the event loop. */
  #emitDrainSafely(): void {
    try {
      this.emitDrain()
    } catch (cause) {
      this.destroy(new StreamError('STREAM_SINK_THREW', 'a drain callback threw', { cause }))
    }
  }

  #sentFlags(flags: number): number {
    if (flags !== 0) {
      this.#openFlags = 0
      if (flags & Flag.ACK) this.#transition('ack-sent')
      else if (flags & Flag.SYN) this.#host.synSent()
    }
    return 0
  }

  #takeInto(batch: FrameBatch, n: number): void {
    this.#sendQueued -= n
    while (n > 0) {
      const chunk = this.#sendQueue[this.#sendHead]!
      if (chunk.byteLength <= n) {
        batch.piece(chunk)
        n -= chunk.byteLength
        this.#sendQueue[this.#sendHead++] = EMPTY
      } else {
        batch.piece(chunk.subarray(0, n))
        this.#sendQueue[this.#sendHead] = chunk.subarray(n)
        n = 0
      }
    }
    if (this.#sendHead === this.#sendQueue.length) {
      this.#sendQueue = NO_CHUNKS
      this.#sendHead = 0
    } else if (this.#sendHead > 1024) {
      this.#sendQueue = this.#sendQueue.slice(this.#sendHead)
      this.#sendHead = 0
    }
  }

  /**
   * Window updates are coalesced: one goes out once the reader has consumed half
   * a window (hashicorp/yamux's threshold), or with a SYN/ACK/FIN frame anyway.
   */
  #grantDue(): boolean {
    if (this.#remoteEnded || this.#ungranted === 0) return false
    return this.#ungranted >= this.#recvWindow / 2 || this.#openFlags !== 0
  }

  /**
   * The delta to announce. Auto-tuning: when a whole window was consumed within
   * 4 RTTs, the window is the bottleneck, so double it (up to the maximum) if the
   * memory account lets us reserve the growth.
   */
  #takeGrant(opening: boolean): number {
    const host = this.#host
    const now = host.now()
    // The measured RTT, but at least MIN_TUNING_RTT_MS: a ping on an idle loopback or LAN
    // connection answers in tens of µs, while under load a window update takes as long as
    // the two event loops need to get to it (~0.3–1 ms). With the idle figure, half a
    // 256 KiB window consumed at 700 MB/s (187 µs) looks slower than 4 RTTs (160 µs at
    // 40 µs) and the window never grows past what caps the stream near that rate.
    const measured = host.rtt()
    const rtt = measured > 0 ? Math.max(measured, MIN_TUNING_RTT_MS) : measured
    let delta = this.#ungranted
    const max = host.config.maxStreamWindowBytes
    // Not on the SYN/ACK: the epoch has only just begun (as in go-yamux).
    if (!opening && rtt > 0 && this.#recvWindow < max && now - this.#epochStart < rtt * 4) {
      const grow = Math.min(this.#recvWindow * 2, max) - this.#recvWindow
      if (host.memory === undefined || host.memory.reserveMemory(grow)) {
        this.#reserved += grow
        this.#recvWindow += grow
        delta += grow
      }
    }
    this.#epochStart = now
    this.#ungranted = 0
    this.#recvCredit += delta
    return delta
  }

  #finishIfDone(): void {
    if (this.#finSent && this.#remoteEnded) this.finish()
  }

  // ---- ByteStreamBase hooks ------------------------------------------------------

  protected _write(chunk: Uint8Array): boolean {
    if (chunk.byteLength === 0) return true
    if (this.#sendQueue === NO_CHUNKS) this.#sendQueue = [chunk]
    else this.#sendQueue.push(chunk)
    this.#sendQueued += chunk.byteLength
    this.#arm()
    if (this.#sendWindow > 0) this.#host.markDirty(this)
    if (this.#sendQueued >= this.#host.config.streamWriteHighWaterMark) {
      this.#needDrain = true
      return false
    }
    return true
  }

  protected _end(): void {
    this.#finQueued = true
    this.#arm()
    this.#host.markDirty(this)
  }

  protected override _consumed(bytes: number): void {
    this.#ungranted += bytes
    this.#arm()
    if (this.#openFlags !== 0 || this.#grantDue()) this.#host.markDirty(this)
  }

  /**
   * An inbound stream is acknowledged once the application uses it (reads or
   * writes): spec "ACK backlog" allows delaying the ACK until then, which makes
   * the backlog count streams that were opened but never negotiated.
   */
  #arm(): void {
    if (this.#state === 'syn-received' && this.#openFlags === 0) this.#openFlags = Flag.ACK
  }

  protected _destroy(err: Error | undefined): void {
    const graceful = err === undefined && this.#finSent && this.#remoteEnded
    this.#transition('close')
    this.#sendQueue = NO_CHUNKS
    this.#sendHead = 0
    this.#sendQueued = 0
    if (!graceful && !this.#silentClose && !this.#remoteReset) this.#host.sendReset(this.id)
    if (this.#reserved > 0) {
      this.#host.memory?.releaseMemory(this.#reserved)
      this.#reserved = 0
    }
    this.#host.removed(this, this.#remoteEnded || this.#remoteReset)
  }
}

const EMPTY = new Uint8Array(0)
/** The least RTT window auto-tuning assumes (ms): scheduling delays under load, not wire time. */
const MIN_TUNING_RTT_MS = 1
/** The send queue of a stream with nothing queued: shared, never written. */
const NO_CHUNKS: Uint8Array[] = []
