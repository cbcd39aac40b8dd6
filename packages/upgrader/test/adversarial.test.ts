/**
 * A remote that misbehaves at every step of the upgrade: garbage before, during and
 * after the handshake, stalls, only unknown protocols, closing at each step. Each
 * case must end in a typed `UpgradeError` on our side with the raw connection
 * destroyed and no timer left behind.
 */
import net from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { type ByteStream, type RawConnection, SwitchyardError } from '@switchyard/interface'
import { handle, select } from '@switchyard/multistream'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair } from '@switchyard/peer-id'
import { tcp } from '@switchyard/transport-tcp'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { UpgradeErrorCode, UpgradeStep } from '../src/index.js'
import { makeNode, rawPair } from './helpers.js'

const enc = new TextEncoder()

/** A multistream-select message: uvarint length, text, newline (lengths < 128 here). */
function msg(text: string): Uint8Array {
  const body = enc.encode(`${text}\n`)
  return Uint8Array.of(body.byteLength, ...body)
}

function garbage(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    out[i] = x >>> 16
  }
  return out
}

/** Lets every microtask and I/O callback run (fake timers leave setImmediate real). */
async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r))
}

interface Outcome {
  err: unknown
  raw: RawConnection
}

/** Runs our side in `direction` against an adversary script on the other end. */
async function against(
  direction: 'inbound' | 'outbound',
  adversary: (remote: RawConnection) => void | Promise<void>,
  init: Parameters<typeof makeNode>[0] = {},
): Promise<Outcome> {
  const node = makeNode(init)
  const [ours, theirs] = await rawPair()
  const upgrade =
    direction === 'inbound' ? node.upgrader.upgradeInbound(ours) : node.upgrader.upgradeOutbound(ours)
  const result = upgrade.then(
    (conn) => {
      conn.abort(new Error('should not have upgraded'))
      return undefined
    },
    (e: unknown) => e,
  )
  await adversary(theirs)
  // Stalled cases need the clock to move.
  await flush()
  await vi.advanceTimersByTimeAsync(10_000)
  const err = await result
  theirs.destroy()
  await flush()
  return { err, raw: ours }
}

function expectUpgradeError(outcome: Outcome, code: UpgradeErrorCode, step?: UpgradeStep): void {
  expect(SwitchyardError.is(outcome.err, code), `got ${String(outcome.err)}`).toBe(true)
  if (step !== undefined) expect((outcome.err as { step: string }).step).toBe(step)
  expect(outcome.raw.closed).toBe(true)
  expect(vi.getTimerCount()).toBe(0)
}

/** The adversary as dialer: completes multistream for /noise, then hands back the stream. */
async function negotiateNoiseAsDialer(remote: RawConnection): Promise<ByteStream> {
  return (await select(remote, ['/noise'], { timeoutMs: Number.POSITIVE_INFINITY })).stream
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe.each(['inbound', 'outbound'] as const)('our side %s', (direction) => {
  it('garbage instead of multistream-select', async () => {
    const outcome = await against(direction, (remote) => {
      remote.write(garbage(300))
    })
    expectUpgradeError(outcome, 'UPGRADE_SECURITY_NEGOTIATION_FAILED', 'security-negotiation')
  })

  it('a remote that stalls from the start', async () => {
    const outcome = await against(direction, () => {})
    expectUpgradeError(outcome, 'UPGRADE_TIMEOUT', 'security-negotiation')
  })

  it('a remote that closes at once', async () => {
    const outcome = await against(direction, (remote) => remote.end())
    expectUpgradeError(outcome, 'UPGRADE_SECURITY_NEGOTIATION_FAILED', 'security-negotiation')
  })

  it('a remote that resets at once', async () => {
    const outcome = await against(direction, (remote) => remote.destroy(new Error('rst')))
    expectUpgradeError(outcome, 'UPGRADE_SECURITY_NEGOTIATION_FAILED', 'security-negotiation')
  })
})

describe('our side inbound (responder)', () => {
  it('a dialer that offers only unknown security protocols, then gives up', async () => {
    const outcome = await against('inbound', async (remote) => {
      remote.write(msg('/multistream/1.0.0'))
      remote.write(msg('/tls/1.0.0'))
      remote.write(msg('/secio/1.0.0'))
      await flush()
      remote.end()
    })
    expectUpgradeError(outcome, 'UPGRADE_SECURITY_NEGOTIATION_FAILED', 'security-negotiation')
  })

  it('a dialer that floods proposals', async () => {
    const outcome = await against('inbound', (remote) => {
      remote.write(msg('/multistream/1.0.0'))
      for (let i = 0; i < 100; i++) remote.write(msg(`/unknown/${i}`))
    })
    expectUpgradeError(outcome, 'UPGRADE_SECURITY_NEGOTIATION_FAILED', 'security-negotiation')
  })

  it('garbage in place of the first Noise message', async () => {
    const outcome = await against('inbound', async (remote) => {
      const stream = await negotiateNoiseAsDialer(remote)
      stream.write(Uint8Array.of(0, 5, 1, 2, 3, 4, 5))
    })
    expectUpgradeError(outcome, 'UPGRADE_HANDSHAKE_FAILED', 'handshake')
  })

  it('a dialer that stalls in the handshake', async () => {
    const outcome = await against('inbound', async (remote) => {
      await negotiateNoiseAsDialer(remote)
    })
    expectUpgradeError(outcome, 'UPGRADE_TIMEOUT', 'handshake')
  })

  it('a dialer that closes in the handshake', async () => {
    const outcome = await against('inbound', async (remote) => {
      const stream = await negotiateNoiseAsDialer(remote)
      stream.write(Uint8Array.of(0, 32, 1, 2, 3)) // a truncated first message
      stream.end()
    })
    expectUpgradeError(outcome, 'UPGRADE_HANDSHAKE_FAILED', 'handshake')
  })

  describe('after a valid handshake', () => {
    const secured = async (remote: RawConnection) => {
      const stream = await negotiateNoiseAsDialer(remote)
      const noise = createNoise({ privateKey: generateKeyPair() })
      return noise.secureOutbound(stream, { muxers: [] })
    }

    it('encrypted garbage in place of the muxer negotiation', async () => {
      const outcome = await against('inbound', async (remote) => {
        const { stream } = await secured(remote)
        stream.write(garbage(200, 7))
      })
      expectUpgradeError(outcome, 'UPGRADE_MUXER_NEGOTIATION_FAILED', 'muxer-negotiation')
    })

    it('only unknown muxers', async () => {
      const outcome = await against('inbound', async (remote) => {
        const { stream } = await secured(remote)
        stream.write(msg('/multistream/1.0.0'))
        stream.write(msg('/mplex/6.7.0'))
        await flush()
        stream.end()
      })
      expectUpgradeError(outcome, 'UPGRADE_MUXER_NEGOTIATION_FAILED', 'muxer-negotiation')
    })

    it('unencrypted garbage on the wire', async () => {
      const outcome = await against('inbound', async (remote) => {
        await secured(remote)
        // More than any 2-byte frame length can announce, so a whole bogus frame arrives.
        remote.write(garbage(70_000, 3))
      })
      expectUpgradeError(outcome, 'UPGRADE_MUXER_NEGOTIATION_FAILED', 'muxer-negotiation')
    })

    it('a stall after the handshake', async () => {
      const outcome = await against('inbound', async (remote) => {
        await secured(remote)
      })
      expectUpgradeError(outcome, 'UPGRADE_TIMEOUT', 'muxer-negotiation')
    })

    it('a close after the handshake', async () => {
      const outcome = await against('inbound', async (remote) => {
        const { stream } = await secured(remote)
        stream.end()
      })
      expectUpgradeError(outcome, 'UPGRADE_MUXER_NEGOTIATION_FAILED', 'muxer-negotiation')
    })
  })
})

describe('our side outbound (initiator)', () => {
  it('a listener that refuses every security protocol', async () => {
    const outcome = await against('outbound', async (remote) => {
      remote.write(msg('/multistream/1.0.0'))
      remote.write(msg('na'))
    })
    expectUpgradeError(outcome, 'UPGRADE_SECURITY_NEGOTIATION_FAILED', 'security-negotiation')
    expect(SwitchyardError.is((outcome.err as Error).cause, 'MULTISTREAM_PROTOCOL_REJECTED')).toBe(true)
  })

  it('garbage in place of the second Noise message', async () => {
    const outcome = await against('outbound', async (remote) => {
      const { stream } = await handle(remote, ['/noise'], { timeoutMs: Number.POSITIVE_INFINITY })
      stream.setSink({ onData() {}, onEnd() {} })
      stream.write(Uint8Array.of(0, 100, ...garbage(100)))
    })
    expectUpgradeError(outcome, 'UPGRADE_HANDSHAKE_FAILED', 'handshake')
  })

  it('a listener that stalls after agreeing on /noise', async () => {
    const outcome = await against('outbound', async (remote) => {
      const { stream } = await handle(remote, ['/noise'], { timeoutMs: Number.POSITIVE_INFINITY })
      stream.setSink({ onData() {}, onEnd() {} })
    })
    expectUpgradeError(outcome, 'UPGRADE_TIMEOUT', 'handshake')
  })

  it('a listener that refuses every muxer', async () => {
    const outcome = await against(
      'outbound',
      async (remote) => {
        const { stream } = await handle(remote, ['/noise'], { timeoutMs: Number.POSITIVE_INFINITY })
        const noise = createNoise({ privateKey: generateKeyPair() })
        const { stream: channel } = await noise.secureInbound(stream, { muxers: [] })
        channel.setSink({ onData() {}, onEnd() {} })
        channel.write(msg('/multistream/1.0.0'))
        channel.write(msg('na'))
      },
      { earlyMuxerNegotiation: false },
    )
    expectUpgradeError(outcome, 'UPGRADE_MUXER_NEGOTIATION_FAILED', 'muxer-negotiation')
  })
})

describe('over real TCP', () => {
  it('a client that sends garbage: typed error, the accepted socket is closed', async () => {
    vi.useRealTimers()
    const node = makeNode({ upgradeTimeoutMs: 5_000 })
    const transport = tcp()
    let upgraded: Promise<unknown> | undefined
    let accepted: RawConnection | undefined
    const listener = await transport.listen(multiaddr('/ip4/127.0.0.1/tcp/0'), {
      onConnection(raw) {
        accepted = raw
        upgraded = node.upgrader.upgradeInbound(raw).then(
          (c) => c.abort(new Error('unexpected')),
          (e: unknown) => e,
        )
      },
    })
    const port = Number(listener.addr.getComponents()[1]!.value)
    const client = net.connect({ port, host: '127.0.0.1' })
    const clientClosed = new Promise<void>((r) => client.once('close', () => r()))
    client.on('error', () => {})
    await new Promise((r) => client.once('connect', r))
    client.write(garbage(500))
    await clientClosed
    await listener.close()
    const err = await upgraded
    expect(SwitchyardError.is(err, 'UPGRADE_SECURITY_NEGOTIATION_FAILED')).toBe(true)
    expect(accepted!.closed).toBe(true)
  })
})
