import { readAll } from '@switchyard/interface'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { echo, hold, isIdle, type Kind, TestNet } from './helpers.js'

const waitLong = { timeout: 5_000, interval: 10 }

/** Handles that keep the process alive, by type (sockets, servers, ref'd timers). */
function handles(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) {
    if (type === 'TCPSocketWrap' || type === 'TCPServerWrap' || type === 'Timeout') {
      out[type] = (out[type] ?? 0) + 1
    }
  }
  return out
}

/** True when no socket or server handle beyond `before` remains, and no more ref'd timers than before. */
function released(before: Record<string, number>, now: Record<string, number>): boolean {
  return (
    (now.TCPSocketWrap ?? 0) === (before.TCPSocketWrap ?? 0) &&
    (now.TCPServerWrap ?? 0) === (before.TCPServerWrap ?? 0) &&
    // The test runner's own timers may come and go; ours must not add any.
    (now.Timeout ?? 0) <= (before.Timeout ?? 0)
  )
}

/**
 * Turns the event loop (I/O included) until `released(before, handles())` or `turns`
 * ran out (sockets close a few loop turns after destroy); polls with setImmediate so
 * the poll itself adds no timer.
 */
async function settleHandles(before: Record<string, number>, turns = 5_000): Promise<Record<string, number>> {
  let now = handles()
  for (let i = 0; i < turns && !released(before, now); i++) {
    await new Promise((r) => setImmediate(r))
    now = handles()
  }
  return now
}

describe('close() releases everything (issue: no socket, timer or listener remains)', () => {
  let net: TestNet
  afterEach(async () => {
    vi.useRealTimers()
    await net.closeAll()
  })

  it('over TCP: no socket, server or timer handle remains after both switches close', async () => {
    net = new TestNet('tcp')
    const before = handles()
    const b = await net.listening()
    const a = net.make({ pingIntervalMs: 60_000, maintenanceIntervalMs: 60_000, ping: async () => 1 })
    b.sw.handle('/echo/1.0.0', echo)
    b.sw.handle('/hold/1.0.0', hold)
    a.sw.setKeepAlive(b.peerId, true)
    const ps = await a.sw.openStream(b.addr, '/echo/1.0.0')
    const reply = readAll(ps.stream)
    ps.stream.end()
    await reply
    // A stream still open at close: the goodbye must drain or cut it.
    await a.sw.openStream(b.peerId, '/hold/1.0.0')
    expect(handles().TCPSocketWrap).toBeGreaterThanOrEqual((before.TCPSocketWrap ?? 0) + 2)
    expect(handles().TCPServerWrap).toBe((before.TCPServerWrap ?? 0) + 1)
    await a.sw.close()
    await b.sw.close()
    const after = await settleHandles(before)
    expect(released(before, after), JSON.stringify({ before, after })).toBe(true)
    expect(isIdle(a.rm)).toBe(true)
    expect(isIdle(b.rm)).toBe(true)
  })

  it.each<Kind>(['memory'])(
    'over %s with fake timers: no timer of any kind (ref or unref) remains after close',
    async (kind) => {
      // Only timers are faked; microtasks and setImmediate stay real so the transports run.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
      net = new TestNet(kind)
      const b = await net.listening()
      const a = net.make({
        pingIntervalMs: 1_000,
        inactivityTimeoutMs: 60_000,
        maintenanceIntervalMs: 1_000,
        ping: async () => 1,
        reconnect: { timeoutBackoff: { baseMs: 60_000, maxMs: 60_000 } },
      })
      const c = await net.listening()
      b.sw.handle('/hold/1.0.0', hold)
      await a.sw.openStream(b.addr, '/hold/1.0.0')
      await a.sw.dial(c.addr)
      // A keep-alive peer that goes away leaves a reconnect timer behind (backoff 60 s).
      a.sw.setKeepAlive(c.peerId, true)
      await c.sw.close()
      await vi.waitFor(() => expect(a.sw.connections(c.peerId)).toHaveLength(0), waitLong)
      expect(vi.getTimerCount()).toBeGreaterThan(0)
      const closing = Promise.all([a.sw.close(), b.sw.close()])
      // The goodbye of the open stream is bounded by a (fake) timer: let it fire if needed.
      await vi.advanceTimersByTimeAsync(2_000)
      await closing
      expect(vi.getTimerCount()).toBe(0)
      expect(isIdle(a.rm)).toBe(true)
      expect(isIdle(b.rm)).toBe(true)
    },
  )
})

describe.each<Kind>(['memory', 'tcp'])('limits and goodbyes over %s', (kind) => {
  let net: TestNet
  afterEach(async () => {
    await net.closeAll()
  })

  it('refuses inbound connections beyond maxPendingInbound while others are upgrading', async () => {
    net = new TestNet(kind)
    const hub = await net.listening({ maxPendingInbound: 1 })
    // A raw connection that never speaks holds the only upgrade slot.
    const stalled = await net.transport().dial(hub.bound, {})
    await vi.waitFor(() => expect(hub.rm.stat().system.usage.connsInbound).toBe(1), waitLong)
    const a = net.make()
    await expect(a.sw.dial(hub.addr)).rejects.toBeDefined()
    expect(hub.sw.connections()).toHaveLength(0)
    // Freeing the slot (the stalled upgrade fails and is reported) lets the next one in.
    stalled.destroy()
    await vi.waitFor(() => expect(net.errors.length).toBeGreaterThan(0), waitLong)
    await a.sw.dial(hub.addr, { force: true })
    await vi.waitFor(() => expect(hub.sw.connections()).toHaveLength(1), waitLong)
  })

  it.each([
    ['protocol-violation', 1, 'protocol-violation'],
    ['peer-banned', 2, 'transport-error'],
  ] as const)(
    'an abrupt hangUp for %s sends GoAway(%i); the remote reads the code as %s',
    async (reason, code, remoteReason) => {
      net = new TestNet(kind)
      const b = await net.listening()
      const a = net.make()
      const seen: { reason: string; error: Error | undefined }[] = []
      a.sw.on('disconnected', (e) => seen.push({ reason: e.reason, error: e.error }))
      await a.sw.dial(b.addr)
      await vi.waitFor(() => expect(b.sw.connections(a.peerId)).toHaveLength(1), waitLong)
      await b.sw.hangUp(a.peerId, reason)
      await vi.waitFor(() => expect(seen).toHaveLength(1), waitLong)
      expect(seen[0]!.error).toMatchObject({ code: 'YAMUX_REMOTE_GOAWAY', goAwayCode: code })
      expect(seen[0]!.reason).toBe(remoteReason)
      expect(a.sw.peerstore.get(b.peerId)?.lastDisconnectReason).toBe(remoteReason)
    },
  )

  it('a remote GoAway(internal error) redials a keep-alive peer with backoff', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    // A violation would wait 10 min: only the timeout/transport backoff (20 ms) gets us back.
    const a = net.make({
      reconnect: {
        timeoutBackoff: { baseMs: 20, maxMs: 20 },
        violationBackoff: { baseMs: 600_000, maxMs: 600_000 },
      },
    })
    await a.sw.dial(b.addr)
    a.sw.setKeepAlive(b.peerId, true)
    await vi.waitFor(() => expect(b.sw.connections(a.peerId)).toHaveLength(1), waitLong)
    const first = a.sw.connections(b.peerId)[0]
    const reconnected = new Promise<void>((resolve) => a.sw.on('connected', () => resolve()))
    await b.sw.hangUp(a.peerId, 'peer-banned')
    await reconnected
    expect(a.sw.peerstore.get(b.peerId)?.lastDisconnectReason).toBe('transport-error')
    expect(a.sw.connections(b.peerId)).toHaveLength(1)
    expect(a.sw.connections(b.peerId)[0]).not.toBe(first)
  })

  it('a graceful hangUp sends GoAway(normal): the remote closes without an error', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    const seen: { reason: string; error: Error | undefined }[] = []
    a.sw.on('disconnected', (e) => seen.push({ reason: e.reason, error: e.error }))
    await a.sw.dial(b.addr)
    await vi.waitFor(() => expect(b.sw.connections(a.peerId)).toHaveLength(1), waitLong)
    await b.sw.hangUp(a.peerId, 'resource-constraint')
    await vi.waitFor(() => expect(seen).toHaveLength(1), waitLong)
    expect(seen[0]).toEqual({ reason: 'normal', error: undefined })
  })
})
