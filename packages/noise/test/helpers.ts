/** Shared helpers of the noise tests: identities, connected handshakes. */
import type { ByteStream } from '@switchyard/interface'
import { generateKeyPair, type PrivateKey, peerIdFromPrivateKey } from '@switchyard/peer-id'
import { type DuplexPairInit, duplexPair } from '@switchyard/testkit'
import { createNoise, type Noise, type NoiseInit, type NoiseSecureResult } from '../src/index.js'

export interface Peer {
  key: PrivateKey
  noise: Noise
  peerId: ReturnType<typeof peerIdFromPrivateKey>
}

export function makePeer(init: Partial<NoiseInit> = {}): Peer {
  const key = init.privateKey ?? generateKeyPair()
  return {
    key: key as PrivateKey,
    noise: createNoise({ ...init, privateKey: key }),
    peerId: peerIdFromPrivateKey(key as PrivateKey),
  }
}

export interface Secured {
  client: NoiseSecureResult
  server: NoiseSecureResult
  rawClient: ByteStream
  rawServer: ByteStream
}

/** Runs both sides of a handshake over a fresh in-memory pair. */
export async function securePair(
  initiator: Peer,
  responder: Peer,
  opts: {
    pair?: DuplexPairInit
    clientMuxers?: string[]
    serverMuxers?: string[]
    expectPeer?: boolean
  } = {},
): Promise<Secured> {
  const [a, b] = duplexPair(opts.pair ?? {})
  const [client, server] = await Promise.all([
    initiator.noise.secureOutbound(a, {
      ...(opts.expectPeer !== false ? { remotePeer: responder.peerId } : {}),
      ...(opts.clientMuxers !== undefined ? { muxers: opts.clientMuxers } : {}),
    }),
    responder.noise.secureInbound(b, opts.serverMuxers !== undefined ? { muxers: opts.serverMuxers } : {}),
  ])
  return { client, server, rawClient: a, rawServer: b }
}

/** Catches the rejection of `p` (or the throw of `fn`). */
export async function caught(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    return err
  }
  throw new Error('expected a failure')
}

/** Frames `body` with the 2-byte big-endian length. */
export function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.byteLength)
  out[0] = body.byteLength >> 8
  out[1] = body.byteLength & 0xff
  out.set(body, 2)
  return out
}
