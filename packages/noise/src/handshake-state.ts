/**
 * Noise HandshakeState (Noise spec §5.3) for the one pattern libp2p uses, XX
 * (§7.5), with no pre-messages:
 *
 *   -> e
 *   <- e, ee, s, es
 *   -> s, se
 *
 * Remote public keys are imported into the crypto backend once, when they are
 * read, and reused for every DH they take part in.
 */
import { concat } from '@switchyard/interface'
import type { CipherState } from './cipher-state.js'
import { TAG_LENGTH } from './cipher-state.js'
import type { DhKeyPair, DhPublicKey, NoiseCrypto } from './crypto.js'
import { NoiseError } from './errors.js'
import { bytesKey, type LruCache } from './lru-cache.js'
import { SymmetricState } from './symmetric-state.js'

/** The Noise protocol name libp2p mandates (libp2p noise spec §Noise Protocol Name). */
export const PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_SHA256'
const DHLEN = 32

const EMPTY = new Uint8Array(0)
const EMPTY_PROLOGUE_STATE = new WeakMap<NoiseCrypto, { ck: Uint8Array; h: Uint8Array }>()

type Token = 'e' | 's' | 'ee' | 'es' | 'se'
const XX: readonly (readonly Token[])[] = [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']]

/** Options of an XX handshake. */
export interface XXHandshakeInit {
  crypto: NoiseCrypto
  initiator: boolean
  /** Bytes both sides must agree on (§6); libp2p uses none. */
  prologue?: Uint8Array
  /** The local static key pair. */
  staticKeyPair: DhKeyPair
  /** A fixed ephemeral key pair (test vectors only); default a fresh one. */
  ephemeralKeyPair?: DhKeyPair
  /**
   * Remote static keys already imported into `crypto`, by their bytes: one found
   * here is used instead of importing it again. Entries are added only by
   * `rememberRemoteStatic()`, which the driver calls once the remote proved it owns
   * the key (its identity signature verified).
   */
  remoteStaticKeys?: LruCache<DhPublicKey> | undefined
}

/** The result of a completed handshake: one CipherState per direction. */
export interface TransportKeys {
  send: CipherState
  recv: CipherState
  /** The handshake hash (§11.2 channel binding). */
  handshakeHash: Uint8Array
}

/** A Noise XX HandshakeState. Messages alternate; each side calls write/read in turn. */
export class XXHandshakeState {
  readonly initiator: boolean
  readonly #crypto: NoiseCrypto
  readonly #ss: SymmetricState
  readonly #s: DhKeyPair
  #e: DhKeyPair | undefined
  #re: DhPublicKey | undefined
  #rs: DhPublicKey | undefined
  // The cache key of a remote static key that was imported, not found, in
  // `#staticKeys` (and so may be added to it).
  #rsKey: string | undefined
  readonly #staticKeys: LruCache<DhPublicKey> | undefined
  #step = 0

  constructor(init: XXHandshakeInit) {
    this.initiator = init.initiator
    this.#crypto = init.crypto
    this.#s = init.staticKeyPair
    this.#e = init.ephemeralKeyPair
    this.#staticKeys = init.remoteStaticKeys
    if (init.prologue === undefined || init.prologue.byteLength === 0) {
      // With the empty prologue libp2p uses, `ck` and `h` after
      // InitializeSymmetric and MixHash(prologue) are constants: computed once
      // per backend (they are never written, only replaced).
      let start = EMPTY_PROLOGUE_STATE.get(init.crypto)
      if (start === undefined) {
        const ss = new SymmetricState(init.crypto, PROTOCOL_NAME)
        ss.mixHash(EMPTY)
        start = ss.save()
        EMPTY_PROLOGUE_STATE.set(init.crypto, start)
      }
      this.#ss = new SymmetricState(init.crypto, start)
    } else {
      this.#ss = new SymmetricState(init.crypto, PROTOCOL_NAME)
      this.#ss.mixHash(init.prologue)
    }
  }

  /** True after the third message. */
  get complete(): boolean {
    return this.#step === XX.length
  }

  /** The remote static public key (after it was read), raw 32 bytes. */
  get remoteStaticKey(): Uint8Array | undefined {
    return this.#rs?.bytes
  }

  /** The current handshake hash. */
  get handshakeHash(): Uint8Array {
    return this.#ss.handshakeHash
  }

  /** `WriteMessage(payload)`: the next handshake message (fresh buffer). */
  writeMessage(payload: Uint8Array): Uint8Array {
    const tokens = this.#ourTurn(true)
    const ss = this.#ss
    const parts: Uint8Array[] = []
    for (const token of tokens) {
      switch (token) {
        case 'e': {
          this.#e ??= this.#crypto.generateKeyPair()
          parts.push(this.#e.publicKey)
          ss.mixHash(this.#e.publicKey)
          break
        }
        case 's':
          parts.push(ss.encryptAndHash(this.#s.publicKey))
          break
        default:
          ss.mixKey(this.#dh(token))
      }
    }
    parts.push(ss.encryptAndHash(payload))
    this.#step++
    return concat(parts)
  }

  /**
   * `ReadMessage(message)`: processes the remote's next message and returns its
   * payload (fresh, or a view of `message` before any key exists).
   */
  readMessage(message: Uint8Array): Uint8Array {
    const tokens = this.#ourTurn(false)
    const ss = this.#ss
    let offset = 0
    const take = (n: number): Uint8Array => {
      if (message.byteLength - offset < n) {
        throw new NoiseError(
          'NOISE_BAD_HANDSHAKE_MESSAGE',
          `handshake message ${this.#step + 1} is too short`,
        )
      }
      const part = message.subarray(offset, offset + n)
      offset += n
      return part
    }
    for (const token of tokens) {
      switch (token) {
        case 'e': {
          const re = copy(take(DHLEN))
          ss.mixHash(re)
          this.#re = this.#crypto.importPublicKey(re)
          break
        }
        case 's': {
          const n = DHLEN + (ss.cipherState.hasKey() ? TAG_LENGTH : 0)
          const rs = ss.decryptAndHash(take(n))
          this.#rs = this.#importRemoteStatic(rs)
          break
        }
        default:
          ss.mixKey(this.#dh(token))
      }
    }
    if (ss.cipherState.hasKey() && message.byteLength - offset < TAG_LENGTH) {
      throw new NoiseError('NOISE_BAD_HANDSHAKE_MESSAGE', `handshake message ${this.#step + 1} is too short`)
    }
    const payload = ss.decryptAndHash(message.subarray(offset))
    this.#step++
    return payload
  }

  /**
   * `Split()` after the last message: the initiator sends with the first
   * CipherState and receives with the second; the responder the other way round.
   */
  split(): TransportKeys {
    if (!this.complete) throw new Error('split() before the handshake completed')
    const [c1, c2] = this.#ss.split()
    return this.initiator
      ? { send: c1, recv: c2, handshakeHash: this.#ss.handshakeHash }
      : { send: c2, recv: c1, handshakeHash: this.#ss.handshakeHash }
  }

  /**
   * Adds the remote static key to `remoteStaticKeys` (if it was imported in this
   * handshake). Call only once the remote authenticated it.
   */
  rememberRemoteStatic(): void {
    if (this.#rsKey !== undefined && this.#rs !== undefined) this.#staticKeys!.set(this.#rsKey, this.#rs)
    this.#rsKey = undefined
  }

  #importRemoteStatic(bytes: Uint8Array): DhPublicKey {
    const cache = this.#staticKeys
    if (cache === undefined || cache.maxEntries === 0) return this.#crypto.importPublicKey(copy(bytes))
    const key = bytesKey(bytes)
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    this.#rsKey = key
    return this.#crypto.importPublicKey(copy(bytes))
  }

  #ourTurn(writing: boolean): readonly Token[] {
    const tokens = XX[this.#step]
    if (tokens === undefined) throw new Error('the handshake is already complete')
    const initiatorWrites = this.#step % 2 === 0
    if (writing !== (initiatorWrites === this.initiator)) {
      throw new Error(`not this side's turn to ${writing ? 'write' : 'read'}`)
    }
    return tokens
  }

  #dh(token: 'ee' | 'es' | 'se'): Uint8Array {
    // §7.5 token semantics: "es" is DH(e of initiator, s of responder), "se" the reverse.
    const crypto = this.#crypto
    switch (token) {
      case 'ee':
        return crypto.dh(this.#e!, this.#re!)
      case 'es':
        return this.initiator ? crypto.dh(this.#e!, this.#rs!) : crypto.dh(this.#s, this.#re!)
      case 'se':
        return this.initiator ? crypto.dh(this.#s, this.#re!) : crypto.dh(this.#e!, this.#rs!)
    }
  }
}

/** A plain `Uint8Array` copy (`Buffer#slice` would return a view). */
function copy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength)
  out.set(bytes)
  return out
}
