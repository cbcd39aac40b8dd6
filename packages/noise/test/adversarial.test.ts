/**
 * Adversarial tests: a raw attacker drives the Noise protocol by hand against our
 * implementation. Every case ends in a typed error with both streams closed, and
 * no unauthenticated byte reaches the reader.
 */
import crypto from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { StreamError, SwitchyardError } from '@switchyard/interface'
import {
  generateKeyPair,
  type KeyType,
  type PrivateKey,
  peerIdFromPublicKey,
  publicKeyFromRaw,
} from '@switchyard/peer-id'
import { duplexPair, garbage, RecordingSink, whenClosed } from '@switchyard/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CipherState, FrameDecoder, nodeNoiseCrypto, SecureChannel, XXHandshakeState } from '../src/index.js'
import { type Identity, RawPeer } from './attacker.js'
import { caught, frame, makePeer } from './helpers.js'

const ed = (key: PrivateKey): Identity => ({
  identityKey: key.publicKey.toProtobuf(),
  sign: (d) => key.sign(d),
})
const code = (err: unknown) => (SwitchyardError.is(err) ? err.code : String(err))

afterEach(() => {
  vi.useRealTimers()
})

/** Our initiator against a raw responder. */
function victimInitiator(opts: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const [a, b] = duplexPair()
  const victim = makePeer(opts.timeoutMs !== undefined ? { handshakeTimeoutMs: opts.timeoutMs } : {})
  const attacker = new RawPeer(b, false)
  const result = victim.noise.secureOutbound(a, opts.signal !== undefined ? { signal: opts.signal } : {})
  result.catch(() => {})
  return { a, b, victim, attacker, result }
}

/** Our responder against a raw initiator that completes the handshake honestly. */
async function victimResponder() {
  const [a, b] = duplexPair()
  const victim = makePeer()
  const attacker = new RawPeer(a, true)
  const result = victim.noise.secureInbound(b)
  await attacker.initiate(() => attacker.payload(ed(generateKeyPair())))
  const secured = await result
  const sink = new RecordingSink()
  secured.stream.setSink(sink)
  return { a, b, attacker, secured, sink }
}

describe('handshake: a malicious responder', () => {
  it('a bad signature → NOISE_INVALID_SIGNATURE', async () => {
    const { a, b, attacker, result } = victimInitiator()
    await attacker.respond((self) => self.payload(ed(generateKeyPair()), { sig: new Uint8Array(64).fill(1) }))
    expect(code(await caught(result))).toBe('NOISE_INVALID_SIGNATURE')
    await whenClosed(b)
    expect(a.closed && b.closed).toBe(true)
  })

  it('a signature by another key → NOISE_INVALID_SIGNATURE', async () => {
    const { attacker, result } = victimInitiator()
    const other = generateKeyPair()
    await attacker.respond((self) =>
      self.payload({ identityKey: generateKeyPair().publicKey.toProtobuf(), sign: (d) => other.sign(d) }),
    )
    expect(code(await caught(result))).toBe('NOISE_INVALID_SIGNATURE')
  })

  it('an unknown key type → NOISE_INVALID_IDENTITY_KEY', async () => {
    const { a, attacker, result } = victimInitiator()
    const bogus = Uint8Array.from([0x08, 0x09, 0x12, 0x20, ...new Array(32).fill(5)])
    await attacker.respond((self) => self.payload({ identityKey: bogus, sign: () => new Uint8Array(64) }))
    const err = await caught(result)
    expect(code(err)).toBe('NOISE_INVALID_IDENTITY_KEY')
    expect(a.closed).toBe(true)
  })

  it('a missing identity key → NOISE_INVALID_IDENTITY_KEY', async () => {
    const { attacker, result } = victimInitiator()
    await attacker.respond(() => new Uint8Array(0))
    expect(code(await caught(result))).toBe('NOISE_INVALID_IDENTITY_KEY')
  })

  it('a payload that is not a protobuf → NOISE_INVALID_PAYLOAD', async () => {
    const { attacker, result } = victimInitiator()
    await attacker.respond(() => Uint8Array.from([0x0a, 0x50, 1]))
    expect(code(await caught(result))).toBe('NOISE_INVALID_PAYLOAD')
  })

  it('a tampered message 2 → NOISE_DECRYPT_FAILED', async () => {
    const { attacker, result } = victimInitiator()
    attacker.hs.readMessage(await attacker.readFrame())
    const m2 = attacker.hs.writeMessage(attacker.payload(ed(generateKeyPair())))
    m2[m2.byteLength - 1]! ^= 0x80
    attacker.sendFrame(m2)
    expect(code(await caught(result))).toBe('NOISE_DECRYPT_FAILED')
  })

  it('a message 2 that is too short → NOISE_BAD_HANDSHAKE_MESSAGE', async () => {
    const { attacker, result } = victimInitiator()
    await attacker.readFrame()
    attacker.sendFrame(nodeNoiseCrypto!.generateKeyPair().publicKey)
    expect(code(await caught(result))).toBe('NOISE_BAD_HANDSHAKE_MESSAGE')
  })

  it('closing after message 1 → NOISE_TRUNCATED', async () => {
    const { a, b, attacker, result } = victimInitiator()
    await attacker.readFrame()
    b.end()
    expect(code(await caught(result))).toBe('NOISE_TRUNCATED')
    expect(a.closed).toBe(true)
  })

  it('a reset after message 1 → NOISE_TRUNCATED with the reset as cause', async () => {
    const { a, b, attacker, result } = victimInitiator()
    await attacker.readFrame()
    b.reset()
    const err = await caught(result)
    expect(code(err)).toBe('NOISE_TRUNCATED')
    expect(StreamError.is((err as Error).cause, 'STREAM_RESET')).toBe(true)
    expect(a.closed).toBe(true)
  })

  it('half a frame then EOF → NOISE_TRUNCATED', async () => {
    const { attacker, b, result } = victimInitiator()
    await attacker.readFrame()
    b.write(Uint8Array.from([0x00, 0x60, 1, 2, 3]))
    b.end()
    expect(code(await caught(result))).toBe('NOISE_TRUNCATED')
  })

  it('a stall → NOISE_HANDSHAKE_TIMEOUT; no timer, listener or stream is left', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const ac = new AbortController()
    const remove = vi.spyOn(ac.signal, 'removeEventListener')
    const { a, b, attacker, result } = victimInitiator({ timeoutMs: 5000, signal: ac.signal })
    await attacker.readFrame()
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(code(await caught(result))).toBe('NOISE_HANDSHAKE_TIMEOUT')
    expect(vi.getTimerCount()).toBe(0)
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function))
    await whenClosed(b)
    expect(a.closed && b.closed).toBe(true)
  })

  it('an abort mid-handshake rejects with signal.reason and releases everything', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const ac = new AbortController()
    const { a, attacker, result } = victimInitiator({ signal: ac.signal })
    await attacker.readFrame()
    const reason = new Error('user gave up')
    ac.abort(reason)
    expect(await caught(result)).toBe(reason)
    expect(vi.getTimerCount()).toBe(0)
    expect(a.closed).toBe(true)
  })

  it('an already aborted signal rejects at once with its reason and destroys the stream', async () => {
    const [a] = duplexPair()
    const reason = new Error('already')
    const err = await caught(makePeer().noise.secureInbound(a, { signal: AbortSignal.abort(reason) }))
    expect(err).toBe(reason)
    expect(a.closed).toBe(true)
  })
})

describe('identity keys of every libp2p type', () => {
  const secp = secp256k1.utils.randomSecretKey()
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const edKey = generateKeyPair()
  const cases: [KeyType, Uint8Array, (d: Uint8Array) => Uint8Array][] = [
    ['Ed25519', edKey.publicKey.raw, (d) => edKey.sign(d)],
    [
      'secp256k1',
      secp256k1.getPublicKey(secp, true),
      (d) => secp256k1.sign(sha256(d), secp, { prehash: false, format: 'der' }),
    ],
    [
      'ECDSA',
      new Uint8Array(ec.publicKey.export({ format: 'der', type: 'spki' })),
      (d) => new Uint8Array(crypto.sign('sha256', d, { key: ec.privateKey, dsaEncoding: 'der' })),
    ],
    [
      'RSA',
      new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'spki' })),
      (d) => new Uint8Array(crypto.sign('sha256', d, rsa.privateKey)),
    ],
  ]
  it.each(cases)('a %s identity is verified and yields its peer id', async (type, raw, sign) => {
    const pub = publicKeyFromRaw(raw, type)
    const { attacker, result } = victimInitiator()
    await attacker.respond((self) => self.payload({ identityKey: pub.toProtobuf(), sign }))
    // Message 3 arrives; the initiator is done.
    const secured = await result
    expect(secured.remotePeer.equals(peerIdFromPublicKey(pub))).toBe(true)
    secured.stream.destroy()
  })
  it.each(cases)('a %s identity with a bad signature → NOISE_INVALID_SIGNATURE', async (type, raw, sign) => {
    const pub = publicKeyFromRaw(raw, type)
    const { attacker, result } = victimInitiator()
    await attacker.respond((self) =>
      self.payload({ identityKey: pub.toProtobuf(), sign: (d) => sign(Uint8Array.from([...d, 1])) }),
    )
    expect(code(await caught(result))).toBe('NOISE_INVALID_SIGNATURE')
  })
})

describe('secure channel: a malicious initiator after a valid handshake', () => {
  it('garbage after the handshake → NOISE_DECRYPT_FAILED, nothing delivered', async () => {
    const { a, b, secured, sink } = await victimResponder()
    // More than a maximal frame: the first (forged) frame is surely complete.
    a.write(garbage(70_000, 5))
    expect(code(await whenClosed(secured.stream))).toBe('NOISE_DECRYPT_FAILED')
    expect(sink.length).toBe(0)
    expect(b.closed).toBe(true)
  })

  it('a good frame then a forged one in the same chunk: only the good one is delivered', async () => {
    const { a, attacker, secured, sink } = await victimResponder()
    const good = frame(attacker.seal(new TextEncoder().encode('ok')))
    const forged = frame(garbage(40, 2))
    a.write(Uint8Array.from([...good, ...forged]))
    expect(code(await whenClosed(secured.stream))).toBe('NOISE_DECRYPT_FAILED')
    expect(new TextDecoder().decode(sink.bytes())).toBe('ok')
  })

  it('a replayed frame → NOISE_DECRYPT_FAILED after the original was delivered once', async () => {
    const { a, attacker, secured, sink } = await victimResponder()
    const f = frame(attacker.seal(Uint8Array.from([1, 2, 3])))
    a.write(f)
    await sink.untilBytes(3)
    a.write(f)
    expect(code(await whenClosed(secured.stream))).toBe('NOISE_DECRYPT_FAILED')
    expect(sink.length).toBe(3)
  })

  it('reordered frames → NOISE_DECRYPT_FAILED, nothing delivered', async () => {
    const { a, attacker, secured, sink } = await victimResponder()
    const f1 = frame(attacker.seal(Uint8Array.from([1])))
    const f2 = frame(attacker.seal(Uint8Array.from([2])))
    a.write(f2)
    a.write(f1)
    expect(code(await whenClosed(secured.stream))).toBe('NOISE_DECRYPT_FAILED')
    expect(sink.length).toBe(0)
  })

  it('an oversized (65535-byte) forged frame → NOISE_DECRYPT_FAILED', async () => {
    const { a, secured, sink } = await victimResponder()
    a.write(frame(garbage(0xffff, 8)))
    expect(code(await whenClosed(secured.stream))).toBe('NOISE_DECRYPT_FAILED')
    expect(sink.length).toBe(0)
  })

  it('a frame shorter than a tag → NOISE_FRAME_TOO_SHORT', async () => {
    const { a, secured } = await victimResponder()
    a.write(frame(new Uint8Array(15)))
    expect(code(await whenClosed(secured.stream))).toBe('NOISE_FRAME_TOO_SHORT')
  })

  it('a truncated frame then EOF → NOISE_TRUNCATED, the partial frame is not delivered', async () => {
    const { a, attacker, secured, sink } = await victimResponder()
    const f = frame(attacker.seal(garbage(500, 1)))
    a.write(f.subarray(0, 300))
    a.end()
    expect(code(await whenClosed(secured.stream))).toBe('NOISE_TRUNCATED')
    expect(sink.length).toBe(0)
  })

  it('a reset mid-stream closes the channel with the reset', async () => {
    const { a, secured } = await victimResponder()
    a.reset()
    expect(code(await whenClosed(secured.stream))).toBe('STREAM_RESET')
  })
})

describe('handshake edge cases', () => {
  it('transport frames in the same chunk as message 3 are delivered', async () => {
    const [a, b] = duplexPair()
    const victim = makePeer()
    const attacker = new RawPeer(a, true)
    const result = victim.noise.secureInbound(b)
    attacker.sendFrame(attacker.hs.writeMessage(new Uint8Array(0)))
    attacker.hs.readMessage(await attacker.readFrame())
    const m3 = frame(attacker.hs.writeMessage(attacker.payload(ed(generateKeyPair()))))
    const keys = attacker.hs.split()
    const data = frame(keys.send.encryptWithAd(new Uint8Array(0), new TextEncoder().encode('early')))
    a.write(Uint8Array.from([...m3, ...data]))
    const secured = await result
    const sink = new RecordingSink()
    secured.stream.setSink(sink)
    await sink.untilBytes(5)
    expect(new TextDecoder().decode(sink.bytes())).toBe('early')
    secured.stream.destroy()
  })

  it('a payload in message 1 is ignored', async () => {
    const [a, b] = duplexPair()
    const attacker = new RawPeer(a, true)
    const result = makePeer().noise.secureInbound(b)
    attacker.sendFrame(attacker.hs.writeMessage(Uint8Array.from([1, 2, 3])))
    attacker.hs.readMessage(await attacker.readFrame())
    attacker.sendFrame(attacker.hs.writeMessage(attacker.payload(ed(generateKeyPair()))))
    const secured = await result
    secured.stream.destroy()
  })
})

describe('nonce exhaustion', () => {
  /** Two channels over a duplex pair with keys from a local handshake. */
  function channels() {
    const c = nodeNoiseCrypto!
    const i = new XXHandshakeState({ crypto: c, initiator: true, staticKeyPair: c.generateKeyPair() })
    const r = new XXHandshakeState({ crypto: c, initiator: false, staticKeyPair: c.generateKeyPair() })
    r.readMessage(i.writeMessage(new Uint8Array(0)))
    i.readMessage(r.writeMessage(new Uint8Array(0)))
    r.readMessage(i.writeMessage(new Uint8Array(0)))
    const ik = i.split()
    const rk = r.split()
    const [a, b] = duplexPair()
    return {
      ik,
      rk,
      x: new SecureChannel(a, { send: ik.send, recv: ik.recv, decoder: new FrameDecoder() }),
      y: new SecureChannel(b, { send: rk.send, recv: rk.recv, decoder: new FrameDecoder() }),
    }
  }

  it('the sender fails with NOISE_NONCE_EXHAUSTED instead of using nonce 2^64-1', async () => {
    const { ik, rk, x, y } = channels()
    ik.send.setNonce(2n ** 64n - 2n)
    rk.recv.setNonce(2n ** 64n - 2n)
    const sink = new RecordingSink()
    y.setSink(sink)
    x.write(Uint8Array.from([1]))
    await sink.untilBytes(1)
    expect(ik.send.nonce).toBe(2n ** 64n - 1n)
    x.write(Uint8Array.from([2]))
    expect(code(await whenClosed(x))).toBe('NOISE_NONCE_EXHAUSTED')
    expect(sink.length).toBe(1)
  })

  it('the receiver fails with NOISE_NONCE_EXHAUSTED at nonce 2^64-1', async () => {
    const { ik, rk, x, y } = channels()
    ik.send.setNonce(2n ** 64n - 1n - 1n)
    rk.recv.setNonce(2n ** 64n - 1n)
    y.setSink(new RecordingSink())
    x.write(Uint8Array.from([1]))
    expect(code(await whenClosed(y))).toBe('NOISE_NONCE_EXHAUSTED')
  })

  it('CipherState encodes the counter little-endian after 4 zero bytes', () => {
    const k = new Uint8Array(32).fill(3)
    const a = new CipherState(nodeNoiseCrypto!, k)
    const b = new CipherState(nodeNoiseCrypto!, k)
    a.setNonce(0x0102030405n)
    const ct = a.encryptWithAd(new Uint8Array(0), Uint8Array.from([9]))
    // A reference seal with the nonce built by hand.
    const nonce = Buffer.from('000000000504030201000000', 'hex')
    const c = crypto.createCipheriv('chacha20-poly1305', k, nonce, { authTagLength: 16 })
    const ref = Buffer.concat([c.update(Uint8Array.from([9])), c.final(), c.getAuthTag()])
    expect(Buffer.from(ct).equals(ref)).toBe(true)
    b.setNonce(0x0102030405n)
    expect([...b.decryptWithAd(new Uint8Array(0), ct)]).toEqual([9])
    expect(b.nonce).toBe(0x0102030406n)
  })
})
