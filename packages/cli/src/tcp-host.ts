/**
 * The CLI's node: a `@switchyard/switch` over TCP with Noise and Yamux, serving
 * ping, echo and perf. The switch owns every connection, listener and timer;
 * `close()` releases them all.
 *
 * The CLI is a demo and benchmark tool, so its listener trusts loopback: the
 * resource manager allowlists 127.0.0.0/8 and ::1 (no per-IP caps or inbound
 * rate limits for them) and allows `maxConnections` connections. The switch's own
 * defaults, for applications, stay strict.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { ECHO_PROTOCOL, handleEcho } from '@switchyard/echo'
import type { AbortOptions, Connection, Peerstore } from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { peerIdFromPrivateKey, peerIdFromString } from '@switchyard/peer-id'
import { handlePerf, PERF_PROTOCOL } from '@switchyard/perf'
import { handlePing, PING_PROTOCOL, Pinger } from '@switchyard/ping'
import { createResourceManager } from '@switchyard/resource-scopes'
import { createSwitch } from '@switchyard/switch'
import { tcp } from '@switchyard/transport-tcp'
import { createYamux } from '@switchyard/yamux'
import type { Host, HostConnection } from './host.js'
import { loadOrCreateKey } from './key-file.js'

export interface TcpHostInit {
  /** `--key FILE`; absent: a fresh identity. */
  keyFile?: string | undefined
  /** `--peerstore sqlite:PATH`; absent: in memory. */
  peerstore?: string | undefined
  /** Connections the host accepts at most. Default 20 000. */
  maxConnections?: number
}

const LOOPBACK = ['127.0.0.0/8', '::1/128']
/** Dialled addresses kept parsed. */
const PARSED_ADDRS = 16
/** Memory one connection may reserve for stream windows. */
const CONN_MEMORY = 256 * 1024 * 1024

export async function createTcpHost(init: TcpHostInit): Promise<Host> {
  const privateKey = await loadOrCreateKey(init.keyFile)
  const peerId = peerIdFromPrivateKey(privateKey)
  const maxConnections = init.maxConnections ?? 20_000
  const generous = {
    conns: maxConnections,
    connsInbound: maxConnections,
    connsOutbound: maxConnections,
    fd: maxConnections,
    streams: 'unlimited',
    streamsInbound: 'unlimited',
    streamsOutbound: 'unlimited',
  } as const
  const sw = createSwitch({
    peerId,
    transports: [tcp()],
    security: [createNoise({ privateKey })],
    muxers: [createYamux()],
    peerstore: await openPeerstore(init.peerstore),
    resourceManager: createResourceManager({
      limits: {
        allowlist: LOOPBACK,
        allowlistedSystem: generous,
        allowlistedTransient: generous,
        peerDefault: {
          conns: maxConnections,
          connsInbound: maxConnections,
          connsOutbound: maxConnections,
          memory: 4 * CONN_MEMORY,
        },
        // Yamux reserves each stream's receive window (256 KiB, growing to 16 MiB) from
        // the connection's account: the bench keeps 64 streams in flight on one
        // connection and 8 perf streams at full window.
        conn: { memory: CONN_MEMORY },
      },
    }),
    maxConnections,
    // Prune only near maxConnections: the resource manager's own watermarks follow its
    // non-allowlisted system limit (~4,000 connections here) and would cut a listener
    // holding 10,000 idle loopback connections down to ~3,600.
    highWater: maxConnections,
    lowWater: Math.floor(maxConnections * 0.9),
    maxPendingInbound: 1024,
    ping: async (conn, options) => {
      const { stream } = await conn.newStream(PING_PROTOCOL, options)
      const pinger = new Pinger(stream)
      try {
        return await pinger.ping(options)
      } finally {
        pinger.close()
      }
    },
  })
  // The switch's default is 32 inbound streams per protocol per connection (like
  // js-libp2p); `switchyard bench` keeps 64 echo streams in flight on one connection.
  const streamLimits = { maxInboundStreams: 1024 }
  sw.handle(PING_PROTOCOL, ({ stream }) => handlePing(stream), streamLimits)
  sw.handle(ECHO_PROTOCOL, ({ stream }) => handleEcho(stream), streamLimits)
  sw.handle(PERF_PROTOCOL, ({ stream }) => handlePerf(stream), streamLimits)
  await sw.start()

  const wrap = (conn: Connection): HostConnection => ({
    remotePeer: conn.remotePeer.toString(),
    security: conn.security,
    muxer: conn.muxer,
    async newStream(protocol, options) {
      return (await sw.openStream(conn.remotePeer, protocol, options)).stream
    },
    close: (options) => conn.close(options),
  })

  // The last few dialled addresses, parsed: `switchyard bench` and the benchmarks dial one
  // address again and again, and a multiaddr object caches its string and byte forms
  // (parsing one afresh costs ~30 µs per dial, and its byte form is computed again downstream).
  const parsed = new Map<string, Multiaddr>()
  const remember = (addr: string, ma: Multiaddr) => {
    if (parsed.has(addr)) return
    if (parsed.size >= PARSED_ADDRS) parsed.delete(parsed.keys().next().value as string)
    parsed.set(addr, ma)
  }

  return {
    peerId: peerId.toString(),

    async listen(addrs, options: AbortOptions = {}) {
      const bound = await sw.listen(addrs, options)
      return bound.map((a) => `${a.toString()}/p2p/${peerId.toString()}`)
    },

    async dial(addr, options: AbortOptions = {}) {
      const ma = parsed.get(addr) ?? multiaddr(addr)
      const peer = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
      if (peer === undefined) throw new TypeError(`the address must end with /p2p/<peer id>: ${addr}`)
      remember(addr, ma)
      // A malformed id is a typed error of `sw.dial`, before any socket (it parses the id).
      return wrap(await sw.dial(ma, { ...options, force: true }))
    },

    stats() {
      let streams = 0
      const conns = sw.connections()
      for (const c of conns) streams += c.streamCount
      return { connections: conns.length, streams }
    },

    close: (options) => sw.close(options),
  }
}

async function openPeerstore(spec: string | undefined): Promise<Peerstore | undefined> {
  if (spec === undefined) return undefined
  if (!spec.startsWith('sqlite:') || spec.length === 'sqlite:'.length) {
    throw new TypeError(`--peerstore must be sqlite:PATH, got "${spec}"`)
  }
  // Loaded only when asked for: better-sqlite3 is a native module.
  const { openSqlitePeerstore } = await import('@switchyard/peerstore-sqlite')
  return openSqlitePeerstore({ path: spec.slice('sqlite:'.length), peerIdFromString })
}
