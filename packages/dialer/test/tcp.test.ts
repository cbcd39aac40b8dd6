/**
 * The dialer over real TCP sockets (issue acceptance test): a peer with three addresses:
 * a listener that accepts but never answers, a closed port, and a good listener. The dial
 * must connect through the good one and close the loser's socket. Asserts outcomes, never
 * timings.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { multiaddr } from '@multiformats/multiaddr'
import type { Listener, RawConnection } from '@switchyard/interface'
import { fakePeerId } from '@switchyard/testkit'
import { tcp } from '@switchyard/transport-tcp'
import { afterEach, describe, expect, it } from 'vitest'
import { createDialer } from '../src/dialer.js'

const transport = tcp()
const cleanup: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function listen(onConnection: (conn: RawConnection) => void): Promise<Listener> {
  const listener = await transport.listen(multiaddr('/ip4/127.0.0.1/tcp/0'), { onConnection })
  cleanup.push(() => listener.close())
  return listener
}

/** A stand-in for the upgrade: the connection is "upgraded" once the server sends one byte. */
function dialAndUpgrade(addr: Multiaddr, { signal }: { signal: AbortSignal }): Promise<RawConnection> {
  return transport.dial(addr, { signal }).then(
    (raw) =>
      new Promise<RawConnection>((resolve, reject) => {
        const onAbort = () => {
          raw.destroy()
          reject(signal.reason)
        }
        if (signal.aborted) return onAbort()
        signal.addEventListener('abort', onAbort, { once: true })
        raw.setSink({
          onData: () => {
            signal.removeEventListener('abort', onAbort)
            raw.setSink(null)
            resolve(raw)
          },
          onEnd: () => {},
        })
        raw.onceClosed((err) => {
          signal.removeEventListener('abort', onAbort)
          reject(err ?? new Error('closed before the upgrade finished'))
        })
      }),
  )
}

/** Resolves once the remote end closed: EOF, or the stream closed (a reset). */
function remoteClosed(conn: RawConnection): Promise<void> {
  return new Promise((resolve) => {
    conn.setSink({ onData: () => {}, onEnd: () => resolve() })
    conn.onceClosed(() => resolve())
  })
}

describe('dialer over TCP', () => {
  it('connects through the good address despite a silent listener and a closed port, closing the loser', async () => {
    const accepted: { which: string; conn: RawConnection }[] = []
    const silent = await listen((conn) => {
      accepted.push({ which: 'silent', conn })
    })
    const good = await listen((conn) => {
      accepted.push({ which: 'good', conn })
      conn.write(new Uint8Array([1]))
    })
    const gone = await transport.listen(multiaddr('/ip4/127.0.0.1/tcp/0'), {
      onConnection: (c) => c.destroy(),
    })
    const closedAddr = gone.addr
    await gone.close()

    const outbound: RawConnection[] = []
    const records: [string, boolean, string | undefined][] = []
    const dialer = createDialer<RawConnection>({
      dialAddress: (addr, opts) =>
        dialAndUpgrade(addr, opts).then((c) => {
          outbound.push(c)
          return c
        }),
      closeConnection: (conn) => conn.destroy(),
      canDial: (addr) => transport.canDial(addr),
      recordDial: (_peer, addr, o) => records.push([addr.toString(), o.ok, o.ok ? undefined : o.code]),
    })
    cleanup.push(() => dialer.close())

    const peer = fakePeerId(7)
    // Ranked in this order (all loopback TCP, 30 ms apart): silent, closed, good.
    const conn = await dialer.dial({ peer, addrs: [silent.addr, closedAddr, good.addr] })
    cleanup.push(() => conn.destroy())
    expect(conn.remoteAddr.toString()).toBe(good.addr.toString())
    expect(outbound).toEqual([conn])
    // The closed port was tried and refused; the silent listener was cancelled, not failed.
    expect(records).toEqual([
      [closedAddr.toString(), false, 'TRANSPORT_CONNECTION_REFUSED'],
      [good.addr.toString(), true, undefined],
    ])

    // The silent listener's connection was given up on: the client closed its socket, so the
    // server side sees EOF (or a reset).
    const silentConns = accepted.filter((a) => a.which === 'silent')
    expect(silentConns).toHaveLength(1)
    await remoteClosed(silentConns[0]?.conn as RawConnection)
    expect(dialer.pendingAttempts).toEqual({ active: 0, queued: 0 })
    for (const a of accepted) cleanup.push(() => a.conn.destroy())
  })
})
