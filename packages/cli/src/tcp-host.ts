/**
 * The CLI's node: transport-tcp + upgrader (Noise, Yamux, multistream-select),
 * serving ping, echo and perf. A deliberately small coordinator: every dial is a
 * new connection, and it tracks what it owns so `close()` releases everything.
 */
import { setMaxListeners } from 'node:events'
import { multiaddr } from '@multiformats/multiaddr'
import { ECHO_PROTOCOL, handleEcho } from '@switchyard/echo'
import type { AbortOptions, Connection, Listener, StreamHandler } from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { peerIdFromPrivateKey, peerIdFromString } from '@switchyard/peer-id'
import { handlePerf, PERF_PROTOCOL } from '@switchyard/perf'
import { handlePing, PING_PROTOCOL } from '@switchyard/ping'
import { tcp } from '@switchyard/transport-tcp'
import { createUpgrader } from '@switchyard/upgrader'
import { createYamux } from '@switchyard/yamux'
import type { Host, HostConnection } from './host.js'
import { loadOrCreateKey } from './key-file.js'

export interface TcpHostInit {
  /** `--key FILE`; absent: a fresh identity. */
  keyFile?: string | undefined
}

export async function createTcpHost(init: TcpHostInit): Promise<Host> {
  const privateKey = await loadOrCreateKey(init.keyFile)
  const localPeer = peerIdFromPrivateKey(privateKey)
  const yamux = createYamux()
  const handlers = new Map<string, StreamHandler>([
    [PING_PROTOCOL, ({ stream }) => handlePing(stream)],
    [ECHO_PROTOCOL, ({ stream }) => handleEcho(stream)],
    [PERF_PROTOCOL, ({ stream }) => handlePerf(stream)],
  ])
  const upgrader = createUpgrader({
    localPeer,
    security: [createNoise({ privateKey })],
    muxers: [yamux],
    protocols: (protocol) => handlers.get(protocol),
  })
  const transport = tcp()
  const listeners: Listener[] = []
  const connections = new Set<Connection>()
  // Aborted by close(): inbound upgrades still in their handshake stop there, so no
  // connection finishes its upgrade after the host closed (one signal, many upgrades).
  const closing = new AbortController()
  setMaxListeners(Number.POSITIVE_INFINITY, closing.signal)
  const track = (conn: Connection) => {
    if (closing.signal.aborted) {
      conn.abort(new Error('the host is closed'))
      throw closing.signal.reason
    }
    connections.add(conn)
    conn.onceClosed(() => connections.delete(conn))
    return conn
  }

  return {
    peerId: localPeer.toString(),

    async listen(addrs, options: AbortOptions = {}) {
      const bound: string[] = []
      for (const addr of addrs) {
        const listener = await transport.listen(
          multiaddr(addr),
          {
            onConnection(raw) {
              upgrader.upgradeInbound(raw, { signal: closing.signal }).then(track, () => {
                // The upgrader released the raw connection and named the failed step;
                // an inbound peer that fails its upgrade is not our problem to report.
              })
            },
          },
          options,
        )
        listeners.push(listener)
        bound.push(`${listener.addr.toString()}/p2p/${localPeer.toString()}`)
      }
      return bound
    },

    async dial(addr, options: AbortOptions = {}): Promise<HostConnection> {
      const ma = multiaddr(addr)
      const peer = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
      if (peer === undefined) throw new TypeError(`the address must end with /p2p/<peer id>: ${addr}`)
      const remotePeer = peerIdFromString(peer)
      const raw = await transport.dial(ma.decapsulateCode(421), options)
      const conn = track(await upgrader.upgradeOutbound(raw, { ...options, remotePeer }))
      return {
        remotePeer: conn.remotePeer.toString(),
        async newStream(protocol, streamOptions) {
          return (await conn.newStream(protocol, streamOptions)).stream
        },
        close: (closeOptions) => conn.close(closeOptions),
      }
    },

    stats() {
      let streams = 0
      for (const c of connections) streams += c.streamCount
      return { connections: connections.size, streams }
    },

    async close(options: AbortOptions = {}) {
      if (!closing.signal.aborted) closing.abort(new Error('the host is closed'))
      await Promise.all(listeners.splice(0).map((l) => l.close(options)))
      await Promise.all(
        [...connections].map((c) => c.close(options).catch(() => c.abort(new Error('closing')))),
      )
    },
  }
}
