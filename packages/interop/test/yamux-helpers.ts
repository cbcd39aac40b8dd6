/**
 * Helpers for the yamux interop tests and benchmark: real TCP sockets on
 * loopback, no security layer; js-libp2p-yamux driven through a minimal
 * MultiaddrConnection over the socket.
 */
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { StreamMuxer } from '@libp2p/interface'
import { AbstractMultiaddrConnection } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'

const noop = () => {}
// A do-nothing logger of the shape libp2p components expect.
const log = Object.assign(() => {}, {
  enabled: false,
  trace: noop,
  error: noop,
  newScope: () => log,
}) as unknown as ConstructorParameters<typeof AbstractMultiaddrConnection>[0]['log']

/** A net.Socket as a js-libp2p MultiaddrConnection (like @libp2p/tcp's, without its extras). */
class SocketMaConn extends AbstractMultiaddrConnection {
  readonly #socket: Socket
  constructor(socket: Socket, direction: 'inbound' | 'outbound') {
    super({ log, direction, remoteAddr: multiaddr(`/ip4/127.0.0.1/tcp/${socket.remotePort ?? 0}`) })
    this.#socket = socket
    socket.on('data', (buf) => this.onData(buf))
    socket.on('error', (err) => this.abort(err))
    socket.once('end', () => this.onTransportClosed())
    socket.once('close', () => this.onTransportClosed())
    socket.on('drain', () => this.safeDispatchEvent('drain'))
  }
  sendData(data: Uint8ArrayList) {
    let sentBytes = 0
    let canSendMore = true
    for (const buf of data) {
      sentBytes += buf.byteLength
      canSendMore = this.#socket.write(buf)
      if (!canSendMore) break
    }
    return { sentBytes, canSendMore }
  }
  async sendClose() {
    if (this.#socket.destroyed) return
    this.#socket.end()
  }
  sendReset() {
    this.#socket.destroy()
  }
  sendPause() {
    this.#socket.pause()
  }
  sendResume() {
    this.#socket.resume()
  }
}

/** The js-libp2p-yamux muxer over `socket`. */
export function jsMuxer(
  socket: Socket,
  direction: 'inbound' | 'outbound',
  init: Record<string, unknown> = {},
): { muxer: StreamMuxer; maConn: AbstractMultiaddrConnection } {
  const maConn = new SocketMaConn(socket, direction)
  const muxer = yamux({ enableKeepAlive: false, ...init })().createStreamMuxer(maConn as never)
  return { muxer, maConn }
}

/** A connected pair of TCP sockets on 127.0.0.1 (client first). Half-open allowed on both. */
export async function tcpPair(): Promise<[Socket, Socket, () => void]> {
  const server = createServer({ allowHalfOpen: true, noDelay: true })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  const accepted = once(server, 'connection') as Promise<[Socket]>
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true, noDelay: true })
  await once(client, 'connect')
  const [serverSocket] = await accepted
  return [client, serverSocket, () => server.close()]
}
