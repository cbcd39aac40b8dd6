/**
 * Interop of the Switchyard switch (listen/dial flows, openStream/handle, events)
 * with a js-libp2p 3 node from npm over real TCP, in both directions.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair as jsGenerateKeyPair } from '@libp2p/crypto/keys'
import { echo as jsEcho } from '@libp2p/echo'
import { peerIdFromString as jsPeerIdFromString } from '@libp2p/peer-id'
import { ping as jsPing } from '@libp2p/ping'
import { tcp as jsTcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { readAll, type StreamHandler, SwitchyardError, writeAll } from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair, peerIdFromPrivateKey, peerIdFromString } from '@switchyard/peer-id'
import { createResourceManager } from '@switchyard/resource-scopes'
import { createSwitch, type Switch, type SwitchEvent } from '@switchyard/switch'
import { tcp } from '@switchyard/transport-tcp'
import { createYamux } from '@switchyard/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

const ECHO = '/echo/1.0.0'
const PING = '/ipfs/ping/1.0.0'

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

describe('switch ↔ js-libp2p', () => {
  let js: Libp2p<{ ping: ReturnType<ReturnType<typeof jsPing>>; echo: ReturnType<ReturnType<typeof jsEcho>> }>
  let sw: Switch
  const rm = createResourceManager()
  const privateKey = generateKeyPair()
  const localPeer = peerIdFromPrivateKey(privateKey)
  const events: SwitchEvent[] = []

  beforeAll(async () => {
    js = await createLibp2p({
      privateKey: await jsGenerateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [jsTcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { ping: jsPing(), echo: jsEcho() },
    })
    sw = createSwitch({
      peerId: localPeer,
      transports: [tcp()],
      security: [createNoise({ privateKey })],
      muxers: [createYamux()],
      resourceManager: rm,
      goodbyeTimeoutMs: 2_000,
    })
    sw.handle(ECHO, echoHandler)
    sw.handle(PING, echoHandler)
    for (const type of ['connected', 'disconnected', 'stream:opened', 'stream:closed'] as const) {
      sw.on(type, (e: SwitchEvent) => events.push(e))
    }
    await sw.listen('/ip4/127.0.0.1/tcp/0')
  })

  afterAll(async () => {
    await sw?.close()
    await js?.stop()
  })

  it('the switch dials js-libp2p and opens echo and ping streams through openStream', async () => {
    const jsAddr = multiaddr(js.getMultiaddrs()[0]!.toString())
    const jsPeer = peerIdFromString(js.peerId.toString())
    const ps = await sw.openStream(jsAddr, ECHO)
    expect(ps.protocol).toBe(ECHO)
    const big = pattern(512 * 1024, 1)
    const reply = readAll(ps.stream)
    const chunks: Uint8Array[] = []
    for (let i = 0; i < big.byteLength; i += 65536) chunks.push(big.subarray(i, i + 65536))
    await writeAll(ps.stream, chunks)
    ps.stream.end()
    expect(same(await reply, big)).toBe(true)

    // Reuse: ping rides the same connection.
    const ping = await sw.openStream(jsPeer, PING)
    const pong = readAll(ping.stream)
    await writeAll(ping.stream, [pattern(32, 2)])
    ping.stream.end()
    expect(same(await pong, pattern(32, 2))).toBe(true)
    expect(sw.connections(jsPeer)).toHaveLength(1)
    expect(sw.connections(jsPeer)[0]!.direction).toBe('outbound')

    // js-libp2p answers `na` to a protocol it does not have.
    const err = await sw.openStream(jsPeer, '/nope/1.0.0').catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'SWITCH_PROTOCOL_NOT_SUPPORTED')).toBe(true)
    expect(sw.peerstore.protocols(jsPeer)).toEqual(expect.arrayContaining([ECHO, PING]))

    await sw.hangUp(jsPeer)
    expect(sw.connections(jsPeer)).toHaveLength(0)
    const types = events.filter((e) => 'peer' in e && e.peer.equals(jsPeer)).map((e) => e.type)
    expect(types[0]).toBe('connected')
    expect(types.at(-1)).toBe('disconnected')
  })

  it('js-libp2p dials the switch and reaches its handlers', async () => {
    const addr = multiaddr(`${sw.listenAddrs[0]!.toString()}/p2p/${localPeer.toString()}`)
    const remote = jsPeerIdFromString(localPeer.toString())
    // Wait until js-libp2p has dropped the connection the previous test hung up.
    await vi.waitFor(() => expect(js.getConnections(remote)).toHaveLength(0), { timeout: 5_000 })
    const jsConn = await js.dial(addr)
    expect(jsConn.remotePeer.toString()).toBe(localPeer.toString())
    const payload = pattern(200_000, 3)
    const back = await js.services.echo.echo(remote, payload)
    expect(same(back.subarray(), payload)).toBe(true)
    expect(await js.services.ping.ping(remote)).toBeGreaterThanOrEqual(0)
    const jsPeer = peerIdFromString(js.peerId.toString())
    const conns = sw.connections(jsPeer)
    expect(conns).toHaveLength(1)
    expect(conns[0]!.direction).toBe('inbound')
    const opened = events.filter((e) => e.type === 'stream:opened' && e.stream.direction === 'inbound')
    expect(opened.map((e) => (e.type === 'stream:opened' ? e.stream.protocol : ''))).toEqual(
      expect.arrayContaining([ECHO, PING]),
    )
    const closed = new Promise<void>((resolve) => {
      const off = sw.on('disconnected', (e) => {
        if (e.peer.equals(jsPeer)) {
          off()
          resolve()
        }
      })
    })
    await jsConn.close()
    await closed
    expect(sw.connections()).toHaveLength(0)
  })

  it('close releases every resource scope', async () => {
    await sw.close()
    const s = rm.stat()
    expect(s.connections).toBe(0)
    expect(s.system.usage).toMatchObject({
      connsInbound: 0,
      connsOutbound: 0,
      streamsInbound: 0,
      streamsOutbound: 0,
      fd: 0,
    })
  })
})
