/**
 * Helpers of the noise interop tests: a js-libp2p noise encrypter built from its
 * public factory, @libp2p/tcp connections captured through a stub upgrader, and
 * our side over real `net` sockets through @switchyard/transport-tcp.
 */
import { createHash } from 'node:crypto'
import net from 'node:net'
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { generateKeyPair as jsGenerateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey as JsPrivateKey, MultiaddrConnection } from '@libp2p/interface'
import { peerIdFromPrivateKey as jsPeerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import type { ByteStream } from '@switchyard/interface'
import { socketToConnection } from '@switchyard/transport-tcp'

/** A logger that drops everything (js-libp2p components need one). */
type Log = ((...args: unknown[]) => void) & Record<string, unknown>
const log: Log = Object.assign(() => {}, {
  enabled: false,
  trace: () => {},
  error: () => {},
  newScope: () => log,
}) as unknown as Log
export const logger = { forComponent: () => log }

export interface JsPeer {
  privateKey: JsPrivateKey
  peerId: ReturnType<typeof jsPeerIdFromPrivateKey>
  // biome-ignore lint/suspicious/noExplicitAny: the js-libp2p encrypter type is generic over its extensions
  encrypter: any
}

/** A js-libp2p noise encrypter whose upgrader lists `muxers`. */
export async function makeJsPeer(muxers: string[]): Promise<JsPeer> {
  const privateKey = await jsGenerateKeyPair('Ed25519')
  const peerId = jsPeerIdFromPrivateKey(privateKey)
  const upgrader = { getStreamMuxers: () => new Map(muxers.map((m) => [m, { protocol: m }])) }
  const encrypter = jsNoise()({ peerId, privateKey, logger, upgrader } as never)
  return { privateKey, peerId, encrypter }
}

/** A js-libp2p TCP listener whose inbound connections go to `onConn` (its "upgrade"). */
export async function jsListen(onConn: (maConn: MultiaddrConnection) => Promise<unknown>) {
  const transport = tcp()({ logger } as never)
  const listener = transport.createListener({
    upgrader: { upgradeInbound: (maConn: MultiaddrConnection) => onConn(maConn) },
  } as never)
  await listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0'))
  const addr = listener.getAddrs()[0]!
  const port = Number(/\/tcp\/(\d+)/.exec(addr.toString())![1])
  return { port, close: () => listener.close() }
}

/** Dials our server from js-libp2p TCP; `onConn` runs as the outbound "upgrade". */
export async function jsDial<T>(
  port: number,
  onConn: (maConn: MultiaddrConnection) => Promise<T>,
): Promise<T> {
  const transport = tcp()({ logger } as never)
  return (await transport.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}`), {
    upgrader: { upgradeOutbound: (maConn: MultiaddrConnection) => onConn(maConn) },
    // Not AbortSignal.timeout(): @libp2p/tcp ties the dial signal to the socket's whole life.
    signal: new AbortController().signal,
  } as never)) as T
}

/** Our TCP server: every accepted socket becomes a ByteStream for `onConn`. */
export async function ourListen(onConn: (stream: ByteStream) => void) {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
    onConn(socketToConnection(socket)),
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) }
}

/** Our outbound TCP connection as a ByteStream. */
export function ourDial(port: number): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true })
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(socketToConnection(socket))
    })
  })
}

/**
 * A deterministic stream of `total` bytes in 1 MiB chunks: each chunk is a fixed
 * pseudo-random block with its index stamped in, so a lost, repeated or reordered
 * chunk changes the hash.
 */
export function* payloadChunks(total: number, seed: number): Generator<Uint8Array> {
  const block = new Uint8Array(1024 * 1024)
  let x = seed >>> 0 || 1
  for (let i = 0; i < block.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    block[i] = x & 0xff
  }
  for (let sent = 0, i = 0; sent < total; i++) {
    const n = Math.min(block.length, total - sent)
    const chunk = block.slice(0, n)
    new DataView(chunk.buffer).setUint32(0, i)
    sent += n
    yield chunk
  }
}

/** SHA-256 of what `payloadChunks(total, seed)` yields. */
export function expectedHash(total: number, seed: number): string {
  const h = createHash('sha256')
  for (const c of payloadChunks(total, seed)) h.update(c)
  return h.digest('hex')
}
