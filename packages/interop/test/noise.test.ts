/**
 * Interop of @switchyard/noise with @chainsafe/libp2p-noise 17 over real TCP
 * sockets (@libp2p/tcp on the js side, @switchyard/transport-tcp on ours), in
 * both roles, with and without early muxer negotiation, moving 64 MiB each way
 * at once with content checks.
 */
import { createHash } from 'node:crypto'
import type { MultiaddrConnection } from '@libp2p/interface'
import { peerIdFromString as jsPeerIdFromString } from '@libp2p/peer-id'
import { type ByteStream, writeAll } from '@switchyard/interface'
import { createNoise, type NoiseSecureResult } from '@switchyard/noise'
import { generateKeyPair, peerIdFromPrivateKey, peerIdFromString } from '@switchyard/peer-id'
import { describe, expect, it } from 'vitest'
import {
  expectedHash,
  jsDial,
  jsListen,
  makeJsPeer,
  ourDial,
  ourListen,
  payloadChunks,
} from './noise-helpers.js'

const TOTAL = 64 * 1024 * 1024
const YAMUX = '/yamux/1.0.0'
const MPLEX = '/mplex/6.7.0'

// biome-ignore lint/suspicious/noExplicitAny: js-libp2p's SecuredConnection, generic over extensions
type JsSecured = any

/** Receives `total` bytes on our channel and resolves with their SHA-256. */
function ourReceive(stream: ByteStream, total: number): Promise<string> {
  const h = createHash('sha256')
  let n = 0
  return new Promise((resolve, reject) => {
    stream.onceClosed((err) => reject(err ?? new Error(`closed after ${n} of ${total} bytes`)))
    stream.setSink({
      onData(chunk) {
        h.update(chunk)
        n += chunk.byteLength
        if (n === total) resolve(h.digest('hex'))
        if (n > total) reject(new Error('too many bytes'))
      },
      onEnd() {
        if (n !== total) reject(new Error(`EOF after ${n} of ${total} bytes`))
      },
    })
  })
}

/** Receives `total` bytes on the js channel and resolves with their SHA-256. */
function jsReceive(conn: JsSecured['connection'], total: number): Promise<string> {
  const h = createHash('sha256')
  let n = 0
  return new Promise((resolve, reject) => {
    conn.addEventListener('close', (evt: { error?: Error }) => {
      if (n !== total) reject(evt.error ?? new Error(`closed after ${n} bytes`))
    })
    conn.addEventListener('message', (evt: { data: Uint8Array | Iterable<Uint8Array> }) => {
      const d = evt.data
      if (d instanceof Uint8Array) {
        h.update(d)
        n += d.byteLength
      } else
        for (const b of d) {
          h.update(b)
          n += b.byteLength
        }
      if (n === total) resolve(h.digest('hex'))
    })
  })
}

async function jsSend(conn: JsSecured['connection'], total: number, seed: number): Promise<void> {
  for (const chunk of payloadChunks(total, seed)) {
    if (!conn.send(chunk)) await conn.onDrain({ signal: AbortSignal.timeout(30_000) })
  }
}

/** Moves TOTAL bytes each way at once and checks both hashes. */
async function transfer(ours: NoiseSecureResult, js: JsSecured): Promise<void> {
  const [gotOurs, gotJs] = await Promise.all([
    ourReceive(ours.stream, TOTAL),
    jsReceive(js.connection, TOTAL),
    writeAll(ours.stream, payloadChunks(TOTAL, 1), { end: false }),
    jsSend(js.connection, TOTAL, 2),
  ])
  expect(gotOurs).toBe(expectedHash(TOTAL, 2))
  expect(gotJs).toBe(expectedHash(TOTAL, 1))
}

async function closeBoth(ours: NoiseSecureResult, js: JsSecured): Promise<void> {
  await js.connection.close()
  ours.stream.destroy()
}

const cases = [
  { name: 'without extensions', ourMuxers: [] as string[], jsMuxers: [] as string[], agreed: undefined },
  { name: 'with the muxer extension', ourMuxers: [YAMUX], jsMuxers: [YAMUX], agreed: YAMUX },
]

describe.each(cases)(
  'noise interop with @chainsafe/libp2p-noise, $name',
  ({ ourMuxers, jsMuxers, agreed }) => {
    it('we dial (initiator), js listens (responder): handshake, peer ids, 64 MiB each way', async () => {
      const key = generateKeyPair()
      const noise = createNoise({ privateKey: key })
      const js = await makeJsPeer(jsMuxers)
      let jsResult!: Promise<JsSecured>
      const listener = await jsListen((maConn: MultiaddrConnection) => {
        jsResult = js.encrypter.secureInbound(maConn)
        return jsResult
      })
      try {
        const raw = await ourDial(listener.port)
        const ours = await noise.secureOutbound(raw, {
          remotePeer: peerIdFromString(js.peerId.toString()),
          muxers: ourMuxers,
        })
        const theirs = await jsResult
        expect(ours.remotePeer.toString()).toBe(js.peerId.toString())
        expect(theirs.remotePeer.toString()).toBe(peerIdFromPrivateKey(key).toString())
        expect(ours.muxer).toBe(agreed)
        expect(theirs.streamMuxer?.protocol).toBe(agreed)
        expect(ours.remoteExtensions.streamMuxers).toEqual(jsMuxers)
        await transfer(ours, theirs)
        await closeBoth(ours, theirs)
      } finally {
        await listener.close()
      }
    })

    it('js dials (initiator), we listen (responder): handshake, peer ids, 64 MiB each way', async () => {
      const key = generateKeyPair()
      const noise = createNoise({ privateKey: key, muxers: ourMuxers })
      const js = await makeJsPeer(jsMuxers)
      let oursP!: Promise<NoiseSecureResult>
      const server = await ourListen((raw) => {
        oursP = noise.secureInbound(raw)
      })
      try {
        const theirs: JsSecured = await jsDial(server.port, (maConn) =>
          js.encrypter.secureOutbound(maConn, {
            remotePeer: jsPeerIdFromString(peerIdFromPrivateKey(key).toString()),
          }),
        )
        const ours = await oursP
        expect(ours.remotePeer.toString()).toBe(js.peerId.toString())
        expect(theirs.remotePeer.toString()).toBe(peerIdFromPrivateKey(key).toString())
        expect(ours.muxer).toBe(agreed)
        expect(theirs.streamMuxer?.protocol).toBe(agreed)
        await transfer(ours, theirs)
        await closeBoth(ours, theirs)
      } finally {
        await server.close()
      }
    })
  },
)

describe('early muxer negotiation with js-libp2p when preferences differ', () => {
  it('as initiator we send only our pick from the js list, so js agrees with us', async () => {
    const noise = createNoise({ privateKey: generateKeyPair() })
    // js prefers mplex, we prefer yamux: the spec says the initiator's preference wins.
    const js = await makeJsPeer([MPLEX, YAMUX])
    let jsResult!: Promise<JsSecured>
    const listener = await jsListen((maConn) => {
      jsResult = js.encrypter.secureInbound(maConn)
      return jsResult
    })
    try {
      const ours = await noise.secureOutbound(await ourDial(listener.port), { muxers: [YAMUX, MPLEX] })
      const theirs = await jsResult
      expect(ours.muxer).toBe(YAMUX)
      expect(theirs.streamMuxer?.protocol).toBe(YAMUX)
      await closeBoth(ours, theirs)
    } finally {
      await listener.close()
    }
  })

  it('as responder we pick from the js initiator list (spec rule); with one common muxer both agree', async () => {
    const noise = createNoise({ privateKey: generateKeyPair(), muxers: [MPLEX, YAMUX] })
    const js = await makeJsPeer([YAMUX])
    let oursP!: Promise<NoiseSecureResult>
    const server = await ourListen((raw) => {
      oursP = noise.secureInbound(raw)
    })
    try {
      const theirs: JsSecured = await jsDial(server.port, (maConn) => js.encrypter.secureOutbound(maConn))
      const ours = await oursP
      expect(ours.muxer).toBe(YAMUX)
      expect(theirs.streamMuxer?.protocol).toBe(YAMUX)
      await closeBoth(ours, theirs)
    } finally {
      await server.close()
    }
  })
})
