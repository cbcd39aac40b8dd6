/**
 * TCP dial and listen on `/ip4|ip6/…/tcp/N` multiaddrs (dial also takes `/dns|dns4|dns6`),
 * with the raw connections wrapped as byte streams (socket-connection.ts).
 */
import net from 'node:net'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  type AbortOptions,
  type DialOptions,
  type Listener,
  type ListenerEvents,
  type RawConnection,
  type Transport,
  TransportError,
  throwIfAborted,
} from '@switchyard/interface'
import { parseTcpAddr, type TcpAddress, toMultiaddr } from './addr.js'
import { SocketConnection } from './socket-connection.js'

/** Options of `tcp()`. */
export interface TcpInit {
  /** Disable Nagle's algorithm (`TCP_NODELAY`) on every socket. Default `true`. */
  noDelay?: boolean
  /** Enable TCP keepalive probes on every socket. Default `true`. */
  keepAlive?: boolean
  /** Idle time before the first keepalive probe, ms. Default 15 000 (as go-libp2p's dialer). */
  keepAliveInitialDelayMs?: number
  /** Default dial timeout, ms, when `DialOptions.timeoutMs` is not given. Default 5 000. */
  dialTimeoutMs?: number
  /** Listen backlog (pending connections the kernel queues). Default 511 (Node's). */
  backlog?: number
  /** Bytes buffered per connection for a paused reader before the socket stops reading. Default 64 KiB. */
  readableHighWaterMark?: number
  /** Bytes queued in a socket before `write()` returns `false`. Default 1 MiB (Node's is 16 KiB): see `SocketConnectionInit`. */
  writableHighWaterMark?: number
}

/** The defaults of `TcpInit`. */
export const defaults = {
  noDelay: true,
  keepAlive: true,
  keepAliveInitialDelayMs: 15_000,
  dialTimeoutMs: 5_000,
  backlog: 511,
  readableHighWaterMark: 64 * 1024,
  writableHighWaterMark: 1024 * 1024,
} as const satisfies Required<TcpInit>

function validate(init: TcpInit): Required<TcpInit> {
  const config = { ...defaults, ...stripUndefined(init) }
  for (const key of [
    'keepAliveInitialDelayMs',
    'dialTimeoutMs',
    'backlog',
    'readableHighWaterMark',
    'writableHighWaterMark',
  ] as const) {
    const v = config[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`TcpInit.${key} must be a finite number >= 0, got ${String(v)}`)
    }
  }
  if (config.dialTimeoutMs === 0) throw new RangeError('TcpInit.dialTimeoutMs must be > 0')
  return config
}

/** Creates the TCP transport. */
export function tcp(init: TcpInit = {}): TcpTransport {
  return new TcpTransport(init)
}

/** TCP dialing and listening (see `tcp()`). */
export class TcpTransport implements Transport {
  readonly name = 'tcp'
  readonly #config: Required<TcpInit>

  constructor(init: TcpInit = {}) {
    this.#config = validate(init)
  }

  canDial(addr: Multiaddr): boolean {
    return parseTcpAddr(addr, true) !== undefined
  }

  canListen(addr: Multiaddr): boolean {
    return parseTcpAddr(addr, false) !== undefined
  }

  async dial(addr: Multiaddr, options: DialOptions = {}): Promise<RawConnection> {
    throwIfAborted(options.signal)
    const target = parseTcpAddr(addr, true)
    const addrString = addr.toString()
    if (target === undefined) {
      throw new TransportError('TRANSPORT_ADDR_UNSUPPORTED', addrString, 'not a TCP address')
    }
    if (target.port === 0)
      throw new TransportError('TRANSPORT_ADDR_UNSUPPORTED', addrString, 'cannot dial port 0')
    const timeoutMs = options.timeoutMs ?? this.#config.dialTimeoutMs
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`)
    const socket = net.connect({
      host: target.host,
      port: target.port,
      ...(target.family === 0 ? {} : { family: target.family }),
      allowHalfOpen: true,
      // Passed on to the socket's stream.Duplex constructor; @types/node does not list it.
      writableHighWaterMark: this.#config.writableHighWaterMark,
    } as net.NetConnectOpts)
    await awaitConnect(socket, addrString, timeoutMs, options.signal)
    return this.#wrap(socket)
  }

  async listen(addr: Multiaddr, events: ListenerEvents, options: AbortOptions = {}): Promise<Listener> {
    throwIfAborted(options.signal)
    const target = parseTcpAddr(addr, false)
    const addrString = addr.toString()
    if (target === undefined) {
      throw new TransportError('TRANSPORT_ADDR_UNSUPPORTED', addrString, 'not a TCP address to listen on')
    }
    const server = net.createServer({
      allowHalfOpen: true,
      pauseOnConnect: false,
      // Sets both of the accepted socket's marks; only the writable one matters, as we never leave data unread in it.
      highWaterMark: this.#config.writableHighWaterMark,
    })
    await awaitListening(server, target, this.#config.backlog, addrString, options.signal)
    return new TcpListener(server, events, (socket, localAddr) => this.#wrap(socket, localAddr))
  }

  // Local and remote multiaddrs come from the socket: a dialled DNS name appears as the
  // IP it resolved to, and a /p2p suffix is not part of the transport address.
  #wrap(socket: net.Socket, localAddr?: Multiaddr): SocketConnection {
    const config = this.#config
    socket.setNoDelay(config.noDelay)
    if (config.keepAlive) socket.setKeepAlive(true, config.keepAliveInitialDelayMs)
    return new SocketConnection(socket, {
      readableHighWaterMark: config.readableHighWaterMark,
      writableHighWaterMark: config.writableHighWaterMark,
      ...(localAddr === undefined ? {} : { localAddr }),
    })
  }
}

/** Distinct local addresses a listener shares multiaddrs for. */
const LOCAL_ADDRS_SHARED = 64

class TcpListener implements Listener {
  readonly addr: Multiaddr
  readonly #server: net.Server
  #closed = false
  /**
   * The local multiaddrs of accepted sockets, shared by all connections on the same
   * local address (one per interface on a wildcard listener) rather than one each.
   */
  readonly #localAddrs = new Map<string, Multiaddr>()
  /** Bound to 0.0.0.0 or `::`: the local address of a socket depends on the interface. */
  readonly #wildcard: boolean

  constructor(
    server: net.Server,
    events: ListenerEvents,
    wrap: (socket: net.Socket, localAddr: Multiaddr | undefined) => SocketConnection,
  ) {
    this.#server = server
    const bound = server.address() as net.AddressInfo
    this.addr = toMultiaddr(bound.address, bound.port, bound.family)
    this.#wildcard = bound.address === '0.0.0.0' || bound.address === '::'
    server.on('connection', (socket) => {
      // The socket must never emit an unhandled 'error', even before it is wrapped.
      if (this.#closed) {
        socket.destroy()
        return
      }
      const conn = wrap(socket, this.#localAddrOf(socket))
      try {
        events.onConnection(conn)
      } catch (err) {
        conn.destroy(err instanceof Error ? err : new Error(String(err)))
      }
    })
    server.on('error', (cause) => {
      if (this.#closed) return
      this.#stop()
      events.onError?.(
        new TransportError('TRANSPORT_LISTEN_FAILED', this.addr.toString(), 'listener failed', { cause }),
      )
    })
  }

  #localAddrOf(socket: net.Socket): Multiaddr | undefined {
    // Bound to one address: every accepted socket has it (reading the socket's own
    // would make Node cache one more object per socket).
    if (!this.#wildcard) return this.addr
    const { localAddress, localPort } = socket
    if (localAddress === undefined || localPort === undefined) return undefined
    const key = `${localAddress} ${localPort}`
    let addr = this.#localAddrs.get(key)
    if (addr === undefined) {
      addr = toMultiaddr(localAddress, localPort, socket.remoteFamily)
      // Bounded: a host has few local addresses; past that, no sharing.
      if (this.#localAddrs.size < LOCAL_ADDRS_SHARED) this.#localAddrs.set(key, addr)
    }
    return addr
  }

  /**
   * Stops accepting at once. Node's `server.close(cb)` would wait for every accepted
   * connection to end; those belong to their owners, so we do not wait for them.
   */
  async close(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.#stop()
  }

  #stop(): void {
    if (this.#closed) return
    this.#closed = true
    this.#server.close()
  }
}

/**
 * Waits for `socket` to connect, for at most `timeoutMs`, or until `signal` aborts.
 * On any failure the socket is destroyed, the timer cleared and every listener removed.
 */
export function awaitConnect(
  socket: net.Socket,
  addr: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer)
      socket.off('connect', onConnect)
      socket.off('error', onError)
      signal?.removeEventListener('abort', onAbort)
    }
    const fail = (err: unknown) => {
      cleanup()
      // Keep a listener: destroy() of a connecting socket may still emit 'error'.
      socket.on('error', noop)
      socket.destroy()
      reject(err)
    }
    const onConnect = () => {
      cleanup()
      resolve()
    }
    const onError = (cause: NodeJS.ErrnoException) => fail(dialError(cause, addr))
    const onAbort = () => fail(signal!.reason)
    const timer = setTimeout(
      () => fail(new TransportError('TRANSPORT_DIAL_TIMEOUT', addr, `dial timed out after ${timeoutMs} ms`)),
      timeoutMs,
    )
    socket.once('connect', onConnect)
    socket.once('error', onError)
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted === true) onAbort()
  })
}

function awaitListening(
  server: net.Server,
  target: TcpAddress,
  backlog: number,
  addr: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      server.off('listening', onListening)
      server.off('error', onError)
      signal?.removeEventListener('abort', onAbort)
    }
    const onListening = () => {
      cleanup()
      resolve()
    }
    const onError = (cause: NodeJS.ErrnoException) => {
      cleanup()
      server.close()
      reject(
        cause.code === 'EADDRINUSE'
          ? new TransportError('TRANSPORT_ADDR_IN_USE', addr, 'address already in use', { cause })
          : new TransportError(
              'TRANSPORT_LISTEN_FAILED',
              addr,
              `cannot listen: ${cause.code ?? cause.message}`,
              {
                cause,
              },
            ),
      )
    }
    const onAbort = () => {
      cleanup()
      server.close()
      reject(signal!.reason)
    }
    server.once('listening', onListening)
    server.once('error', onError)
    signal?.addEventListener('abort', onAbort, { once: true })
    // ipv6Only: `/ip6/::/tcp/N` and `/ip4/0.0.0.0/tcp/N` are separate listeners, as in go-libp2p.
    server.listen({ host: target.host, port: target.port, backlog, ipv6Only: target.family === 6 })
  })
}

const UNREACHABLE = new Set([
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ENETDOWN',
])

function dialError(cause: NodeJS.ErrnoException, addr: string): TransportError {
  const code = cause.code ?? ''
  if (code === 'ECONNREFUSED')
    return new TransportError('TRANSPORT_CONNECTION_REFUSED', addr, 'connection refused', { cause })
  if (UNREACHABLE.has(code))
    return new TransportError('TRANSPORT_UNREACHABLE', addr, `unreachable: ${code}`, { cause })
  if (code === 'ETIMEDOUT')
    return new TransportError('TRANSPORT_DIAL_TIMEOUT', addr, 'dial timed out (OS)', { cause })
  return new TransportError('TRANSPORT_DIAL_FAILED', addr, `dial failed: ${code || cause.message}`, { cause })
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

const noop = () => {}
