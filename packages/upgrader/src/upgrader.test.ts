import {
  type ConnectionGater,
  deny,
  type ProtocolStream,
  ResourceLimitError,
  type ResourceManager,
  readAll,
  SwitchyardError,
  writeAll,
} from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair } from '@switchyard/peer-id'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { echo, makeNode, rawPair } from '../test/helpers.js'
import { createUpgrader } from './upgrader.js'

afterEach(() => {
  vi.useRealTimers()
})

async function connect(
  a = makeNode({ handlers: { '/echo/1.0.0': echo } }),
  b = makeNode({ handlers: { '/echo/1.0.0': echo } }),
) {
  const [rawA, rawB] = await rawPair()
  const [out, inb] = await Promise.all([
    a.upgrader.upgradeOutbound(rawA, { remotePeer: b.peerId }),
    b.upgrader.upgradeInbound(rawB),
  ])
  return { a, b, out, inb, rawA, rawB }
}

describe('createUpgrader', () => {
  it('validates its init', () => {
    const { peerId } = makeNode()
    expect(() => createUpgrader({ localPeer: peerId, security: [], muxers: [] })).toThrow(TypeError)
    const noise = createNoise({ privateKey: generateKeyPair() })
    expect(() =>
      createUpgrader({
        localPeer: peerId,
        security: [noise],
        muxers: [{ protocol: '/x', createSession: vi.fn() }],
        upgradeTimeoutMs: 0,
      }),
    ).toThrow(RangeError)
  })
})

describe.each([
  ['early muxer negotiation', true],
  ['multistream muxer negotiation', false],
])('upgrade with %s', (_name, early) => {
  const node = () => makeNode({ earlyMuxerNegotiation: early, handlers: { '/echo/1.0.0': echo } })

  it('connects both sides with the right identities, addresses and protocols', async () => {
    const { a, b, out, inb, rawA, rawB } = await connect(node(), node())
    expect(out.remotePeer.equals(b.peerId)).toBe(true)
    expect(inb.remotePeer.equals(a.peerId)).toBe(true)
    expect(out.direction).toBe('outbound')
    expect(inb.direction).toBe('inbound')
    expect(out.security).toBe('/noise')
    expect(out.muxer).toBe('/yamux/1.0.0')
    expect(inb.muxer).toBe('/yamux/1.0.0')
    expect(out.remoteAddr.toString()).toBe(rawA.remoteAddr.toString())
    expect(inb.remoteAddr.toString()).toBe(rawB.remoteAddr.toString())
    expect(out.state).toBe('open')
    expect(inb.state).toBe('open')
    await out.close()
    expect(out.state).toBe('closed')
    await new Promise<void>((r) => inb.onceClosed(() => r()))
    expect(inb.state).toBe('closed')
  })

  it('opens streams both ways and echoes', async () => {
    const { out, inb } = await connect(node(), node())
    for (const conn of [out, inb]) {
      const s = await conn.newStream(['/nope/1.0.0', '/echo/1.0.0'])
      expect(s.protocol).toBe('/echo/1.0.0')
      expect(s.direction).toBe('outbound')
      const reply = readAll(s.stream)
      await writeAll(s.stream, [new TextEncoder().encode('hello')])
      expect(new TextDecoder().decode(await reply)).toBe('hello')
    }
    out.abort(new Error('done'))
  })

  it("forwards the transport's byte counters: wire bytes, overhead included", async () => {
    const { out, inb, rawA, rawB } = await connect(node(), node())
    const before = out.bytesWritten!
    // The handshakes moved bytes already.
    expect(before).toBeGreaterThan(0)
    const s = await out.newStream('/echo/1.0.0')
    const reply = readAll(s.stream)
    await writeAll(s.stream, [new Uint8Array(10_000)])
    expect((await reply).byteLength).toBe(10_000)
    // Encryption and framing add to the payload.
    expect(out.bytesWritten! - before).toBeGreaterThan(10_000)
    expect([out.bytesRead, out.bytesWritten]).toEqual([rawA.bytesRead, rawA.bytesWritten])
    await vi.waitFor(() => expect(inb.bytesRead).toBe(out.bytesWritten))
    expect([inb.bytesRead, inb.bytesWritten]).toEqual([rawB.bytesRead, rawB.bytesWritten])
    out.abort(new Error('done'))
  })
})

describe('streams', () => {
  it('lazy select sends the proposal with the first data', async () => {
    const { out } = await connect()
    const s = await out.newStream('/echo/1.0.0', { lazy: true })
    // Handed out before the responder answered: not confirmed yet.
    expect(s.confirmed).toBe(false)
    const reply = readAll(s.stream)
    await writeAll(s.stream, [new Uint8Array([1, 2, 3])])
    expect([...(await reply)]).toEqual([1, 2, 3])
    expect(s.confirmed).toBe(true)
    await out.close()
  })

  it('a lazy stream the remote refuses is destroyed and never confirmed; a non-lazy one is confirmed', async () => {
    const { out } = await connect()
    const s = await out.newStream('/unknown/1.0.0', { lazy: true })
    expect(s.confirmed).toBe(false)
    s.stream.write(new Uint8Array([1]))
    const err = await new Promise<Error | undefined>((resolve) => s.stream.onceClosed(resolve))
    expect(SwitchyardError.is(err, 'MULTISTREAM_PROTOCOL_REJECTED')).toBe(true)
    expect(s.confirmed).toBe(false)
    const eager = await out.newStream('/echo/1.0.0')
    expect(eager.confirmed).toBe(true)
    eager.stream.end()
    await readAll(eager.stream)
    await out.close()
  })

  it('an unsupported protocol fails newStream with a typed error', async () => {
    const { out } = await connect()
    const err = await out.newStream('/unknown/1.0.0').catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'MULTISTREAM_PROTOCOL_REJECTED')).toBe(true)
    expect(out.state).toBe('open')
    await out.close()
  })

  it('dispatches inbound streams to the handler with the connection', async () => {
    const seen: Array<{ s: ProtocolStream; remote: string }> = []
    const b = makeNode({
      handlers: {
        '/see/1.0.0': (s, conn) => {
          seen.push({ s, remote: conn.remotePeer.toString() })
          s.stream.end()
          s.stream.setSink({ onData() {}, onEnd() {} })
        },
      },
    })
    const { a, out } = await connect(makeNode(), b)
    const s = await out.newStream('/see/1.0.0')
    s.stream.end()
    await readAll(s.stream)
    expect(seen).toHaveLength(1)
    expect(seen[0]!.s.direction).toBe('inbound')
    expect(seen[0]!.s.confirmed).toBe(true)
    expect(seen[0]!.remote).toBe(a.peerId.toString())
    await out.close()
  })

  it('newStream after close is CONNECTION_NOT_OPEN', async () => {
    const { out } = await connect()
    await out.close()
    const err = await out.newStream('/echo/1.0.0').catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'CONNECTION_NOT_OPEN')).toBe(true)
    await expect(out.newStream([])).rejects.toThrow(TypeError)
  })

  it('runs many concurrent streams', async () => {
    const { out } = await connect()
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const s = await out.newStream('/echo/1.0.0')
        const reply = readAll(s.stream)
        await writeAll(s.stream, [new Uint8Array(1000).fill(i)])
        return reply
      }),
    )
    results.forEach((r, i) => {
      expect(r.byteLength).toBe(1000)
      expect(r[999]).toBe(i)
    })
    await out.close()
  })
})

describe('checks', () => {
  it('an unexpected remote peer fails outbound with UPGRADE_UNEXPECTED_PEER, releasing both sides', async () => {
    const a = makeNode()
    const b = makeNode()
    const other = makeNode()
    const [rawA, rawB] = await rawPair()
    const [errA, errB] = await Promise.all([
      a.upgrader.upgradeOutbound(rawA, { remotePeer: other.peerId }).catch((e: unknown) => e),
      b.upgrader.upgradeInbound(rawB).catch((e: unknown) => e),
    ])
    expect(SwitchyardError.is(errA, 'UPGRADE_UNEXPECTED_PEER')).toBe(true)
    expect(SwitchyardError.is(errB)).toBe(true)
    expect(rawA.closed).toBe(true)
    expect(rawB.closed).toBe(true)
  })

  it('detects a self-dial', async () => {
    const a = makeNode()
    const [rawA, rawB] = await rawPair()
    const [errA, errB] = await Promise.all([
      a.upgrader.upgradeOutbound(rawA).catch((e: unknown) => e),
      a.upgrader.upgradeInbound(rawB).catch((e: unknown) => e),
    ])
    expect(SwitchyardError.is(errA, 'UPGRADE_SELF_DIAL')).toBe(true)
    expect(SwitchyardError.is(errB, 'UPGRADE_SELF_DIAL')).toBe(true)
    expect((errA as { step: string }).step).toBe('secured')
  })

  it.each([
    ['accept', { interceptAccept: () => deny('no') }],
    ['secured', { interceptSecured: () => deny('banned') }],
    ['upgraded', { interceptUpgraded: () => deny('full') }],
  ] as Array<[string, ConnectionGater]>)('the gater can deny at %s', async (point, gater) => {
    const a = makeNode()
    const b = makeNode({ gater })
    const [rawA, rawB] = await rawPair()
    const [errA, errB] = await Promise.all([
      a.upgrader.upgradeOutbound(rawA).catch((e: unknown) => e),
      b.upgrader.upgradeInbound(rawB).catch((e: unknown) => e),
    ])
    expect(SwitchyardError.is(errB, 'UPGRADE_GATED')).toBe(true)
    expect((errB as { step: string }).step).toBe(point)
    expect(SwitchyardError.is(errB) && SwitchyardError.is((errB as Error).cause, 'CONNECTION_GATED')).toBe(
      true,
    )
    await new Promise<void>((r) => rawB.onceClosed(() => r()))
    // The dialer either failed or got a connection that the other side then closed.
    if (!(errA instanceof Error))
      await new Promise<void>((r) => (errA as { onceClosed(cb: () => void): void }).onceClosed(r))
  })

  it('with lazySecuritySelect, an outbound upgrade sends header, /noise and the first Noise message in one write', async () => {
    const a = makeNode({ lazySecuritySelect: true })
    const [rawA, rawB] = await rawPair()
    const writes: Uint8Array[] = []
    const write = rawA.write.bind(rawA)
    vi.spyOn(rawA, 'write').mockImplementation((chunk: Uint8Array) => {
      writes.push(chunk.slice())
      return write(chunk)
    })
    const p = a.upgrader.upgradeOutbound(rawA).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 20)) // nobody answers
    // "/multistream/1.0.0\n" (1 + 19) + "/noise\n" (1 + 7) + a 2-byte frame length and the 32-byte ephemeral key
    expect(writes.map((w) => w.byteLength)).toEqual([20 + 8 + 2 + 32])
    expect(new TextDecoder().decode(writes[0]!.subarray(1, 27))).toBe('/multistream/1.0.0\n\x07/noise')
    rawB.destroy()
    expect(SwitchyardError.is(await p, 'UPGRADE_SECURITY_NEGOTIATION_FAILED')).toBe(true)
  })

  it('with lazySecuritySelect, both sides connect and echo', async () => {
    const handlers = { '/echo/1.0.0': echo }
    const { out, inb } = await connect(
      makeNode({ handlers, lazySecuritySelect: true }),
      makeNode({ handlers, lazySecuritySelect: true }),
    )
    expect(out.security).toBe('/noise')
    const s = await out.newStream('/echo/1.0.0')
    const reply = readAll(s.stream)
    await writeAll(s.stream, [new TextEncoder().encode('lazy')])
    s.stream.end()
    expect(new TextDecoder().decode(await reply)).toBe('lazy')
    await out.close()
    await new Promise<void>((r) => inb.onceClosed(() => r()))
  })

  it('with lazySecuritySelect, a refused proposal fails as UPGRADE_SECURITY_NEGOTIATION_FAILED', async () => {
    const a = makeNode({ lazySecuritySelect: true })
    const [rawA, rawB] = await rawPair()
    const p = a.upgrader.upgradeOutbound(rawA).catch((e: unknown) => e)
    const line = (text: string) => {
      const body = new TextEncoder().encode(`${text}\n`)
      return Uint8Array.of(body.byteLength, ...body)
    }
    rawB.write(line('/multistream/1.0.0'))
    rawB.write(line('na'))
    const err = await p
    expect(SwitchyardError.is(err, 'UPGRADE_SECURITY_NEGOTIATION_FAILED')).toBe(true)
    expect((err as { step: string }).step).toBe('security-negotiation')
    expect(SwitchyardError.is((err as Error).cause, 'MULTISTREAM_PROTOCOL_REJECTED')).toBe(true)
    expect(rawA.closed).toBe(true)
  })

  it('the upgrade timeout fails with UPGRADE_TIMEOUT naming the step and releases the connection', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const a = makeNode({ upgradeTimeoutMs: 1000 })
    const [rawA] = await rawPair() // nobody upgrades the other end
    const p = a.upgrader.upgradeOutbound(rawA).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(1000)
    const err = await p
    expect(SwitchyardError.is(err, 'UPGRADE_TIMEOUT')).toBe(true)
    expect((err as { step: string }).step).toBe('security-negotiation')
    expect(rawA.closed).toBe(true)
  })

  it('an abort signal rejects with its reason and releases the connection', async () => {
    const a = makeNode()
    const [rawA] = await rawPair()
    const controller = new AbortController()
    const p = a.upgrader.upgradeOutbound(rawA, { signal: controller.signal })
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(p).rejects.toBe(reason)
    expect(rawA.closed).toBe(true)
    const [rawC] = await rawPair()
    await expect(a.upgrader.upgradeOutbound(rawC, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(rawC.closed).toBe(true)
  })
})

describe('resources', () => {
  function fakeManager(opts: { refuseConnection?: boolean; refusePeer?: boolean } = {}) {
    const log: string[] = []
    const manager: ResourceManager = {
      openConnection(direction) {
        if (opts.refuseConnection) {
          throw new ResourceLimitError('RESOURCE_LIMIT_EXCEEDED', {
            scope: 'system',
            resource: 'conns',
            current: 1,
            requested: 1,
            limit: 1,
          })
        }
        log.push(`open ${direction}`)
        const scope = {
          name: 'conn',
          direction,
          peer: undefined,
          closed: false,
          stat: () => ({
            memory: 0,
            fd: 0,
            connsInbound: 0,
            connsOutbound: 0,
            streamsInbound: 0,
            streamsOutbound: 0,
          }),
          pressure: () => 0,
          reserveMemory() {},
          releaseMemory() {},
          beginSpan: () => {
            throw new Error('unused')
          },
          setPeer() {
            if (opts.refusePeer) {
              throw new ResourceLimitError('RESOURCE_LIMIT_EXCEEDED', {
                scope: 'peer',
                resource: 'conns',
                current: 4,
                requested: 1,
                limit: 4,
              })
            }
            log.push('setPeer')
          },
          openStream(d: string) {
            log.push(`stream ${d}`)
            return {
              setProtocol: (p: string) => log.push(`protocol ${p}`),
              done: () => log.push(`stream done ${d}`),
            }
          },
          memoryAccount: () => ({ reserveMemory: () => true, releaseMemory() {} }),
          done() {
            log.push('done')
          },
          [Symbol.dispose]() {},
        }
        return scope as unknown as ReturnType<ResourceManager['openConnection']>
      },
    }
    return { manager, log }
  }

  it('opens a connection scope, moves it to the peer, accounts streams and closes it', async () => {
    const { manager, log } = fakeManager()
    const { out } = await connect(
      makeNode({ resourceManager: manager }),
      makeNode({ handlers: { '/echo/1.0.0': echo } }),
    )
    const s = await out.newStream('/echo/1.0.0')
    const reply = readAll(s.stream)
    await writeAll(s.stream, [new Uint8Array([1])])
    await reply
    await out.close()
    expect(log).toEqual([
      'open outbound',
      'setPeer',
      'stream outbound',
      'protocol /echo/1.0.0',
      'stream done outbound',
      'done',
    ])
  })

  it('a refused connection fails with UPGRADE_RESOURCE_LIMIT before any byte is read', async () => {
    const { manager } = fakeManager({ refuseConnection: true })
    const b = makeNode({ resourceManager: manager })
    const [, rawB] = await rawPair()
    const err = await b.upgrader.upgradeInbound(rawB).catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'UPGRADE_RESOURCE_LIMIT')).toBe(true)
    expect((err as { step: string }).step).toBe('accept')
    expect(rawB.closed).toBe(true)
  })

  it('a full peer scope fails at secured and closes the scope', async () => {
    const { manager, log } = fakeManager({ refusePeer: true })
    const a = makeNode()
    const b = makeNode({ resourceManager: manager })
    const [rawA, rawB] = await rawPair()
    const [, errB] = await Promise.all([
      a.upgrader.upgradeOutbound(rawA).catch((e: unknown) => e),
      b.upgrader.upgradeInbound(rawB).catch((e: unknown) => e),
    ])
    expect(SwitchyardError.is(errB, 'UPGRADE_RESOURCE_LIMIT')).toBe(true)
    expect((errB as { step: string }).step).toBe('secured')
    expect(log).toEqual(['open inbound', 'done'])
  })
})

describe('closing', () => {
  it('garbage under an open connection closes it with a typed error, both sides', async () => {
    const { out, inb, rawA, rawB } = await connect()
    const closedOut = new Promise<Error | undefined>((r) => out.onceClosed(r))
    const closedIn = new Promise<Error | undefined>((r) => inb.onceClosed(r))
    // Bytes that bypass the secure channel: the remote cannot decrypt them.
    rawA.write(new Uint8Array(70_000).fill(0x41))
    const errIn = await closedIn
    expect(SwitchyardError.is(errIn)).toBe(true)
    await closedOut
    expect(rawA.closed).toBe(true)
    expect(rawB.closed).toBe(true)
  })

  it('close() sends GoAway and closes both sides once streams are done', async () => {
    const { out, inb } = await connect()
    const s = await out.newStream('/echo/1.0.0')
    const reply = readAll(s.stream)
    await writeAll(s.stream, [new Uint8Array([9])])
    expect([...(await reply)]).toEqual([9])
    const closing = out.close()
    // 'closed' at once when no stream is open.
    expect(['closing', 'closed']).toContain(out.state)
    await closing
    expect(out.state).toBe('closed')
    expect(out.error).toBeUndefined()
    expect(await new Promise<Error | undefined>((r) => inb.onceClosed(r))).toBeUndefined()
    expect(inb.state).toBe('closed')
  })

  it('abort(err) resets streams and closes with err', async () => {
    const { out, inb } = await connect()
    const s = await out.newStream('/echo/1.0.0')
    const err = new Error('kill')
    const closed = new Promise<Error | undefined>((r) => out.onceClosed(r))
    out.abort(err)
    expect(await closed).toBe(err)
    expect(s.stream.closed).toBe(true)
    const remote = await new Promise<Error | undefined>((r) => inb.onceClosed(r))
    expect(remote).toBeInstanceOf(Error)
  })

  it('abort(err, { goodbye }) hands the goodbye code to the muxer: the remote sees it in the GoAway', async () => {
    const { out, inb } = await connect()
    const remote = new Promise<Error | undefined>((r) => inb.onceClosed(r))
    out.abort(new Error('violation'), { goodbye: 'protocol-error' })
    // Yamux GoAway code 1 = protocol error (yamux spec "Session termination").
    expect(await remote).toMatchObject({ code: 'YAMUX_REMOTE_GOAWAY', goAwayCode: 1 })
  })
})
