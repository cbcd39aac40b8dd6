/**
 * A raw Noise peer for adversarial tests: it drives `XXHandshakeState` by hand
 * over one end of a duplex pair, so a test can send any payload, any frame, or
 * stop at any point.
 */
import type { MemoryStream } from '@switchyard/testkit'
import {
  type CipherState,
  type DhKeyPair,
  encodePayload,
  FrameDecoder,
  type NoiseCrypto,
  nodeNoiseCrypto,
  staticKeySignedData,
  XXHandshakeState,
} from '../src/index.js'
import { frame } from './helpers.js'

/** Who the attacker claims to be: a protobuf identity key and a signer. */
export interface Identity {
  identityKey: Uint8Array
  sign(data: Uint8Array): Uint8Array
}

export class RawPeer {
  readonly decoder = new FrameDecoder()
  readonly hs: XXHandshakeState
  readonly crypto: NoiseCrypto
  readonly staticKeyPair: DhKeyPair
  ended = false
  #wake: (() => void) | undefined
  send?: CipherState
  recv?: CipherState

  constructor(
    readonly stream: MemoryStream,
    initiator: boolean,
    crypto: NoiseCrypto = nodeNoiseCrypto!,
  ) {
    this.crypto = crypto
    this.staticKeyPair = crypto.generateKeyPair()
    this.hs = new XXHandshakeState({ crypto, initiator, staticKeyPair: this.staticKeyPair })
    stream.setSink({
      onData: (c) => {
        this.decoder.push(c)
        this.#wake?.()
      },
      onEnd: () => {
        this.ended = true
        this.#wake?.()
      },
    })
  }

  /** The next frame from the victim. */
  async readFrame(): Promise<Uint8Array> {
    for (;;) {
      const f = this.decoder.next()
      if (f !== undefined) return f
      if (this.ended || this.stream.closed) throw new Error('victim closed')
      await new Promise<void>((r) => {
        this.#wake = r
      })
      this.#wake = undefined
    }
  }

  sendFrame(body: Uint8Array): void {
    this.stream.write(frame(body))
  }

  /** A payload signing this peer's static key as `id` (or with `sig` as given). */
  payload(id: Identity, opts: { sig?: Uint8Array; muxers?: string[] } = {}): Uint8Array {
    return encodePayload({
      identityKey: id.identityKey,
      identitySig: opts.sig ?? id.sign(staticKeySignedData(this.staticKeyPair.publicKey)),
      extensions: { webtransportCerthashes: [], streamMuxers: opts.muxers ?? [] },
    })
  }

  /** Plays the responder honestly up to (and including) message 2 with `payload`. */
  async respond(payload: (self: RawPeer) => Uint8Array): Promise<void> {
    this.hs.readMessage(await this.readFrame())
    this.sendFrame(this.hs.writeMessage(payload(this)))
  }

  /** Plays the initiator: message 1, reads message 2, sends message 3 with `payload`. */
  async initiate(payload: (self: RawPeer) => Uint8Array): Promise<Uint8Array> {
    this.sendFrame(this.hs.writeMessage(new Uint8Array(0)))
    const remotePayload = this.hs.readMessage(await this.readFrame())
    this.sendFrame(this.hs.writeMessage(payload(this)))
    const keys = this.hs.split()
    this.send = keys.send
    this.recv = keys.recv
    return remotePayload
  }

  /** Completes the responder side after `respond`: reads message 3. */
  async finishResponder(): Promise<Uint8Array> {
    const p = this.hs.readMessage(await this.readFrame())
    const keys = this.hs.split()
    this.send = keys.send
    this.recv = keys.recv
    return p
  }

  /** An encrypted transport frame body. */
  seal(plaintext: Uint8Array): Uint8Array {
    return this.send!.encryptWithAd(new Uint8Array(0), plaintext)
  }
}
