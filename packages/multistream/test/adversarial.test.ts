/**
 * Adversarial peers: each must end the negotiation in a typed error, with the stream
 * destroyed, the timer cleared and the abort listener removed.
 */
import { SwitchyardError } from '@switchyard/interface'
import { duplexPair, type MemoryStream } from '@switchyard/testkit'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { handle } from '../src/handle.js'
import { select } from '../src/select.js'
import { HEADER, rawPeer, settle, wire } from './helpers.js'

afterEach(() => {
  vi.useRealTimers()
})

/** An abort signal that counts its listeners. */
function countedSignal() {
  const controller = new AbortController()
  const signal = controller.signal
  let listeners = 0
  const add = signal.addEventListener.bind(signal)
  const remove = signal.removeEventListener.bind(signal)
  signal.addEventListener = ((type: string, l: () => void, o?: { once?: boolean }) => {
    listeners++
    add(type, l, o)
  }) as typeof signal.addEventListener
  signal.removeEventListener = ((type: string, l: () => void) => {
    listeners--
    remove(type, l)
  }) as typeof signal.removeEventListener
  return { signal, listeners: () => listeners }
}

type Role = 'select' | 'handle'

function negotiate(role: Role, stream: MemoryStream, signal: AbortSignal, protocols = ['/a', '/b']) {
  return role === 'select' ? select(stream, protocols, { signal }) : handle(stream, protocols, { signal })
}

/** The valid opening the attacker sends before its attack. */
const opening: Record<Role, string[]> = { select: [HEADER], handle: [HEADER] }

const attacks: Array<[string, (role: Role) => Uint8Array, string]> = [
  [
    'an oversized length prefix',
    () => Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
    'MULTISTREAM_MESSAGE_TOO_LONG',
  ],
  ['a length of 1025', () => Uint8Array.from([0x81, 0x08]), 'MULTISTREAM_MESSAGE_TOO_LONG'],
  ['a missing newline', () => Uint8Array.from([3, 0x2f, 0x61, 0x62]), 'MULTISTREAM_INVALID_MESSAGE'],
  ['an empty message', () => Uint8Array.from([0]), 'MULTISTREAM_INVALID_MESSAGE'],
  ['another message instead of the header', () => wire('GET / HTTP/1.1'), 'MULTISTREAM_INVALID_HEADER'],
  [
    'an HTTP request',
    () => new TextEncoder().encode(`GET / HTTP/1.1\r\n${'x'.repeat(80)}`),
    'MULTISTREAM_INVALID_MESSAGE',
  ],
  [
    'garbage after the header',
    (r) => Buffer.concat([wire(...opening[r]), Uint8Array.from([0x80, 0x80, 0x80])]),
    'MULTISTREAM_MESSAGE_TOO_LONG',
  ],
]

describe.each<Role>(['select', 'handle'])('%s against a hostile peer', (role) => {
  it.each(attacks)('%s ends in a typed error with everything released', async (_name, attack, code) => {
    vi.useFakeTimers()
    const [a, b] = duplexPair()
    rawPeer(b)
    const { signal, listeners } = countedSignal()
    const p = negotiate(role, a, signal)
    b.write(attack(role))
    await expect(p).rejects.toMatchObject({ code })
    expect(a.closed).toBe(true)
    expect(SwitchyardError.is(a.error)).toBe(true)
    expect(listeners()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('silence ends in MULTISTREAM_TIMEOUT', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair()
    rawPeer(b)
    const { signal, listeners } = countedSignal()
    const p = negotiate(role, a, signal)
    const assertion = expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_TIMEOUT' })
    await vi.advanceTimersByTimeAsync(10_000)
    await assertion
    expect(a.closed).toBe(true)
    expect(listeners()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a message dribbled one byte at a time and never finished ends in MULTISTREAM_TIMEOUT', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair()
    rawPeer(b)
    const p = negotiate(role, a, new AbortController().signal)
    const assertion = expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_TIMEOUT' })
    b.write(Uint8Array.from([0x80, 0x08]))
    for (let i = 0; i < 100; i++) {
      b.write(Uint8Array.from([0x61]))
      await vi.advanceTimersByTimeAsync(100)
    }
    await assertion
  })

  it('arbitrary bytes end in success or a typed error, never a hang or a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uint8Array({ maxLength: 64 }), async (withHeader, garbage) => {
        vi.useFakeTimers()
        try {
          const [a, b] = duplexPair()
          rawPeer(b)
          const p = negotiate(role, a, new AbortController().signal).then(
            () => undefined,
            (e: unknown) => e,
          )
          b.write(withHeader ? Buffer.concat([wire(HEADER), garbage]) : garbage)
          await vi.advanceTimersByTimeAsync(10_000)
          const err = await p
          if (err !== undefined) expect(SwitchyardError.is(err)).toBe(true)
          expect(vi.getTimerCount()).toBe(0)
        } finally {
          vi.useRealTimers()
        }
      }),
      { numRuns: 100 },
    )
  })
})

describe('endless na', () => {
  it('select gives up after its own list, however many na follow', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const p = select(a, ['/a', '/b', '/c'])
    peer.write(wire(HEADER, ...Array.from({ length: 100 }, () => 'na')))
    await expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_PROTOCOL_REJECTED' })
  })

  it('handle stops an endless stream of unknown proposals at maxMessages', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const p = handle(a, ['/a'])
    for (let i = 0; i < 40; i++) peer.write(wire(i === 0 ? HEADER : `/unknown/${i}`))
    await expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_TOO_MANY_MESSAGES' })
    await settle()
    expect(b.closed).toBe(true)
  })

  it('handle stops an endless ls loop at maxMessages', async () => {
    const [a, b] = duplexPair()
    rawPeer(b)
    const p = handle(a, ['/a'])
    b.write(wire(HEADER, ...Array.from({ length: 40 }, () => 'ls')))
    await expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_TOO_MANY_MESSAGES' })
  })
})

describe('release on success', () => {
  it.each<Role>(['select', 'handle'])('%s leaves no timer and no abort listener behind', async (role) => {
    vi.useFakeTimers()
    const [a, b] = duplexPair()
    const { signal, listeners } = countedSignal()
    const other = role === 'select' ? handle(b, ['/a']) : select(b, ['/a'])
    const ours = negotiate(role, a, signal, ['/a'])
    await Promise.all([ours, other])
    expect(listeners()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('lazy select releases its timer and listener once confirmed', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair()
    const { signal, listeners } = countedSignal()
    const handling = handle(b, ['/a'])
    const { stream } = await select(a, ['/a'], { lazy: true, signal })
    stream.write(new Uint8Array([1]))
    await handling
    await vi.advanceTimersByTimeAsync(0)
    expect(listeners()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})
