import { getEventListeners } from 'node:events'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair, peerIdFromPrivateKey } from '@switchyard/peer-id'
import { handlePing, PING_PROTOCOL, Pinger } from '@switchyard/ping'
import { createUpgrader, type Upgrader } from '@switchyard/upgrader'
import { createYamux } from '@switchyard/yamux'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TestNet } from './helpers.js'

const waitLong = { timeout: 5_000, interval: 10 }
const N = 15

/** An upgrader that records the signal of every upgrade. */
function recordingUpgrader(privateKey = generateKeyPair()) {
  const signals: AbortSignal[] = []
  const inner = createUpgrader({
    localPeer: peerIdFromPrivateKey(privateKey),
    security: [createNoise({ privateKey })],
    muxers: [createYamux()],
  })
  const upgrader: Upgrader = {
    upgradeInbound: (raw, o = {}) => {
      if (o.signal !== undefined) signals.push(o.signal)
      return inner.upgradeInbound(raw, o)
    },
    upgradeOutbound: (raw, o = {}) => {
      if (o.signal !== undefined) signals.push(o.signal)
      return inner.upgradeOutbound(raw, o)
    },
  }
  return { upgrader, signals, privateKey }
}

describe('abort listeners (no MaxListenersExceededWarning)', () => {
  let net: TestNet
  const warnings: Error[] = []
  const onWarning = (w: Error) => {
    if (w.name === 'MaxListenersExceededWarning') warnings.push(w)
  }
  afterEach(async () => {
    process.off('warning', onWarning)
    await net.closeAll()
  })

  it(`${N} concurrent inbound upgrades, outbound dials and pings leave no listener behind`, async () => {
    process.on('warning', onWarning)
    warnings.length = 0
    net = new TestNet('tcp')
    const pingSignals: AbortSignal[] = []
    let t = 1_000
    const rec = recordingUpgrader()
    const hub = await net.listening({
      privateKey: rec.privateKey,
      upgrader: rec.upgrader,
      now: () => t,
      pingIntervalMs: 100,
      maintenanceIntervalMs: 1_000_000,
      ping: async (conn, options) => {
        pingSignals.push(options.signal)
        const { stream } = await conn.newStream(PING_PROTOCOL, options)
        const pinger = new Pinger(stream)
        try {
          return await pinger.ping(options)
        } finally {
          pinger.close()
        }
      },
    })
    // Inbound: N clients dial the hub at once.
    const clients = Array.from({ length: N }, () => net.make())
    for (const c of clients) c.sw.handle(PING_PROTOCOL, ({ stream }) => handlePing(stream))
    await Promise.all(clients.map((c) => c.sw.dial(hub.addr)))
    // Outbound: the hub dials N servers at once.
    const servers = await Promise.all(Array.from({ length: N }, () => net.listening()))
    for (const s of servers) s.sw.handle(PING_PROTOCOL, ({ stream }) => handlePing(stream))
    await Promise.all(servers.map((s) => hub.sw.dial(s.addr)))
    await vi.waitFor(() => expect(hub.sw.connections()).toHaveLength(2 * N), waitLong)
    // One maintenance tick pings all 2N connections at once.
    t += 1_000
    hub.sw.maintain()
    await vi.waitFor(() => {
      for (const c of hub.sw.connections()) expect(hub.sw.connectionStats(c)?.latencyMs).toBeDefined()
    }, waitLong)

    expect(rec.signals).toHaveLength(2 * N)
    expect(pingSignals).toHaveLength(2 * N)
    // Every operation had a signal of its own, and released its listeners when it ended.
    expect(new Set([...rec.signals, ...pingSignals]).size).toBe(4 * N)
    for (const s of [...rec.signals, ...pingSignals]) expect(getEventListeners(s, 'abort')).toHaveLength(0)
    expect(warnings).toEqual([])
  })
})
