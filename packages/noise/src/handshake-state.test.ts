import { describe, expect, it } from 'vitest'
import vectors from '../test/vectors/cacophony-xx-25519-chachapoly-sha256.json' with { type: 'json' }
import type { NoiseCrypto } from './crypto.js'
import { nobleNoiseCrypto } from './crypto-noble.js'
import { nodeNoiseCrypto } from './crypto-node.js'
import { NoiseError } from './errors.js'
import { PROTOCOL_NAME, XXHandshakeState } from './handshake-state.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const backends: [string, NoiseCrypto][] = [
  ['node', nodeNoiseCrypto!],
  ['noble', nobleNoiseCrypto],
]

describe.each(backends)('XX handshake state (%s)', (_name, crypto) => {
  // Source: cacophony vectors (see the "source" field of the JSON file).
  for (const v of vectors.vectors) {
    it(`matches the cacophony vector byte for byte (${v.protocol_name})`, () => {
      expect(v.protocol_name).toBe(PROTOCOL_NAME)
      const init = new XXHandshakeState({
        crypto,
        initiator: true,
        prologue: hex(v.init_prologue),
        staticKeyPair: crypto.keyPairFromSecret(hex(v.init_static)),
        ephemeralKeyPair: crypto.keyPairFromSecret(hex(v.init_ephemeral)),
      })
      const resp = new XXHandshakeState({
        crypto,
        initiator: false,
        prologue: hex(v.resp_prologue),
        staticKeyPair: crypto.keyPairFromSecret(hex(v.resp_static)),
        ephemeralKeyPair: crypto.keyPairFromSecret(hex(v.resp_ephemeral)),
      })
      const [m0, m1, m2, ...transport] = v.messages
      const w0 = init.writeMessage(hex(m0!.payload))
      expect(toHex(w0)).toBe(m0!.ciphertext)
      expect(toHex(resp.readMessage(w0))).toBe(m0!.payload)
      const w1 = resp.writeMessage(hex(m1!.payload))
      expect(toHex(w1)).toBe(m1!.ciphertext)
      expect(toHex(init.readMessage(w1))).toBe(m1!.payload)
      const w2 = init.writeMessage(hex(m2!.payload))
      expect(toHex(w2)).toBe(m2!.ciphertext)
      expect(toHex(resp.readMessage(w2))).toBe(m2!.payload)
      expect(init.complete && resp.complete).toBe(true)
      expect(toHex(init.handshakeHash)).toBe(v.handshake_hash)
      expect(toHex(resp.handshakeHash)).toBe(v.handshake_hash)
      expect(toHex(init.remoteStaticKey!)).toBe(toHex(crypto.keyPairFromSecret(hex(v.resp_static)).publicKey))

      // After Split(): the vector's messages alternate initiator → responder first.
      const ik = init.split()
      const rk = resp.split()
      transport.forEach((m, i) => {
        // Message 3 + i overall: even indexes are the initiator's.
        const [tx, rx] = (3 + i) % 2 === 0 ? [ik.send, rk.recv] : [rk.send, ik.recv]
        const ct = tx.encryptWithAd(new Uint8Array(0), hex(m.payload))
        expect(toHex(ct)).toBe(m.ciphertext)
        expect(toHex(rx.decryptWithAd(new Uint8Array(0), ct))).toBe(m.payload)
      })
    })
  }

  it('rejects a tampered second message with NOISE_DECRYPT_FAILED', () => {
    const init = new XXHandshakeState({ crypto, initiator: true, staticKeyPair: crypto.generateKeyPair() })
    const resp = new XXHandshakeState({ crypto, initiator: false, staticKeyPair: crypto.generateKeyPair() })
    resp.readMessage(init.writeMessage(new Uint8Array(0)))
    const m1 = resp.writeMessage(new Uint8Array([1, 2, 3]))
    m1[40]! ^= 1
    expect(() => init.readMessage(m1)).toThrowError(expect.objectContaining({ code: 'NOISE_DECRYPT_FAILED' }))
  })

  it('rejects short messages with NOISE_BAD_HANDSHAKE_MESSAGE', () => {
    const resp = new XXHandshakeState({ crypto, initiator: false, staticKeyPair: crypto.generateKeyPair() })
    const err = (() => {
      try {
        resp.readMessage(new Uint8Array(31))
      } catch (e) {
        return e
      }
    })()
    expect(NoiseError.is(err, 'NOISE_BAD_HANDSHAKE_MESSAGE')).toBe(true)
    const init = new XXHandshakeState({ crypto, initiator: true, staticKeyPair: crypto.generateKeyPair() })
    init.writeMessage(new Uint8Array(0))
    const short = new Uint8Array(32 + 40)
    short.set(crypto.generateKeyPair().publicKey)
    expect(() => init.readMessage(short)).toThrowError(
      expect.objectContaining({ code: 'NOISE_BAD_HANDSHAKE_MESSAGE' }),
    )
  })

  it('rejects a low-order remote ephemeral key with NOISE_DH_FAILED', () => {
    const init = new XXHandshakeState({ crypto, initiator: true, staticKeyPair: crypto.generateKeyPair() })
    init.writeMessage(new Uint8Array(0))
    // The all-zero point is of small order: X25519 with it is all zeros.
    expect(() => init.readMessage(new Uint8Array(32 + 48 + 16))).toThrowError(
      expect.objectContaining({ code: 'NOISE_DH_FAILED' }),
    )
  })

  it('enforces the message order', () => {
    const init = new XXHandshakeState({ crypto, initiator: true, staticKeyPair: crypto.generateKeyPair() })
    expect(() => init.readMessage(new Uint8Array(32))).toThrow(/turn/)
  })
})

describe('cross-backend', () => {
  it('a node:crypto initiator and a noble responder agree', () => {
    for (const [a, b] of [
      [nodeNoiseCrypto!, nobleNoiseCrypto],
      [nobleNoiseCrypto, nodeNoiseCrypto!],
    ] as const) {
      const init = new XXHandshakeState({ crypto: a, initiator: true, staticKeyPair: a.generateKeyPair() })
      const resp = new XXHandshakeState({ crypto: b, initiator: false, staticKeyPair: b.generateKeyPair() })
      resp.readMessage(init.writeMessage(new Uint8Array(0)))
      init.readMessage(resp.writeMessage(new Uint8Array([7])))
      expect(toHex(resp.readMessage(init.writeMessage(new Uint8Array([8, 9]))))).toBe('0809')
      expect(toHex(init.handshakeHash)).toBe(toHex(resp.handshakeHash))
      const ik = init.split()
      const rk = resp.split()
      const msg = new TextEncoder().encode('hello across backends')
      const e = new Uint8Array(0)
      expect(toHex(rk.recv.decryptWithAd(e, ik.send.encryptWithAd(e, msg)))).toBe(toHex(msg))
      expect(toHex(ik.recv.decryptWithAd(e, rk.send.encryptWithAd(e, msg)))).toBe(toHex(msg))
    }
  })
})
