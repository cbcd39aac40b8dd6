/**
 * A `net.Socket` as a `RawConnection`: the byte-stream contract
 * (@switchyard/interface byte-stream.ts) mapped onto Node's socket.
 *
 * - `write` → `socket.write`. It returns `false` once the socket holds `writableHighWaterMark`
 *   bytes (default 1 MiB, at least the socket's own mark), and the socket's `'drain'` is our drain.
 *   Node's default socket mark (16 KiB) is far below one muxer batch (256 KiB): every batch
 *   would wait for the socket to empty, leaving the loopback pipe idle in between.
 *   Writes made in the same tick are corked together and flushed in one `writev`.
 * - A full read buffer (`push()` false) → `socket.pause()`; `_readMore` → `socket.resume()`.
 * - `end` → `socket.end()` (the socket must allow half-open, so the remote may keep sending).
 * - `destroy()` → `socket.destroy()`; `destroy(err)` → `socket.resetAndDestroy()` (TCP RST),
 *   so the remote learns that the connection was aborted rather than finished.
 * - Socket errors become `TransportError('TRANSPORT_CONNECTION_FAILED')` naming the remote address.
 */
import type { Socket } from 'node:net'
import type { Multiaddr } from '@multiformats/multiaddr'
import { ByteStreamBase, type RawConnection, TransportError } from '@switchyard/interface'
import { toMultiaddr } from './addr.js'

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
  #corked = false

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
    this.remoteAddr =
      init.remoteAddr ?? toMultiaddr(socket.remoteAddress, socket.remotePort, socket.remoteFamily)
    this.localAddr = init.localAddr ?? toMultiaddr(socket.localAddress, socket.localPort, socket.remoteFamily)

    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause()
    })
    socket.on('end', () => this.pushEnd())
    socket.on('drain', () => this.emitDrain())
    // Stays attached for the socket's whole life: a late 'error' must never be unhandled.
    socket.on('error', (cause: NodeJS.ErrnoException) => {
      this.finish(
        new TransportError(
          'TRANSPORT_CONNECTION_FAILED',
          this.remoteAddr.toString(),
          `connection failed: ${cause.code ?? cause.message}`,
          { cause },
        ),
      )
    })
    // Both directions are done (FIN sent and received) or the socket was torn down.
    socket.on('close', () => this.finish())
    if (socket.destroyed) queueMicrotask(() => this.finish())
  }

  protected _write(chunk: Uint8Array): boolean {
    const socket = this.#socket
    if (!this.#corked) {
      // Coalesce the writes of this tick (frame headers, small frames) into one writev.
      this.#corked = true
      socket.cork()
      process.nextTick(this.#uncork)
    }
    socket.write(chunk)
    return socket.writableLength < this.#writableHwm
  }

  readonly #uncork = (): void => {
    this.#corked = false
    this.#socket.uncork()
  }

  protected _end(): void {
    this.#socket.end()
  }

  protected _destroy(err: Error | undefined): void {
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
