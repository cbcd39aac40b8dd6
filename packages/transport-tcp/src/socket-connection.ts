/**
 * A `net.Socket` as a `RawConnection`: the byte-stream contract
 * (@switchyard/interface byte-stream.ts) mapped onto Node's socket.
 *
 * - `write` → `socket.write`. It returns `false` once the socket holds `writableHighWaterMark`
 *   bytes (default 1 MiB, at least the socket's own mark), and the socket's `'drain'` is our drain.
 *   Node's default socket mark (16 KiB) is far below one muxer batch (256 KiB): every batch
 *   would wait for the socket to empty, leaving the loopback pipe idle in between.
 *   Writes made in the same tick are gathered and handed over in a microtask: a single chunk
 *   as one `socket.write` (no corking, no buffered request, no `nextTick`: a muxer or a Noise
 *   channel already gives one chunk per tick), several corked together into one `writev`.
 * - A full read buffer (`push()` false) → `socket.pause()`; `_readMore` → `socket.resume()`.
 * - `end` → `socket.end()` (the socket must allow half-open, so the remote may keep sending).
 * - `destroy()` → `socket.destroy()`; `destroy(err)` → `socket.resetAndDestroy()` (TCP RST),
 *   so the remote learns that the connection was aborted rather than finished.
 * - Socket errors become `TransportError('TRANSPORT_CONNECTION_FAILED')` naming the remote address.
 * - `bytesRead` / `bytesWritten` are the socket's own counters (no per-chunk work of ours).
 */
import type { Socket } from 'node:net'
import { isIPv4 } from 'node:net'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { ByteStreamBase, type RawConnection, TickQueue, TransportError } from '@switchyard/interface'
import { toMultiaddr } from './addr.js'

/** The socket's connection, for the shared socket listeners. */
const OWNER = Symbol('switchyard.socketConnection')
type OwnedSocket = Socket & { [OWNER]: SocketConnection }

/** Options of `socketToConnection`. */
export interface SocketConnectionInit {
  /** The remote address; default: derived from `socket.remoteAddress`/`remotePort`. */
  remoteAddr?: Multiaddr
  /** The local address; default: derived from `socket.localAddress`/`localPort`. */
  localAddr?: Multiaddr
  /** Bytes buffered for a paused reader before the socket stops reading. Default 64 KiB. */
  readableHighWaterMark?: number
  /**
   * Bytes queued in the socket before `write()` returns `false`. Default 1 MiB; never below
   * the socket's own `writableHighWaterMark` (its `'drain'` is only emitted past that mark).
   */
  writableHighWaterMark?: number
}

/** Default write mark of a `SocketConnection`, bytes. */
export const DEFAULT_SOCKET_WRITABLE_HWM = 1024 * 1024

/**
 * Wraps a connected `net.Socket` as a `RawConnection` and takes ownership of it:
 * the socket is destroyed when the connection closes. The socket should have been
 * created with `allowHalfOpen: true`, otherwise Node ends our side as soon as the
 * remote ends its own. The socket must not have a `'data'` listener of its own.
 */
export function socketToConnection(socket: Socket, init: SocketConnectionInit = {}): RawConnection {
  return new SocketConnection(socket, init)
}

/** The `RawConnection` over a `net.Socket` (see `socketToConnection`). */
export class SocketConnection extends ByteStreamBase implements RawConnection {
  readonly remoteAddr: Multiaddr
  readonly localAddr: Multiaddr
  readonly #socket: Socket
  readonly #writableHwm: number
  /** Chunks written in this tick, not yet handed to the socket. */
  #pending: Uint8Array[] | undefined
  #pendingBytes = 0

  constructor(socket: Socket, init: SocketConnectionInit = {}) {
    super(init)
    const hwm = init.writableHighWaterMark ?? DEFAULT_SOCKET_WRITABLE_HWM
    if (!Number.isSafeInteger(hwm) || hwm < 0) {
      throw new RangeError(`writableHighWaterMark must be an integer >= 0, got ${hwm}`)
    }
    this.#socket = socket
    // At or above the socket's own mark, so that our `false` always comes with the socket's
    // needDrain set: its 'drain' (buffer empty) then follows.
    this.#writableHwm = Math.max(hwm, socket.writableHighWaterMark)
    this.remoteAddr = init.remoteAddr ?? remoteMultiaddr(socket)
    this.localAddr = init.localAddr ?? toMultiaddr(socket.localAddress, socket.localPort, socket.remoteFamily)

    // The listeners are shared by every connection (no closures per connection: they
    // would live as long as it does); each finds its connection on the socket.
    ;(socket as OwnedSocket)[OWNER] = this
    socket.on('data', SocketConnection.#onData)
    socket.on('end', SocketConnection.#onEnd)
    socket.on('drain', SocketConnection.#onDrain)
    // Stays attached for the socket's whole life: a late 'error' must never be unhandled.
    socket.on('error', SocketConnection.#onError)
    // Both directions are done (FIN sent and received) or the socket was torn down.
    socket.on('close', SocketConnection.#onClose)
    if (socket.destroyed) queueMicrotask(() => this.finish())
  }

  static readonly #onData = function (this: OwnedSocket, chunk: Buffer): void {
    if (!this[OWNER].push(chunk)) this.pause()
  }

  static readonly #onEnd = function (this: OwnedSocket): void {
    this[OWNER].pushEnd()
  }

  static readonly #onDrain = function (this: OwnedSocket): void {
    this[OWNER].emitDrain()
  }

  static readonly #onError = function (this: OwnedSocket, cause: NodeJS.ErrnoException): void {
    const conn = this[OWNER]
    conn.finish(
      new TransportError(
        'TRANSPORT_CONNECTION_FAILED',
        conn.remoteAddr.toString(),
        `connection failed: ${cause.code ?? cause.message}`,
        { cause },
      ),
    )
  }

  static readonly #onClose = function (this: OwnedSocket): void {
    this[OWNER].finish()
  }

  /** Bytes received so far: the socket's own counter (`net.Socket#bytesRead`), no work of ours. */
  get bytesRead(): number {
    return this.#socket.bytesRead
  }

  /**
   * Bytes sent so far: the socket's own counter (`net.Socket#bytesWritten`), which also
   * counts bytes still queued in the socket.
   */
  get bytesWritten(): number {
    return this.#socket.bytesWritten + this.#pendingBytes
  }

  /** Queues `chunks` (taken over) as one gathered write: they leave in the same `writev`. */
  writev(chunks: readonly Uint8Array[]): boolean {
    return this.writeChunks(chunks)
  }

  protected _write(chunk: Uint8Array): boolean {
    const pending = this.#pending
    if (pending === undefined) {
      this.#pending = [chunk]
      // One microtask for every connection written to in this tick, and no closure each.
      SocketConnection.#flushes.add(this)
    } else {
      pending.push(chunk)
    }
    this.#pendingBytes += chunk.byteLength
    return this.#socket.writableLength + this.#pendingBytes < this.#writableHwm
  }

  /**
   * Hands the chunks of this tick to the socket. With the socket's own mark at or below
   * ours, a `false` from `_write` means the socket will see at least its mark here and
   * set its needDrain: its 'drain' follows.
   */
  static readonly #flushes = new TickQueue<SocketConnection>((conn) => {
    try {
      conn.#flushPending()
    } catch (cause) {
      // A socket that refuses a write is broken: that connection fails, the others flush.
      conn.finish(
        new TransportError('TRANSPORT_CONNECTION_FAILED', conn.remoteAddr.toString(), 'socket write failed', {
          cause,
        }),
      )
    }
  })

  #flushPending(): void {
    const pending = this.#pending
    if (pending === undefined) return
    this.#pending = undefined
    this.#pendingBytes = 0
    const socket = this.#socket
    if (socket.destroyed || socket.writableEnded) return
    if (pending.length === 1) {
      socket.write(pending[0]!)
      return
    }
    socket.cork()
    for (const chunk of pending) socket.write(chunk)
    socket.uncork()
  }

  protected _end(): void {
    this.#flushPending()
    this.#socket.end()
  }

  protected _destroy(err: Error | undefined): void {
    this.#pending = undefined
    this.#pendingBytes = 0
    const socket = this.#socket
    if (socket.destroyed) return
    if (err === undefined) {
      socket.destroy()
      return
    }
    try {
      socket.resetAndDestroy()
    } catch {
      socket.destroy()
    }
  }

  protected override _readMore(): void {
    this.#socket.resume()
  }
}

/**
 * The remote address of an accepted socket. For the common IPv4 case the multiaddr is
 * built from two component literals rather than parsed from a string: parsing grows
 * its component list to 17 slots and adds each value as an out-of-object property,
 * ~300 bytes more per connection (the remote address lives as long as it does).
 */
function remoteMultiaddr(socket: Socket): Multiaddr {
  const address = socket.remoteAddress
  const port = socket.remotePort
  if (address === undefined || port === undefined || !isIPv4(address)) {
    return toMultiaddr(address, port, socket.remoteFamily)
  }
  return multiaddr([
    { code: CODE_IP4, name: 'ip4', value: address },
    { code: CODE_TCP, name: 'tcp', value: `${port}` },
  ])
}

const CODE_IP4 = 4
const CODE_TCP = 6
