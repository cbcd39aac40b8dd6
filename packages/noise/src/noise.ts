/**
 * The `/noise` security protocol (../../shared/specs/libp2p/noise/README.md):
 * `createNoise(init)` returns a `SecurityProtocol` whose `secureOutbound` /
 * `secureInbound` run the XX handshake over a byte stream and return the
 * encrypted channel with the remote peer id, its extensions, and the muxer agreed
 * by early negotiation.
 */
import type { ByteStream, SecureOptions, SecureResult, SecurityProtocol } from '@switchyard/interface'
import type { PeerId, PrivateKey } from '@switchyard/peer-id'
import type { DhKeyPair, DhPublicKey, NoiseCrypto } from './crypto.js'
import { nobleNoiseCrypto } from './crypto-noble.js'
import { nodeNoiseCrypto } from './crypto-node.js'
import { encodeOurPayload, performHandshake } from './handshake.js'
import { staticKeySignedData } from './identity.js'
import { LruCache } from './lru-cache.js'
import type { NoiseExtensions } from './payload.js'
import { SecureChannel, type SecureChannelInit } from './secure-channel.js'

/** Which crypto implementation to use: a name or a custom backend. */
export type NoiseCryptoChoice = 'auto' | 'node' | 'noble' | NoiseCrypto

/** Options of `createNoise`. */
export interface NoiseInit {
  /** The local libp2p identity key; it signs the Noise static key. */
  privateKey: Pick<PrivateKey, 'sign' | 'publicKey'>
  /**
   * Muxers to offer for early negotiation, in preference order, when a call does
   * not pass `muxers` itself. Default none.
   */
  muxers?: readonly string[]
  /** WebTransport certificate hashes to send in the extensions. Default none. */
  webtransportCerthashes?: readonly Uint8Array[]
  /** `'auto'` (default): `node:crypto` where available, else `@noble/*`. */
  crypto?: NoiseCryptoChoice
  /** The handshake fails with `NOISE_HANDSHAKE_TIMEOUT` after this long. Default 10 000 ms. */
  handshakeTimeoutMs?: number
  /** A fixed 32-byte X25519 static secret. Default: a fresh key per `createNoise` (spec: not stored to disk). */
  staticNoiseKey?: Uint8Array
  /** Noise prologue; both sides must use the same. Default empty (libp2p uses none). */
  prologue?: Uint8Array
  /** Read buffer of each channel before it stops its source. Default 64 KiB. */
  readableHighWaterMark?: number
  /** Plaintext a channel queues before `write()` returns `false`. Default 128 KiB. */
  writableHighWaterMark?: number
  /**
   * How many remote identities that verified this instance remembers (least
   * recently used first out), each under the exact bytes of (remote static key,
   * identity key, signature): a later handshake that presents the same three
   * skips decoding and verifying the signature again (deterministic, so as sound as
   * verifying; failures are never remembered). The static keys of those remotes are
   * kept imported too (as many). Default 1024; 0 disables both.
   */
  verifiedIdentityCacheSize?: number
}

/** The defaults of `NoiseInit`. */
export const defaults = {
  muxers: [] as readonly string[],
  crypto: 'auto',
  handshakeTimeoutMs: 10_000,
  readableHighWaterMark: 64 * 1024,
  writableHighWaterMark: 128 * 1024,
  verifiedIdentityCacheSize: 1024,
} as const

/** The result of a Noise handshake: `SecureResult` plus the remote's extensions. */
export interface NoiseSecureResult extends SecureResult {
  /** The encrypted channel; it owns the stream it was built on. */
  stream: SecureChannel
  /** The remote's handshake extensions (verified: only exposed after the signature checked). */
  remoteExtensions: NoiseExtensions
}

/** The `/noise` security protocol with one local identity. */
export interface Noise extends SecurityProtocol {
  readonly protocol: '/noise'
  /** The crypto backend in use (`'node'`, `'noble'` or a custom name). */
  readonly cryptoName: string
  /** This instance's X25519 static public key. */
  readonly staticPublicKey: Uint8Array
  secureOutbound(stream: ByteStream, options?: SecureOptions): Promise<NoiseSecureResult>
  secureInbound(stream: ByteStream, options?: SecureOptions): Promise<NoiseSecureResult>
}

const MAX_CACHED_PAYLOADS = 16

/** Runs `fn` after the current I/O callbacks (`setImmediate` where the runtime has it). */
const defer: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => {
        setImmediate(fn)
      }
    : (fn) => {
        setTimeout(fn, 0)
      }

/** Resolves a crypto choice to a backend. Throws RangeError for `'node'` where it is missing. */
export function resolveNoiseCrypto(choice: NoiseCryptoChoice = 'auto'): NoiseCrypto {
  if (typeof choice === 'object' && choice !== null) return choice
  switch (choice) {
    case 'auto':
      return nodeNoiseCrypto ?? nobleNoiseCrypto
    case 'node':
      if (nodeNoiseCrypto === undefined) throw new RangeError('node:crypto is not available in this runtime')
      return nodeNoiseCrypto
    case 'noble':
      return nobleNoiseCrypto
    default:
      throw new RangeError(`unknown noise crypto ${String(choice)}`)
  }
}

function validate(init: NoiseInit): void {
  if (init === null || typeof init !== 'object') throw new TypeError('createNoise needs an init object')
  const key = init.privateKey
  if (
    key === undefined ||
    typeof key.sign !== 'function' ||
    typeof key.publicKey?.toProtobuf !== 'function'
  ) {
    throw new TypeError('init.privateKey must be a libp2p private key (sign, publicKey.toProtobuf)')
  }
  const t = init.handshakeTimeoutMs
  if (t !== undefined && !(Number.isFinite(t) && t > 0))
    throw new RangeError('handshakeTimeoutMs must be > 0')
  if (init.muxers !== undefined) checkMuxers(init.muxers)
  if (init.staticNoiseKey !== undefined && init.staticNoiseKey.byteLength !== 32) {
    throw new RangeError('staticNoiseKey must be 32 bytes')
  }
  for (const n of [init.readableHighWaterMark, init.writableHighWaterMark]) {
    if (n !== undefined && !(Number.isInteger(n) && n > 0))
      throw new RangeError('high-water marks must be > 0')
  }
  const c = init.verifiedIdentityCacheSize
  if (c !== undefined && !(Number.isInteger(c) && c >= 0))
    throw new RangeError('verifiedIdentityCacheSize must be an integer >= 0')
}

function checkMuxers(muxers: readonly string[]): void {
  if (!Array.isArray(muxers) || muxers.some((m) => typeof m !== 'string' || m.length === 0)) {
    throw new TypeError('muxers must be an array of non-empty protocol ids')
  }
}

/** Creates the `/noise` security protocol for one identity. */
export function createNoise(init: NoiseInit): Noise {
  validate(init)
  const crypto = resolveNoiseCrypto(init.crypto ?? defaults.crypto)
  const staticKeyPair: DhKeyPair =
    init.staticNoiseKey !== undefined
      ? crypto.keyPairFromSecret(init.staticNoiseKey)
      : crypto.generateKeyPair()
  // The static key is fixed per instance, so the identity signature over it is
  // computed once, not per handshake (libp2p noise spec §Static Key Authentication).
  const identityKey = init.privateKey.publicKey.toProtobuf()
  const identitySig = init.privateKey.sign(staticKeySignedData(staticKeyPair.publicKey))
  const timeoutMs = init.handshakeTimeoutMs ?? defaults.handshakeTimeoutMs
  // Our payload depends only on the muxer list sent: encode each list once
  // (a few entries: the configured list and the one muxer an initiator picks).
  const payloads = new Map<string, Uint8Array>()
  const payloadFor = (muxers: readonly string[]): Uint8Array => {
    // One muxer (what an initiator sends) keys as '1' + id; JSON keys start with '['.
    const k = muxers.length === 1 ? `1${muxers[0]}` : JSON.stringify(muxers)
    let p = payloads.get(k)
    if (p === undefined) {
      p = encodeOurPayload(
        { identityKey, identitySig, webtransportCerthashes: init.webtransportCerthashes },
        muxers,
      )
      if (payloads.size < MAX_CACHED_PAYLOADS) payloads.set(k, p)
    }
    return p
  }
  // Per instance, never global: what one identity verified is not shared with another.
  const cacheSize = init.verifiedIdentityCacheSize ?? defaults.verifiedIdentityCacheSize
  const identityCache = cacheSize > 0 ? new LruCache<PeerId>(cacheSize) : undefined
  const remoteStaticKeys = cacheSize > 0 ? new LruCache<DhPublicKey>(cacheSize) : undefined
  const channelInit: SecureChannelInit = {
    readableHighWaterMark: init.readableHighWaterMark ?? defaults.readableHighWaterMark,
    writableHighWaterMark: init.writableHighWaterMark ?? defaults.writableHighWaterMark,
  }

  // Ephemeral keys made ahead: generating an X25519 key pair (~60–80 µs with node:crypto)
  // moves off the handshake's critical path into the wait for the remote's next message.
  // Only from this instance's second handshake on (a node that handshakes once never holds
  // a spare), one spare at most, each used by one handshake and dropped when taken.
  let handshakes = 0
  let spare: DhKeyPair | undefined
  let refilling = false
  const refill = () => {
    refilling = false
    spare ??= crypto.generateKeyPair()
  }
  const takeEphemeral = (): DhKeyPair | undefined => {
    const e = spare
    spare = undefined
    if (++handshakes >= 2 && !refilling) {
      refilling = true
      defer(refill)
    }
    return e
  }

  const secure = async (stream: ByteStream, initiator: boolean, options: SecureOptions = {}) => {
    if (options.muxers !== undefined) checkMuxers(options.muxers)
    const ephemeralKeyPair = takeEphemeral()
    const result = await performHandshake(stream, {
      crypto,
      initiator,
      staticKeyPair,
      identityKey,
      identitySig,
      muxers: options.muxers ?? init.muxers ?? defaults.muxers,
      payloadFor,
      ...(init.webtransportCerthashes !== undefined
        ? { webtransportCerthashes: init.webtransportCerthashes }
        : {}),
      remotePeer: options.remotePeer,
      ...(init.prologue !== undefined ? { prologue: init.prologue } : {}),
      timeoutMs,
      signal: options.signal,
      identityCache,
      remoteStaticKeys,
      ...(ephemeralKeyPair === undefined ? {} : { ephemeralKeyPair }),
    })
    const channel = new SecureChannel(
      stream,
      { send: result.keys.send, recv: result.keys.recv, decoder: result.decoder },
      channelInit,
    )
    return {
      stream: channel,
      remotePeer: result.remotePeer,
      muxer: result.muxer,
      remoteExtensions: result.remoteExtensions,
    } satisfies NoiseSecureResult
  }

  return {
    protocol: '/noise',
    cryptoName: crypto.name,
    staticPublicKey: staticKeyPair.publicKey,
    secureOutbound: (stream, options) => secure(stream, true, options),
    secureInbound: (stream, options) => secure(stream, false, options),
  }
}
