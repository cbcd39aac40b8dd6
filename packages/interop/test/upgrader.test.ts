/**
 * Interop of the Switchyard upgrade pipeline (transport-tcp + multistream + noise +
 * yamux + upgrader) with a js-libp2p 3 node from npm over real TCP, in both
 * directions, with Switchyard's early muxer negotiation (Noise extensions) on and off.
 * js-libp2p always offers its muxers in the Noise extensions; with ours off the muxer
 * is negotiated with multistream-select.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair as jsGenerateKeyPair } from '@libp2p/crypto/keys'
import { echo as jsEcho } from '@libp2p/echo'
import { peerIdFromString as jsPeerIdFromString } from '@libp2p/peer-id'
import { ping as jsPing } from '@libp2p/ping'
import { tcp as jsTcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import {
  type Connection,
  type Listener,
  type RawConnection,
  readAll,
  type StreamHandler,
  writeAll,
} from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair, peerIdFromPrivateKey, peerIdFromString } from '@switchyard/peer-id'
import { tcp } from '@switchyard/transport-tcp'
import { createUpgrader, type UpgradedConnection } from '@switchyard/upgrader'
import { createYamux } from '@switchyard/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ECHO = '/echo/1.0.0'
const PING = '/ipfs/ping/1.0.0'

/** Writes back everything it reads, with backpressure, then ends. Also the ping responder (32 bytes back). */
const echoHandler: StreamHandler = ({ stream }) => {
  stream.setSink({
    onData(chunk) {
      if (!stream.write(chunk)) {
        stream.pause()
        stream.onceDrain(() => stream.resume())
      }
    },
    onEnd() {
      stream.end()
    },
  })
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed * 7) & 0xff
  return out
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.byteLength === b.byteLength &&
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), b) === 0
  )
}

/** Echo `payload` over a new Switchyard stream, in 64 KiB writes. */
async function switchyardEcho(conn: Connection, payload: Uint8Array): Promise<Uint8Array> {
  const { stream } = await conn.newStream(ECHO)
  const reply = readAll(stream)
  const chunks: Uint8Array[] = []
  for (let i = 0; i < payload.byteLength; i += 65536) chunks.push(payload.subarray(i, i + 65536))
  await writeAll(stream, chunks)
  return reply
}

/** One ping from the Switchyard side: 32 bytes out, the same 32 back. */
async function switchyardPing(conn: Connection): Promise<void> {
  const { stream } = await conn.newStream(PING)
  const payload = pattern(32, 3)
  const reply = new Promise<Uint8Array>((resolve, reject) => {
    const got: Uint8Array[] = []
    let n = 0
    stream.setSink({
      onData(chunk) {
        got.push(chunk)
        n += chunk.byteLength
        if (n >= 32) resolve(Buffer.concat(got))
      },
      onEnd() {
        if (n < 32) reject(new Error('ping stream ended early'))
      },
    })
    stream.onceClosed((err) => err !== undefined && reject(err))
  })
  stream.write(payload)
  expect(same(await reply, payload)).toBe(true)
  stream.end()
}

describe.each([
  ['early muxer negotiation on', true],
  ['early muxer negotiation off', false],
])('upgrader ↔ js-libp2p over TCP, %s', (_name, early) => {
  let js: Libp2p<{ ping: ReturnType<ReturnType<typeof jsPing>>; echo: ReturnType<ReturnType<typeof jsEcho>> }>
  const privateKey = generateKeyPair()
  const localPeer = peerIdFromPrivateKey(privateKey)
  const handlers = new Map<string, StreamHandler>([
    [ECHO, echoHandler],
    [PING, echoHandler],
  ])
  const upgrader = createUpgrader({
    localPeer,
    security: [createNoise({ privateKey })],
    muxers: [createYamux()],
    earlyMuxerNegotiation: early,
    protocols: (p) => handlers.get(p),
  })
  const transport = tcp()
  let listener: Listener
  const inbound: Array<Promise<UpgradedConnection>> = []
  const raws: RawConnection[] = []

  beforeAll(async () => {
    js = await createLibp2p({
      privateKey: await jsGenerateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [jsTcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { ping: jsPing(), echo: jsEcho() },
    })
    listener = await transport.listen(multiaddr('/ip4/127.0.0.1/tcp/0'), {
      onConnection(raw) {
        raws.push(raw)
        inbound.push(upgrader.upgradeInbound(raw))
      },
    })
  })

  afterAll(async () => {
    await listener?.close()
    await js?.stop()
  })

  async function exercise(conn: UpgradedConnection, jsRemote: ReturnType<typeof jsPeerIdFromString>) {
    expect(conn.security).toBe('/noise')
    expect(conn.muxer).toBe('/yamux/1.0.0')
    expect(conn.muxerNegotiation).toBe(early ? 'handshake' : 'multistream')
    // Ping both ways.
    await switchyardPing(conn)
    expect(await js.services.ping.ping(jsRemote)).toBeGreaterThanOrEqual(0)
    // 1 MiB echo both ways.
    const big = pattern(1024 * 1024, 1)
    expect(same(await switchyardEcho(conn, big), big)).toBe(true)
    const back = await js.services.echo.echo(jsRemote, big)
    expect(same(back.subarray(), big)).toBe(true)
    // Concurrent streams both ways.
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) =>
        switchyardEcho(conn, pattern(20_000 + i, i)).then((r) => same(r, pattern(20_000 + i, i))),
      ),
      ...Array.from({ length: 8 }, (_, i) =>
        js.services.echo
          .echo(jsRemote, pattern(30_000 + i, i))
          .then((r) => same(r.subarray(), pattern(30_000 + i, i))),
      ),
    ])
    expect(results.every(Boolean)).toBe(true)
  }

  it('Switchyard dials js-libp2p', async () => {
    const jsAddr = js.getMultiaddrs()[0]!
    const raw = await transport.dial(multiaddr(jsAddr.toString()))
    raws.push(raw)
    const remotePeer = peerIdFromString(js.peerId.toString())
    const conn = await upgrader.upgradeOutbound(raw, { remotePeer })
    expect(conn.direction).toBe('outbound')
    expect(conn.remotePeer.equals(remotePeer)).toBe(true)
    await exercise(conn, jsPeerIdFromString(localPeer.toString()))
    await conn.close()
    expect(conn.state).toBe('closed')
    await new Promise<void>((r) => raw.onceClosed(() => r()))
  })

  it('js-libp2p dials Switchyard', async () => {
    const addr = multiaddr(`${listener.addr.toString()}/p2p/${localPeer.toString()}`)
    const before = inbound.length
    const jsConn = await js.dial(addr)
    expect(jsConn.remotePeer.toString()).toBe(localPeer.toString())
    expect(inbound.length).toBe(before + 1)
    const conn = await inbound[before]!
    expect(conn.direction).toBe('inbound')
    expect(conn.remotePeer.toString()).toBe(js.peerId.toString())
    await exercise(conn, jsPeerIdFromString(localPeer.toString()))
    const closed = new Promise<Error | undefined>((r) => conn.onceClosed(r))
    await jsConn.close()
    await closed
    expect(conn.state).toBe('closed')
  })

  it('leaves no socket open', async () => {
    await Promise.all(raws.map((raw) => new Promise<void>((r) => raw.onceClosed(() => r()))))
    expect(raws.every((r) => r.closed)).toBe(true)
  })
})
