/**
 * Runs the libp2p XX handshake (libp2p noise spec §Handshake Pattern, §Encryption
 * and I/O) over a `ByteStream`, synchronously in the stream's sink: every message
 * is processed and answered as soon as its frame is complete, and the one promise
 * settles when the handshake is over.
 *
 *   initiator                      responder
 *   -> e                                                     (message 1, no payload)
 *   <- e, ee, s, es, payload(identity, sig, our muxers)      (message 2)
 *   -> s, se, payload(identity, sig, chosen muxer)           (message 3)
 *
 * On any failure (bad message, bad signature, unexpected peer, timeout, abort, the
 * remote closing) the stream is destroyed and the promise rejects: a stalled peer
 * holds no timer, listener or buffer afterwards. Early data from the remote is
 * exposed only after its signature verified (§libp2p Data in Handshake Messages).
 */
import type { PeerId as AnyPeerId, ByteStream } from '@switchyard/interface'
import type { PeerId } from '@switchyard/peer-id'
import type { DhKeyPair, DhPublicKey, NoiseCrypto } from './crypto.js'
import { chooseAsInitiator, chooseAsResponder } from './early-muxer.js'
import { NoiseError } from './errors.js'
import { FrameDecoder, MAX_FRAME_BYTES } from './frame-decoder.js'
import { type TransportKeys, XXHandshakeState } from './handshake-state.js'
import { verifyIdentity } from './identity.js'
import type { LruCache } from './lru-cache.js'
import { decodePayload, encodePayload, type NoiseExtensions } from './payload.js'

/** What one handshake needs. */
export interface HandshakeInit {
  crypto: NoiseCrypto
  initiator: boolean
  staticKeyPair: DhKeyPair
  /** Our identity key, as a libp2p `PublicKey` protobuf. */
  identityKey: Uint8Array
  /** Our signature over `"noise-libp2p-static-key:" ‖ static key`. */
  identitySig: Uint8Array
  /** Muxers to offer, in preference order (empty: no early negotiation). */
  muxers: readonly string[]
  /** Extra WebTransport certificate hashes to send. */
  webtransportCerthashes?: readonly Uint8Array[]
  /**
   * Our encoded payload for a muxer list (identity key, signature, extensions);
   * default: encoded per message. `createNoise` passes one that reuses encodings.
   */
  payloadFor?: (muxers: readonly string[]) => Uint8Array
  /** The peer we expect (a mismatch is `NOISE_UNEXPECTED_PEER`). */
  remotePeer?: AnyPeerId | undefined
  prologue?: Uint8Array
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** The ephemeral key pair to use (made ahead, or fixed by test vectors); default a fresh one. Used once. */
  ephemeralKeyPair?: DhKeyPair
  /** Verified remote identities (see `verifyIdentity`); default none. */
  identityCache?: LruCache<PeerId> | undefined
  /** Imported static keys of remotes that authenticated; default none. */
  remoteStaticKeys?: LruCache<DhPublicKey> | undefined
}

/** The outcome of a handshake. */
export interface HandshakeResult {
  keys: TransportKeys
  /** Bytes that arrived after the last handshake message. */
  decoder: FrameDecoder
  remotePeer: PeerId
  remoteExtensions: NoiseExtensions
  muxer: string | undefined
}

const EMPTY = new Uint8Array(0)

/** Performs the handshake; on failure destroys `stream` and rejects with the reason. */
export function performHandshake(stream: ByteStream, init: HandshakeInit): Promise<HandshakeResult> {
  const signal = init.signal
  if (signal?.aborted === true) {
    stream.destroy(signal.reason instanceof Error ? signal.reason : undefined)
    return Promise.reject(signal.reason)
  }
  return new Promise<HandshakeResult>((resolve, reject) => {
    const hs = new XXHandshakeState({
      crypto: init.crypto,
      initiator: init.initiator,
      staticKeyPair: init.staticKeyPair,
      ...(init.prologue !== undefined ? { prologue: init.prologue } : {}),
      ...(init.ephemeralKeyPair !== undefined ? { ephemeralKeyPair: init.ephemeralKeyPair } : {}),
      remoteStaticKeys: init.remoteStaticKeys,
    })
    const decoder = new FrameDecoder()
    let settled = false
    let remotePeer: PeerId | undefined
    let remoteExtensions: NoiseExtensions = { webtransportCerthashes: [], streamMuxers: [] }

    const cleanup = () => {
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      offClosed()
    }
    const fail = (err: unknown, reason: unknown = err) => {
      if (settled) return
      cleanup()
      decoder.clear()
      stream.setSink(null)
      stream.destroy(err instanceof Error ? err : undefined)
      reject(reason)
    }
    const onAbort = () => fail(signal!.reason)
    const timer = setTimeout(
      () => fail(new NoiseError('NOISE_HANDSHAKE_TIMEOUT', `the handshake took over ${init.timeoutMs} ms`)),
      init.timeoutMs,
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    const offClosed = stream.onceClosed((err) =>
      fail(new NoiseError('NOISE_TRUNCATED', 'the connection closed during the handshake', { cause: err })),
    )

    const send = (message: Uint8Array) => {
      if (message.byteLength > MAX_FRAME_BYTES) {
        throw new RangeError(`a handshake message of ${message.byteLength} bytes does not fit a frame`)
      }
      const frame = new Uint8Array(2 + message.byteLength)
      frame[0] = message.byteLength >> 8
      frame[1] = message.byteLength & 0xff
      frame.set(message, 2)
      stream.write(frame)
    }
    const payload = init.payloadFor ?? ((muxers: readonly string[]) => encodeOurPayload(init, muxers))
    // Reads the remote's signed payload; stores its peer id and extensions.
    const authenticate = (plaintext: Uint8Array) => {
      const p = decodePayload(plaintext)
      const peer = verifyIdentity(p.identityKey, p.identitySig, hs.remoteStaticKey!, init.identityCache)
      if (init.remotePeer !== undefined && !init.remotePeer.equals(peer)) {
        throw new NoiseError(
          'NOISE_UNEXPECTED_PEER',
          `expected peer ${init.remotePeer.toString()}, the remote is ${peer.toString()}`,
        )
      }
      remotePeer = peer
      hs.rememberRemoteStatic()
      if (p.extensions !== undefined) remoteExtensions = p.extensions
    }
    const complete = (muxer: string | undefined) => {
      cleanup()
      stream.setSink(null)
      resolve({ keys: hs.split(), decoder, remotePeer: remotePeer!, remoteExtensions, muxer })
    }

    // One step per received handshake message; `step` counts messages received.
    let step = 0
    const onMessage = (message: Uint8Array) => {
      if (init.initiator) {
        // Message 2: authenticate the responder before revealing our identity.
        authenticate(hs.readMessage(message))
        const choice = chooseAsInitiator(init.muxers, remoteExtensions.streamMuxers)
        send(hs.writeMessage(payload(choice.send)))
        if (choice.noCommon) throw noCommonMuxer(init.muxers, remoteExtensions.streamMuxers)
        complete(choice.agreed)
      } else if (step === 0) {
        // Message 1: the initiator must not send extensions here (§The libp2p
        // Handshake Payload); any payload is ignored.
        hs.readMessage(message)
        send(hs.writeMessage(payload(init.muxers)))
      } else {
        authenticate(hs.readMessage(message))
        const choice = chooseAsResponder(init.muxers, remoteExtensions.streamMuxers)
        if (choice.noCommon) throw noCommonMuxer(init.muxers, remoteExtensions.streamMuxers)
        complete(choice.agreed)
      }
      step++
    }

    stream.setSink({
      onData(chunk) {
        if (settled) return
        decoder.push(chunk)
        try {
          // Stop at completion: later frames belong to the secure channel.
          while (!settled) {
            const m = decoder.next()
            if (m === undefined) break
            onMessage(m)
          }
        } catch (err) {
          fail(err)
        }
      },
      onEnd() {
        fail(new NoiseError('NOISE_TRUNCATED', 'the remote closed the connection during the handshake'))
      },
    })
    stream.resume()

    if (init.initiator) {
      try {
        // Message 1 carries no payload (libp2p noise spec §XX).
        send(hs.writeMessage(EMPTY))
      } catch (err) {
        fail(err)
      }
    }
  })
}

/** Our handshake payload: identity key, its signature, and the extensions. */
export function encodeOurPayload(
  init: Pick<HandshakeInit, 'identityKey' | 'identitySig' | 'webtransportCerthashes'>,
  muxers: readonly string[],
): Uint8Array {
  return encodePayload({
    identityKey: init.identityKey,
    identitySig: init.identitySig,
    extensions: {
      webtransportCerthashes: [...(init.webtransportCerthashes ?? [])],
      streamMuxers: [...muxers],
    },
  })
}

function noCommonMuxer(ours: readonly string[], theirs: readonly string[]): NoiseError {
  return new NoiseError(
    'NOISE_NO_COMMON_MUXER',
    `no common muxer: we offered ${JSON.stringify(ours)}, the remote ${JSON.stringify(theirs)}`,
  )
}
