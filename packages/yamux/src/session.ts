/**
 * A yamux session over one channel (libp2p/specs yamux/README.md).
 *
 * Incoming: the channel's chunks go through `FrameDecoder`; every header is
 * checked (version, type, stream id, window) before its payload is accepted, and
 * dispatched by a switch on the frame type; streams are found in a `Map` by id.
 * Any violation ends the session with GoAway(protocol error) and reaches every
 * stream as a `YamuxError`.
 *
 * Outgoing: control frames and streams with something to send are queued; a
 * microtask gathers everything produced in the tick into one batch (see
 * `FrameBatch`: small frames in one buffer, large payloads passed through uncopied).
 * While the channel asks for drain no frame is written; control frames then wait
 * in a bounded queue, and once it is full the session stops reading the channel
 * (so a peer that never reads cannot make us buffer without bound).
 */
import {
  type AbortCloseOptions,
  type AbortOptions,
  type ByteSink,
  type ByteStream,
  CloseCallbacks,
  type MemoryAccount,
  type MuxedStream,
  type MuxerSessionInit,
  raceSignal,
  type StreamMuxer,
  TickQueue,
  throwIfAborted,
} from '@switchyard/interface'
import type { Clock } from './clock.js'
import type { YamuxConfig } from './config.js'
import {
  Flag,
  FrameType,
  GOODBYE_CODES,
  GoAwayCode,
  HEADER_LENGTH,
  MAX_UINT32,
  YAMUX_PROTOCOL,
  YAMUX_VERSION,
} from './constants.js'
import { FrameDecoder, type FrameSink } from './decoder.js'
import { PROTOCOL_ERROR_CODES, YamuxError, type YamuxErrorCode } from './errors.js'
import type { FrameHeader } from './frame.js'
import { FrameBatch } from './frame-batch.js'
import { type StreamHost, YamuxStream } from './stream.js'

/** Ids of closed streams remembered to tell "late frame" from "never opened". */
const CLOSED_IDS_REMEMBERED = 4096

// Shared empty lists (never written; see the session's list fields).
const NO_STREAMS: YamuxStream[] = []
const NO_NUMBERS: number[] = []
const NO_WAITERS: Waiter[] = []

/**
 * The frame batch of every session: a flush fills it and takes it (empty again) before
 * any channel write, and flushes do not interleave, so one serves all (idle memory: a
 * batch and its two arrays per session otherwise).
 */
const sharedBatch = new FrameBatch()

/** Byte accounting of a session, for tests and metrics. */
export interface YamuxSessionStats {
  streams: number
  /** Received bytes not yet taken by readers, all streams. */
  recvBufferedBytes: number
  /** Bytes written by applications not yet framed, all streams. */
  sendQueuedBytes: number
  /** Control frames (pings, pongs, resets, GoAway) waiting for the channel. */
  controlQueuedFrames: number
  /** Inbound streams not acknowledged yet. */
  inboundBacklog: number
  /** Outbound streams the remote has not acknowledged yet. */
  outboundBacklog: number
  /** Bytes held by the frame decoder. */
  decoderBufferedBytes: number
  /** The channel asked for drain and has not drained yet. */
  channelBlocked: boolean
  /** Reading from the channel is suspended (control queue full). */
  readingPaused: boolean
}

type SessionState = 'open' | 'closing' | 'closed'

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

interface ActivePing {
  id: number
  start: number
  timer: unknown
  waiters: Array<{ resolve: (rtt: number) => void; reject: (err: Error) => void }>
}

/** A yamux session; created by `createYamux().createSession()`. */
export class YamuxSession implements StreamMuxer {
  readonly protocol = YAMUX_PROTOCOL
  readonly #channel: ByteStream
  readonly #config: YamuxConfig
  readonly #clock: Clock
  readonly #client: boolean
  readonly #memory: MemoryAccount | undefined
  readonly #onStream: (stream: MuxedStream) => void
  readonly #decoder: FrameDecoder
  /** What the streams call back into; made with the first stream (idle sessions have none). */
  #host: StreamHost | undefined
  /**
   * Open streams by id; made with the first stream and dropped when the last one leaves:
   * a Map keeps the table it grew to (~0.5 KiB after a few streams), per idle connection.
   */
  #streams: Map<number, YamuxStream> | undefined
  /**
   * Recently closed stream ids → whether the remote had ended the stream (data after that is
   * a violation), in two generations: `#closedIds` fills up to half the remembered count, then
   * becomes `#closedIdsOld` and a new one starts. Between half and all of the last
   * `CLOSED_IDS_REMEMBERED` ids are known, with no deletes: a Map used as a FIFO (delete the
   * oldest via `keys().next()`) scans the holes the deletes leave, O(n) per closed stream.
   */
  #closedIds: Map<number, boolean> | undefined
  #closedIdsOld: Map<number, boolean> | undefined
  #nextId: number
  #highestRemoteId = 0
  #inbound = 0
  #outbound = 0
  /** Inbound streams not yet acknowledged (each has `inBacklog` set). */
  #inboundBacklog = 0
  /**
   * Inbound streams in the order they came, for the ACK timeout: `#ackQueue[#ackHead..]`.
   * Insertion order is deadline order (one timeout for all). Acknowledged streams leave
   * lazily: the head is trimmed past them, so the queue holds at most the streams opened
   * since the oldest unacknowledged one (which the timeout resets).
   */
  #ackQueue: YamuxStream[] = NO_STREAMS
  #ackHead = 0
  /** Outbound streams the remote has not acknowledged (spec "ACK backlog"; each has `inBacklog` set). */
  #outboundBacklog = 0
  // Idle memory: the lists below start as shared empty arrays (never written: the first
  // push makes the session's own), since an idle connection's session holds none.
  #backlogWaiters: Waiter[] = NO_WAITERS
  #closeWaiters: Waiter[] = NO_WAITERS

  // Outgoing.
  /** Flat control queue: type, flags, stream id, length per frame, from `#controlHead`. */
  #control: number[] = NO_NUMBERS
  #controlHead = 0
  #pongsQueued = 0
  #dirty: YamuxStream[] = NO_STREAMS
  #dirtyHead = 0
  #flushScheduled = false
  #flushing = false
  #channelBlocked = false
  #readingPaused = false
  /**
   * Our side of the channel: `open`, or `ended` once we called `channel.end()` (or
   * the channel closed). Nothing is written after `ended` (byte-stream contract:
   * write after end throws). A separate field from `#state`: the session may be
   * over while its last frames are still being flushed.
   */
  #channelWrite: 'open' | 'ended' = 'open'
  /** `#endChannel()` was asked for from inside `#flush()`: end once the batch is out. */
  #endPending = false
  /** The remote ended its side of the channel (EOF). */
  #remoteChannelEnded = false

  // Incoming frame being decoded.
  #current: YamuxStream | undefined

  // Lifecycle.
  #state: SessionState = 'open'
  #localGoAway = false
  #remoteGoAway: number | undefined
  #error: Error | undefined
  readonly #closeCallbacks = new CloseCallbacks()
  /**
   * Last RTT in whole µs, -1 before the first. Idle memory: whole numbers stay small
   * integers in the object; a field that ever holds a fraction gets a 16-byte box in
   * every session (V8 field representation). Likewise `#ackTimerDeadline` (whole ms).
   */
  #rttUs = -1
  #nextPingId = 0
  #ping: ActivePing | undefined
  #keepAliveTimer: unknown
  #ackTimer: unknown
  /** When the armed ACK timer fires (whole ms, rounded up), -1 when none is armed. */
  #ackTimerDeadline = -1
  #lingerTimer: unknown
  #closeTimer: unknown

  constructor(channel: ByteStream, init: MuxerSessionInit, config: YamuxConfig, clock: Clock) {
    if (init.direction !== 'inbound' && init.direction !== 'outbound') {
      throw new TypeError("direction must be 'inbound' or 'outbound'")
    }
    if (typeof init.onStream !== 'function') throw new TypeError('onStream must be a function')
    this.#channel = channel
    this.#config = config
    this.#clock = clock
    this.#client = init.direction === 'outbound'
    this.#memory = init.memory
    this.#onStream = init.onStream
    // A one-element literal: push() onto [] would reserve room for 17 (memory per idle session).
    if (init.onClose !== undefined) this.#closeCallbacks.add(init.onClose)
    // Spec "StreamID Field": the client uses odd ids, the server even ones.
    this.#nextId = this.#client ? 1 : 2
    const sink = new YamuxSession.#Sink(this)
    this.#decoder = new FrameDecoder(sink)
    channel.setSink(sink)
    channel.onceClosed((err) => this.#guard(() => this.#onChannelClosed(err)))
    // The RTT that window auto-tuning needs is measured with the first stream (its ping
    // rides in the same write): an idle connection, and a dial, cost no ping round trip.
    if (config.keepAliveIntervalMs > 0) this.#scheduleKeepAlive()
  }

  /**
   * The session's decoder and channel callbacks: one small object with prototype
   * methods rather than a closure each (they live as long as the session; memory
   * per idle connection counts).
   */
  static readonly #Sink = class SessionSink implements FrameSink, ByteSink {
    readonly session: YamuxSession
    constructor(session: YamuxSession) {
      this.session = session
    }
    onHeader(h: FrameHeader): void {
      this.session.#onHeader(h)
    }
    onPayload(_h: FrameHeader, piece: Uint8Array): void {
      this.session.#current?.receive(piece)
    }
    onFrameEnd(h: FrameHeader): void {
      this.session.#onFrameEnd(h)
    }
    onData(chunk: Uint8Array): void {
      this.session.#onChannelData(chunk)
    }
    onEnd(): void {
      const session = this.session
      session.#guard(() => session.#onChannelEnd())
    }
  }

  // ---- public API ------------------------------------------------------------------

  get streamCount(): number {
    return this.#streams?.size ?? 0
  }

  /** Last measured round-trip time in ms (keepalive or `ping()`), -1 before the first. */
  get rttMs(): number {
    return this.#rttMs()
  }

  #rttMs(): number {
    return this.#rttUs < 0 ? -1 : this.#rttUs / 1000
  }

  /** Streams currently open. */
  get streams(): MuxedStream[] {
    return this.#streams === undefined ? [] : [...this.#streams.values()]
  }

  /** The session ended (gracefully or not). */
  get closed(): boolean {
    return this.#state === 'closed'
  }

  /** Why the session ended, if it failed. */
  get error(): Error | undefined {
    return this.#error
  }

  /** Byte accounting, O(streams). */
  get stats(): YamuxSessionStats {
    let recv = 0
    let send = 0
    for (const s of this.#streams?.values() ?? []) {
      recv += s.readableLength
      send += s.sendQueuedBytes
    }
    return {
      streams: this.#streams?.size ?? 0,
      recvBufferedBytes: recv,
      sendQueuedBytes: send,
      controlQueuedFrames: (this.#control.length - this.#controlHead) / 4,
      inboundBacklog: this.#inboundBacklog,
      outboundBacklog: this.#outboundBacklog,
      decoderBufferedBytes: this.#decoder.bufferedBytes,
      channelBlocked: this.#channelBlocked,
      readingPaused: this.#readingPaused,
    }
  }

  async newStream(options: AbortOptions = {}): Promise<MuxedStream> {
    throwIfAborted(options.signal)
    for (;;) {
      this.#checkCanOpen()
      if (this.#outboundBacklog < this.#config.maxAckBacklog) break
      // Spec "ACK backlog": the remote has 256 of our streams unacknowledged.
      if (this.#config.ackBacklogFull === 'fail') {
        throw new YamuxError(
          'YAMUX_ACK_BACKLOG_FULL',
          'the remote has not acknowledged enough of our streams',
        )
      }
      if (this.#backlogWaiters === NO_WAITERS) this.#backlogWaiters = []
      await this.#wait(this.#backlogWaiters, options)
    }
    const id = this.#nextId
    this.#nextId += 2
    // The initial window is not charged to the memory account: it is the fixed
    // cost of a stream, bounded by the stream-count limits (and the resource
    // scopes' stream limits). The account pays for auto-tuned growth beyond it,
    // which is where one stream could otherwise take up to 16 MiB.
    const stream = new YamuxStream((this.#host ??= this.#makeHost()), id, 'outbound', 0)
    ;(this.#streams ??= new Map()).set(id, stream)
    this.#outbound++
    this.#outboundBacklog++
    stream.inBacklog = true
    this.#measureRttOnce()
    return stream
  }

  /**
   * Sends a ping and resolves with the RTT in ms. Concurrent calls share one
   * ping. A ping unanswered within `pingTimeoutMs` fails the session.
   */
  ping(options: AbortOptions = {}): Promise<number> {
    if (options.signal?.aborted === true) return Promise.reject(options.signal.reason)
    if (this.#state === 'closed' || this.#remoteChannelEnded || this.#channelWrite === 'ended') {
      return Promise.reject(this.#closedError())
    }
    const ping = this.#ping ?? this.#sendPing()
    let waiter: ActivePing['waiters'][number] | undefined
    const p = new Promise<number>((resolve, reject) => {
      waiter = { resolve, reject }
      ping.waiters.push(waiter)
    })
    return raceSignal(p, options.signal, () => {
      const i = ping.waiters.indexOf(waiter!)
      if (i !== -1) ping.waiters.splice(i, 1)
    })
  }

  /**
   * Graceful close: GoAway(normal), no new streams either way, open streams may
   * finish within `closeTimeoutMs` (then they are reset), then the channel is ended.
   * Aborting `signal` resets what is left at once and rejects with its reason.
   */
  async close(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    if (this.#state === 'closed') return
    this.#goAway(GoAwayCode.Normal)
    this.#state = 'closing'
    this.#rejectBacklogWaiters()
    if ((this.#streams?.size ?? 0) > 0) {
      this.#startCloseTimer()
      try {
        if ((this.#streams?.size ?? 0) > 0) {
          if (this.#closeWaiters === NO_WAITERS) this.#closeWaiters = []
          await this.#wait(this.#closeWaiters, options)
        }
      } catch (err) {
        if (options.signal?.aborted === true)
          this.abort(new YamuxError('YAMUX_SESSION_CLOSED', 'close aborted'))
        throw err
      }
    }
    this.#shutdown(undefined)
  }

  /** Abrupt: GoAway(`options.goodbye`, default internal error), every stream reset, channel ended. */
  abort(err: Error, options: AbortCloseOptions = {}): void {
    if (this.#state === 'closed') return
    this.#fail(err, GOODBYE_CODES[options.goodbye ?? 'internal-error'] ?? GoAwayCode.InternalError)
  }

  onceClosed(callback: (err?: Error) => void): () => void {
    return this.#closeCallbacks.add(callback)
  }

  // ---- incoming frames ----------------------------------------------------------------

  #onChannelData(chunk: Uint8Array): void {
    if (this.#state === 'closed') return
    try {
      this.#decoder.push(chunk)
    } catch (err) {
      const code = SwitchyardErrorCode(err)
      this.#guard(() =>
        this.#fail(
          err as Error,
          code !== undefined && PROTOCOL_ERROR_CODES.has(code)
            ? GoAwayCode.ProtocolError
            : GoAwayCode.InternalError,
        ),
      )
    }
  }

  #onHeader(h: FrameHeader): void {
    this.#current = undefined
    // Spec "Version Field": always 0.
    if (h.version !== YAMUX_VERSION) throw violation('YAMUX_INVALID_VERSION', `version ${h.version}`)
    switch (h.type) {
      case FrameType.Data:
      case FrameType.WindowUpdate:
        this.#onStreamHeader(h)
        return
      case FrameType.Ping:
        this.#onPing(h)
        return
      case FrameType.GoAway:
        this.#onGoAway(h.length)
        return
      default:
        throw violation('YAMUX_INVALID_FRAME_TYPE', `frame type ${h.type}`)
    }
  }

  #onStreamHeader(h: FrameHeader): void {
    const id = h.streamId
    const isData = h.type === FrameType.Data
    // Spec "StreamID Field": 0 is the session; stream frames never use it.
    if (id === 0) throw violation('YAMUX_INVALID_STREAM_ID', 'stream frame on stream 0')
    if (isData && h.length > this.#config.maxStreamWindowBytes) {
      throw violation('YAMUX_FRAME_TOO_LARGE', `data frame of ${h.length} bytes`)
    }
    let stream = this.#streams?.get(id)
    if ((h.flags & Flag.SYN) !== 0) {
      if (stream !== undefined || this.#closedState(id) !== undefined)
        throw violation('YAMUX_DUPLICATE_SYN', `SYN for ${id}`)
      if (this.#isLocalId(id)) throw violation('YAMUX_INVALID_STREAM_ID', `remote SYN with our id ${id}`)
      stream = this.#acceptInbound(id)
      if (stream === undefined) return // rejected with RST: the rest of the frame is dropped
    } else if (stream === undefined) {
      const neverOpened = this.#isLocalId(id) ? id >= this.#nextId : id > this.#highestRemoteId
      if (neverOpened) throw violation('YAMUX_UNKNOWN_STREAM', `frame for unknown stream ${id}`)
      if (isData && h.length > 0 && this.#closedState(id) === true) {
        throw violation('YAMUX_STREAM_CLOSED', `data for closed stream ${id}`)
      }
      return // a late frame for a stream we reset: dropped
    }
    if ((h.flags & Flag.ACK) !== 0) stream.onAck()
    if (isData) {
      if (h.length > 0 && stream.remoteEnded)
        throw violation('YAMUX_STREAM_CLOSED', `data after FIN on ${id}`)
      if (!stream.reserveReceive(h.length)) {
        throw violation('YAMUX_RECV_WINDOW_EXCEEDED', `${h.length} bytes beyond the window of stream ${id}`)
      }
      this.#current = stream
    } else if (!stream.addSendWindow(h.length)) {
      throw violation('YAMUX_WINDOW_OVERFLOW', `window update of ${h.length} overflows stream ${id}`)
    }
  }

  #onFrameEnd(h: FrameHeader): void {
    this.#current = undefined
    if (h.type !== FrameType.Data && h.type !== FrameType.WindowUpdate) return
    if ((h.flags & (Flag.FIN | Flag.RST)) === 0) return
    const stream = this.#streams?.get(h.streamId)
    if (stream === undefined) return
    // Flags apply after the payload: a Data frame with FIN delivers its bytes first.
    if ((h.flags & Flag.RST) !== 0) stream.onRemoteReset()
    else stream.onRemoteFin()
  }

  #acceptInbound(id: number): YamuxStream | undefined {
    if ((id & 1) === (this.#client ? 1 : 0)) throw violation('YAMUX_INVALID_STREAM_ID', `bad parity ${id}`)
    if (id > this.#highestRemoteId) this.#highestRemoteId = id
    const config = this.#config
    const reject =
      this.#state !== 'open' ||
      this.#localGoAway ||
      this.#remoteGoAway !== undefined ||
      this.#inbound >= config.maxInboundStreams ||
      this.#inboundBacklog >= config.maxAckBacklog
    if (reject) {
      this.#rememberClosed(id, false)
      this.#queueControl(FrameType.WindowUpdate, Flag.RST, id, 0)
      return undefined
    }
    const stream = new YamuxStream((this.#host ??= this.#makeHost()), id, 'inbound', 0)
    ;(this.#streams ??= new Map()).set(id, stream)
    this.#inbound++
    this.#inboundBacklog++
    stream.inBacklog = true
    if (config.ackTimeoutMs > 0) {
      stream.backlogDeadline = this.#clock.now() + config.ackTimeoutMs
      if (this.#ackQueue === NO_STREAMS) this.#ackQueue = [stream]
      else this.#ackQueue.push(stream)
      this.#scheduleAckTimer()
    }
    this.#measureRttOnce()
    try {
      this.#onStream(stream)
    } catch (cause) {
      stream.destroy(new YamuxError('YAMUX_SESSION_CLOSED', 'onStream threw', { cause }))
    }
    return stream.closed ? undefined : stream
  }

  #onPing(h: FrameHeader): void {
    if ((h.flags & Flag.SYN) !== 0) {
      // Ping-flood protection: replies beyond the bound are dropped (hashicorp/yamux does the same).
      if (this.#pongsQueued >= this.#config.maxQueuedPingReplies) return
      this.#pongsQueued++
      this.#queueControl(FrameType.Ping, Flag.ACK, 0, h.length)
    } else if ((h.flags & Flag.ACK) !== 0) {
      const ping = this.#ping
      if (ping === undefined || ping.id !== h.length) return // unsolicited or stale: ignored
      this.#ping = undefined
      this.#clock.clearTimeout(ping.timer)
      this.#rttUs = Math.round((this.#clock.now() - ping.start) * 1000)
      const rtt = this.#rttMs()
      for (const w of ping.waiters) w.resolve(rtt)
    } else {
      throw violation('YAMUX_INVALID_FLAGS', 'ping with neither SYN nor ACK')
    }
  }

  #onGoAway(code: number): void {
    this.#remoteGoAway = code
    this.#rejectBacklogWaiters()
    if (code !== GoAwayCode.Normal) {
      const err = new YamuxError('YAMUX_REMOTE_GOAWAY', `the remote sent GoAway(${code})`, {
        goAwayCode: code,
      })
      this.#fail(err, undefined)
      return
    }
    // No new streams either way; the open ones may finish, then the session ends.
    if ((this.#streams?.size ?? 0) === 0) this.#shutdown(undefined)
  }

  /**
   * The remote ended its side of the channel. Graceful when nothing was cut: no
   * frame half-received and every open stream already got the remote's FIN (its
   * readers still get what is buffered, then EOF). A stream the remote had not
   * finished was cut mid-transfer: the session fails with YAMUX_TRANSPORT_CLOSED.
   */
  #onChannelEnd(): void {
    if (this.#state === 'closed') return
    this.#remoteChannelEnded = true
    let cut = this.#decoder.midFrame
    for (const stream of this.#streams?.values() ?? []) {
      if (!stream.remoteEnded) {
        cut = true
        break
      }
    }
    if (cut) {
      this.#fail(new YamuxError('YAMUX_TRANSPORT_CLOSED', 'the channel ended under the session'), undefined)
      return
    }
    // Nothing more can arrive: no new streams, no pong, no window update.
    this.#stopPinging()
    if ((this.#streams?.size ?? 0) === 0) {
      this.#shutdown(undefined)
      return
    }
    if (this.#state === 'open') this.#state = 'closing'
    this.#rejectBacklogWaiters()
    // Our half-closed streams may still send, but no window update can come: bound the wait.
    this.#startCloseTimer()
  }

  /** Open streams may finish within `closeTimeoutMs`; then (or at once for 0) they are reset. */
  #startCloseTimer(): void {
    if (this.#config.closeTimeoutMs === 0) {
      this.#resetAll(new YamuxError('YAMUX_SESSION_CLOSED', 'session closed: stream reset'))
      return
    }
    if (this.#closeTimer !== undefined) return
    this.#closeTimer = this.#clock.setTimeout(
      () =>
        this.#guard(() => {
          this.#closeTimer = undefined
          this.#resetAll(new YamuxError('YAMUX_SESSION_CLOSED', 'close timeout: stream reset'))
        }),
      this.#config.closeTimeoutMs,
    )
  }

  #onChannelClosed(err: Error | undefined): void {
    this.#channelWrite = 'ended'
    this.#clearLinger()
    if (this.#state === 'closed') return
    if (err === undefined && (this.#streams?.size ?? 0) === 0) {
      this.#terminate(undefined)
      return
    }
    this.#terminate(
      new YamuxError('YAMUX_TRANSPORT_CLOSED', 'the channel closed under the session', { cause: err }),
    )
  }

  // ---- outgoing ---------------------------------------------------------------------

  #queueControl(type: number, flags: number, id: number, length: number): void {
    if (this.#channelWrite === 'ended') return
    if (this.#control === NO_NUMBERS) this.#control = [type, flags, id, length]
    else this.#control.push(type, flags, id, length)
    if (this.#channelBlocked && !this.#readingPaused) {
      const queued = (this.#control.length - this.#controlHead) / 4
      if (queued >= this.#config.maxQueuedControlFrames) {
        this.#readingPaused = true
        this.#channel.pause()
      }
    }
    this.#scheduleFlush()
  }

  #markDirty(stream: YamuxStream): void {
    if (stream.inDirty || this.#channelWrite === 'ended') return
    stream.inDirty = true
    if (this.#dirty === NO_STREAMS) this.#dirty = [stream]
    else this.#dirty.push(stream)
    this.#scheduleFlush()
  }

  /**
   * A new outbound stream's bare SYN waits for a macrotask, so that data written
   * right after `await newStream()` rides on the SYN frame (spec "Opening a stream").
   */
  #announce(stream: YamuxStream): void {
    if (this.#announcing === NO_STREAMS) this.#announcing = [stream]
    else this.#announcing.push(stream)
    this.#unannounced++
    if (this.#announceImmediate !== undefined) return
    this.#announceImmediate = setImmediate(() =>
      this.#guard(() => {
        this.#announceImmediate = undefined
        const list = this.#announcing
        this.#announcing = NO_STREAMS
        this.#unannounced = 0
        for (const s of list) if (!s.closed && s.synPending) this.#markDirty(s)
      }),
    )
  }

  /**
   * A new stream's SYN went out (with data, usually). When every stream waiting for the
   * macrotask has sent its SYN, the macrotask is not needed: cancelled, it costs no extra
   * turn of the event loop (a pending immediate makes the loop poll without blocking).
   */
  #synSent(): void {
    if (this.#unannounced === 0 || --this.#unannounced > 0) return
    if (this.#announceImmediate !== undefined) clearImmediate(this.#announceImmediate)
    this.#announceImmediate = undefined
    this.#announcing = NO_STREAMS
  }
  #announcing: YamuxStream[] = NO_STREAMS
  /** Streams in `#announcing` that have not sent their SYN yet (an upper bound: a closed one stays counted). */
  #unannounced = 0
  #announceImmediate: ReturnType<typeof setImmediate> | undefined

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing || this.#channelBlocked || this.#channelWrite === 'ended')
      return
    this.#flushScheduled = true
    // One microtask for every session with frames in this tick, and no closure each.
    YamuxSession.#flushes.add(this)
  }

  static readonly #flushes = new TickQueue<YamuxSession>((session) => {
    if (!session.#flushScheduled) return
    session.#flushScheduled = false
    try {
      session.#flush()
    } catch (cause) {
      session.#internalError(cause)
    }
  })

  /**
   * Runs a callback of a microtask, timer or channel event: an exception must never
   * reach the event loop. One that escapes is a bug of ours or a failing channel;
   * it ends the session with YAMUX_INTERNAL_ERROR (cause attached).
   */
  #guard(fn: () => void): void {
    try {
      fn()
    } catch (cause) {
      this.#internalError(cause)
    }
  }

  #internalError(cause: unknown): void {
    const err = new YamuxError('YAMUX_INTERNAL_ERROR', 'internal error in the yamux session', { cause })
    try {
      this.#fail(err, GoAwayCode.InternalError)
    } catch {
      // Failing failed too: drop the channel; its close reaches #onChannelClosed.
      this.#channelWrite = 'ended'
      this.#channel.destroy(err)
    }
  }

  /** Writes everything queued, one `channel.write()` per `maxWriteBytes`, until the channel pushes back. */
  #flush(): void {
    if (this.#channelBlocked || this.#flushing || this.#channelWrite === 'ended') return
    if (this.#channel.closed || this.#channel.writableEnded) {
      // Closed: #onChannelClosed ends the session. Ended, but not by us: the session
      // owns the channel, so someone broke it; nothing queued can be sent any more.
      this.#channelWrite = 'ended'
      if (!this.#channel.closed) {
        const err = new YamuxError('YAMUX_TRANSPORT_CLOSED', 'the channel was ended under the session')
        this.#fail(err, undefined)
        this.#channel.destroy(err)
      }
      return
    }
    this.#flushing = true
    try {
      const batch = sharedBatch
      const max = this.#config.maxWriteBytes
      while (!this.#channelBlocked) {
        const control = this.#control
        while (this.#controlHead < control.length && batch.size < max) {
          const i = this.#controlHead
          const type = control[i]!
          if (type === FrameType.Ping && control[i + 1] === Flag.ACK) this.#pongsQueued--
          batch.frame(type, control[i + 1]!, control[i + 2]!, control[i + 3]!)
          this.#controlHead += 4
        }
        if (this.#controlHead === control.length) {
          this.#control = NO_NUMBERS
          this.#controlHead = 0
        }
        const dataAllowed = this.#state !== 'closed'
        while (this.#dirtyHead < this.#dirty.length && max - batch.size > HEADER_LENGTH) {
          const stream = this.#dirty[this.#dirtyHead]!
          this.#dirty[this.#dirtyHead++] = undefined as unknown as YamuxStream
          stream.inDirty = false
          if (stream.emit(batch, dataAllowed, max - batch.size)) {
            stream.inDirty = true
            this.#dirty.push(stream)
          }
        }
        if (this.#dirtyHead === this.#dirty.length) {
          this.#dirty = NO_STREAMS
          this.#dirtyHead = 0
        } else if (this.#dirtyHead > 1024 && this.#dirtyHead * 2 > this.#dirty.length) {
          this.#dirty = this.#dirty.slice(this.#dirtyHead)
          this.#dirtyHead = 0
        }
        if (this.#goAwayPending !== undefined && this.#dirtyHead === this.#dirty.length) {
          batch.frame(FrameType.GoAway, 0, 0, this.#goAwayPending)
          this.#goAwayPending = undefined
        }
        if (batch.frames === 0) break
        let more = true
        try {
          // Several chunks (runs of small frames, large payloads uncopied); the
          // channel coalesces the writes of a tick. `false` is advice: finish the batch.
          for (const chunk of batch.take()) more = this.#channel.write(chunk) && more
        } catch (cause) {
          // The channel was ended or broken by someone else: nothing more can be written.
          this.#channelWrite = 'ended'
          const err = new YamuxError('YAMUX_TRANSPORT_CLOSED', 'the channel refused a write', { cause })
          this.#fail(err, undefined)
          this.#channel.destroy(err)
          break
        }
        if (!more) {
          this.#channelBlocked = true
          this.#channel.onceDrain(() => this.#guard(() => this.#onChannelDrain()))
        }
      }
    } finally {
      this.#flushing = false
      // Only an exception leaves frames in the batch: they must not go out with the
      // next session's.
      if (sharedBatch.frames > 0) sharedBatch.clear()
    }
    // The session ended from inside the loop (a FIN finished the last stream):
    // the batch with that FIN went out above; now the channel may end.
    if (this.#endPending) {
      this.#endPending = false
      this.#endChannel()
    }
  }

  #onChannelDrain(): void {
    if (this.#channelWrite === 'ended') return
    this.#channelBlocked = false
    if (this.#readingPaused) {
      this.#readingPaused = false
      this.#channel.resume()
    }
    this.#flush()
  }

  /** The first stream of a session (either side) measures the RTT, unless keepalive is off. */
  #measureRttOnce(): void {
    if (this.#rttUs >= 0 || this.#ping !== undefined || this.#config.keepAliveIntervalMs <= 0) return
    this.#sendPing()
  }

  #sendPing(): ActivePing {
    const id = this.#nextPingId
    this.#nextPingId = (this.#nextPingId + 1) % (MAX_UINT32 + 1)
    const ping: ActivePing = {
      id,
      start: this.#clock.now(),
      waiters: [],
      timer: this.#clock.setTimeout(
        () =>
          this.#guard(() => {
            if (this.#ping !== ping) return
            this.#fail(new YamuxError('YAMUX_KEEPALIVE_TIMEOUT', 'ping timeout'), GoAwayCode.InternalError)
          }),
        this.#config.pingTimeoutMs,
      ),
    }
    this.#ping = ping
    this.#queueControl(FrameType.Ping, Flag.SYN, 0, id)
    return ping
  }

  #scheduleKeepAlive(): void {
    this.#keepAliveTimer = this.#clock.setTimeout(
      () =>
        this.#guard(() => {
          this.#keepAliveTimer = undefined
          if (this.#state === 'closed' || this.#remoteChannelEnded) return
          if (this.#ping === undefined) this.#sendPing()
          this.#scheduleKeepAlive()
        }),
      this.#config.keepAliveIntervalMs,
    )
  }

  /** No pong can come any more: stop keepalive and reject `ping()` callers. */
  #stopPinging(): void {
    if (this.#keepAliveTimer !== undefined) this.#clock.clearTimeout(this.#keepAliveTimer)
    this.#keepAliveTimer = undefined
    const ping = this.#ping
    this.#ping = undefined
    if (ping === undefined) return
    this.#clock.clearTimeout(ping.timer)
    if (ping.waiters.length === 0) return
    const err = new YamuxError('YAMUX_SESSION_CLOSED', 'the remote ended the channel')
    for (const w of ping.waiters) w.reject(err)
  }

  #goAway(code: number): void {
    if (this.#localGoAway) return
    this.#localGoAway = true
    // Every SYN must precede the GoAway, so the remote knows which streams exist.
    for (const s of this.#announcing) if (!s.closed) this.#markDirty(s)
    this.#announcing = NO_STREAMS
    this.#goAwayPending = code
    this.#scheduleFlush()
  }
  /** GoAway code to send after the streams' frames of the next batch. */
  #goAwayPending: number | undefined

  // ---- streams bookkeeping ----------------------------------------------------------

  #makeHost(): StreamHost {
    return {
      config: this.#config,
      memory: this.#memory,
      now: () => this.#clock.now(),
      rtt: () => this.#rttMs(),
      markDirty: (stream) => this.#markDirty(stream),
      announce: (stream) => this.#announce(stream),
      synSent: () => this.#synSent(),
      sendReset: (id) => {
        if (this.#state !== 'closed') this.#queueControl(FrameType.WindowUpdate, Flag.RST, id, 0)
      },
      acknowledged: (stream) => this.#acknowledged(stream),
      removed: (stream, remoteEnded) => this.#removed(stream, remoteEnded),
    }
  }

  /** `stream` leaves its backlog: acknowledged, or closed before it was. */
  #acknowledged(stream: YamuxStream): void {
    if (!stream.inBacklog) return
    stream.inBacklog = false
    if (stream.direction === 'inbound') {
      this.#inboundBacklog--
      this.#trimAckQueue()
      return
    }
    this.#outboundBacklog--
    this.#backlogWaiters.shift()?.resolve()
  }

  /** Drops acknowledged streams from the head of the ACK-timeout queue. */
  #trimAckQueue(): void {
    const queue = this.#ackQueue
    let head = this.#ackHead
    while (head < queue.length && !queue[head]!.inBacklog) queue[head++] = undefined as unknown as YamuxStream
    if (head === queue.length) {
      if (head !== 0) this.#ackQueue = NO_STREAMS
      head = 0
    } else if (head > 1024 && head * 2 > queue.length) {
      this.#ackQueue = queue.slice(head)
      head = 0
    }
    this.#ackHead = head
  }

  #removed(stream: YamuxStream, remoteEnded: boolean): void {
    const streams = this.#streams
    if (streams?.get(stream.id) !== stream) return
    streams.delete(stream.id)
    if (streams.size === 0) this.#streams = undefined
    this.#rememberClosed(stream.id, remoteEnded)
    if (stream.direction === 'inbound') this.#inbound--
    else this.#outbound--
    // Closed before the ACK: it no longer counts in the backlog.
    this.#acknowledged(stream)
    if ((this.#streams?.size ?? 0) === 0 && this.#state !== 'closed') {
      const waiters = this.#closeWaiters
      if (waiters.length > 0) {
        this.#closeWaiters = NO_WAITERS
        for (const w of waiters) w.resolve()
      }
      // The remote said GoAway or ended the channel: nothing more can happen.
      if (this.#remoteChannelEnded || (this.#remoteGoAway !== undefined && this.#state === 'open')) {
        this.#shutdown(undefined)
      }
    }
  }

  #rememberClosed(id: number, remoteEnded: boolean): void {
    let closedIds = this.#closedIds
    if (closedIds === undefined || closedIds.size >= CLOSED_IDS_REMEMBERED / 2) {
      this.#closedIdsOld = closedIds
      this.#closedIds = closedIds = new Map()
    }
    closedIds.set(id, remoteEnded)
  }

  /** Whether the remote had ended the recently closed stream `id`; `undefined` if not remembered. */
  #closedState(id: number): boolean | undefined {
    return this.#closedIds?.get(id) ?? this.#closedIdsOld?.get(id)
  }

  #isLocalId(id: number): boolean {
    return (id & 1) === (this.#client ? 1 : 0)
  }

  #checkCanOpen(): void {
    if (this.#state !== 'open' || this.#localGoAway) throw this.#closedError()
    if (this.#remoteGoAway !== undefined) {
      throw new YamuxError('YAMUX_SESSION_CLOSED', 'the remote sent GoAway: no new streams')
    }
    if (this.#outbound >= this.#config.maxOutboundStreams) {
      throw new YamuxError(
        'YAMUX_TOO_MANY_STREAMS',
        `at most ${this.#config.maxOutboundStreams} outbound streams`,
      )
    }
    if (this.#nextId > MAX_UINT32) throw new YamuxError('YAMUX_SESSION_CLOSED', 'stream ids exhausted')
  }

  #closedError(): Error {
    return this.#error ?? new YamuxError('YAMUX_SESSION_CLOSED', 'the session is closed')
  }

  #wait(list: Waiter[], options: AbortOptions): Promise<void> {
    let waiter: Waiter | undefined
    const p = new Promise<void>((resolve, reject) => {
      waiter = { resolve, reject }
      list.push(waiter)
    })
    return raceSignal(p, options.signal, () => {
      const i = list.indexOf(waiter!)
      if (i !== -1) list.splice(i, 1)
    })
  }

  #rejectBacklogWaiters(): void {
    const waiters = this.#backlogWaiters
    this.#backlogWaiters = NO_WAITERS
    // They re-check and throw the precise error in newStream().
    for (const w of waiters) w.resolve()
  }

  #scheduleAckTimer(): void {
    const first = this.#ackQueue[this.#ackHead]
    if (first === undefined) return
    const deadline = first.backlogDeadline
    if (this.#ackTimerDeadline !== -1 && deadline >= this.#ackTimerDeadline) return
    if (this.#ackTimer !== undefined) this.#clock.clearTimeout(this.#ackTimer)
    this.#ackTimerDeadline = Math.ceil(deadline)
    this.#ackTimer = this.#clock.setTimeout(
      () =>
        this.#guard(() => {
          this.#ackTimer = undefined
          this.#ackTimerDeadline = -1
          const now = this.#clock.now()
          for (;;) {
            this.#trimAckQueue()
            const stream = this.#ackQueue[this.#ackHead]
            if (stream === undefined || stream.backlogDeadline > now) break
            // Opened and never used (not negotiated): reset it (it leaves the backlog).
            stream.destroy(new YamuxError('YAMUX_ACK_TIMEOUT', `stream ${stream.id} was never acknowledged`))
            // Never loop forever on a stream that did not leave (cannot happen: destroy is final).
            if (stream.inBacklog) this.#acknowledged(stream)
          }
          this.#scheduleAckTimer()
        }),
      Math.max(0, deadline - this.#clock.now()),
    )
  }

  #resetAll(err: Error): void {
    for (const stream of [...(this.#streams?.values() ?? [])]) stream.destroy(err)
  }

  // ---- ending -----------------------------------------------------------------------

  /** A failure: GoAway(code) if given, every stream gets `err`, the channel is ended then destroyed. */
  #fail(err: Error, code: number | undefined): void {
    if (this.#state === 'closed') return
    if (code !== undefined && (!this.#localGoAway || this.#goAwayPending !== undefined)) {
      this.#localGoAway = true
      this.#control = [FrameType.GoAway, 0, 0, code]
      this.#controlHead = 0
    }
    this.#goAwayPending = undefined
    this.#dirty = NO_STREAMS
    this.#dirtyHead = 0
    this.#terminate(err)
    this.#endChannel()
  }

  /** Graceful end: flush what is queued, end the channel. */
  #shutdown(err: Error | undefined): void {
    if (this.#state === 'closed') return
    this.#terminate(err)
    this.#endChannel()
  }

  /**
   * Writes what is queued, then ends the channel; from then on nothing is written.
   * Called from inside `#flush()` (a stream's FIN finished the session), it only
   * marks the end as pending: the flush writes its batch first, then ends.
   */
  #endChannel(): void {
    if (this.#channelWrite === 'ended') return
    if (this.#flushing) {
      this.#endPending = true
      return
    }
    const channel = this.#channel
    // Best effort: write the last frames even if the channel asked for drain.
    this.#channelBlocked = false
    try {
      this.#flush()
    } catch {
      // The channel failed while taking the last frames; it is ended below either way.
    }
    this.#channelWrite = 'ended'
    this.#control = NO_NUMBERS
    this.#controlHead = 0
    this.#dirty = NO_STREAMS
    this.#dirtyHead = 0
    if (channel.closed) return
    channel.end()
    if (!channel.closed && this.#lingerTimer === undefined) {
      this.#lingerTimer = this.#clock.setTimeout(() => {
        this.#lingerTimer = undefined
        channel.destroy()
      }, this.#config.lingerMs)
    }
  }

  #clearLinger(): void {
    if (this.#lingerTimer !== undefined) {
      this.#clock.clearTimeout(this.#lingerTimer)
      this.#lingerTimer = undefined
    }
  }

  /** Releases everything the session owns; runs the close callbacks once. */
  #terminate(err: Error | undefined): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#error = err
    this.#decoder.close()
    const clock = this.#clock
    if (this.#keepAliveTimer !== undefined) clock.clearTimeout(this.#keepAliveTimer)
    if (this.#ackTimer !== undefined) clock.clearTimeout(this.#ackTimer)
    if (this.#closeTimer !== undefined) clock.clearTimeout(this.#closeTimer)
    this.#keepAliveTimer = this.#ackTimer = this.#closeTimer = undefined
    if (this.#announceImmediate !== undefined) clearImmediate(this.#announceImmediate)
    this.#announceImmediate = undefined
    this.#announcing = NO_STREAMS
    this.#unannounced = 0
    // Made only if someone is told: a graceful close with nothing pending builds no error
    // (an Error captures a stack trace, the dearest part of closing an idle session).
    let made: Error | undefined
    const closedErr = (): Error =>
      (made ??= err ?? new YamuxError('YAMUX_SESSION_CLOSED', 'the session is closed'))
    const ping = this.#ping
    this.#ping = undefined
    if (ping !== undefined) {
      clock.clearTimeout(ping.timer)
      for (const w of ping.waiters) w.reject(closedErr())
    }
    const streams = this.#streams
    if (streams !== undefined) for (const stream of [...streams.values()]) stream.abortSilently(closedErr())
    this.#streams = undefined
    this.#inboundBacklog = 0
    this.#outboundBacklog = 0
    this.#ackQueue = NO_STREAMS
    this.#ackHead = 0
    this.#closedIds = this.#closedIdsOld = undefined
    const waiters = [...this.#backlogWaiters, ...this.#closeWaiters]
    this.#backlogWaiters = NO_WAITERS
    this.#closeWaiters = NO_WAITERS
    for (const w of waiters) w.reject(closedErr())
    this.#closeCallbacks.fire(err)
  }
}

function violation(code: YamuxErrorCode, message: string): YamuxError {
  return new YamuxError(code, `yamux protocol error: ${message}`)
}

function SwitchyardErrorCode(err: unknown): YamuxErrorCode | undefined {
  return YamuxError.is(err) ? (err.code as YamuxErrorCode) : undefined
}
