/**
 * The transport compliance suite: the `Transport`/`Listener`/`RawConnection` contract
 * of @switchyard/interface (transport.ts), run against every transport
 * (`@switchyard/transport-tcp`, `@switchyard/transport-memory`, …).
 *
 * The byte-stream behaviour of the connections themselves is the byte-stream
 * suite's business; this suite checks listening, dialing, addresses, errors and
 * that both ends of a dialled connection see each other's bytes and closes.
 */
import {
  concat,
  type Listener,
  type RawConnection,
  readAll,
  SwitchyardError,
  streamClosed,
  type Transport,
  writeAll,
} from '@switchyard/interface'
import { afterEach, describe, expect, it } from 'vitest'

// The multiaddr type as the interface package sees it (testkit does not depend on multiaddr itself).
type Multiaddr = Parameters<Transport['dial']>[0]

/** What `runTransportSuite` needs to know about a transport. */
export interface TransportSuiteInit {
  /** A fresh transport; called once per test. */
  createTransport(): Transport
  /** A fresh address to listen on (port 0 is fine); called for every listener. */
  listenAddr(): Multiaddr
  /** An address this transport can neither dial nor listen on. */
  unsupportedAddr: Multiaddr
}

/** Registers the transport compliance tests (vitest `describe`) for one transport. */
export function runTransportSuite(name: string, init: TransportSuiteInit): void {
  describe(`transport compliance: ${name}`, () => {
    const listeners: Listener[] = []
    const conns: RawConnection[] = []

    afterEach(async () => {
      for (const c of conns.splice(0)) c.destroy()
      for (const l of listeners.splice(0)) await l.close()
    })

    /** Listens and collects inbound connections; `next()` resolves with the next one. */
    async function listen(transport: Transport, addr = init.listenAddr()) {
      const inbound: RawConnection[] = []
      const waiters: Array<(c: RawConnection) => void> = []
      const listener = await transport.listen(addr, {
        onConnection(conn) {
          conns.push(conn)
          const w = waiters.shift()
          if (w !== undefined) w(conn)
          else inbound.push(conn)
        },
      })
      listeners.push(listener)
      const next = () =>
        inbound.length > 0
          ? Promise.resolve(inbound.shift()!)
          : new Promise<RawConnection>((resolve) => waiters.push(resolve))
      return { listener, next }
    }

    async function dial(transport: Transport, addr: Multiaddr): Promise<RawConnection> {
      const conn = await transport.dial(addr)
      conns.push(conn)
      return conn
    }

    async function connectedPair(transport: Transport) {
      const { listener, next } = await listen(transport)
      const [outbound, inbound] = await Promise.all([dial(transport, listener.addr), next()])
      return { listener, outbound, inbound }
    }

    it('says which addresses it handles', () => {
      const t = init.createTransport()
      expect(t.canListen(init.listenAddr())).toBe(true)
      expect(t.canDial(init.unsupportedAddr)).toBe(false)
      expect(t.canListen(init.unsupportedAddr)).toBe(false)
      expect(typeof t.name).toBe('string')
    })

    it('listens on a dialable address and reports it', async () => {
      const t = init.createTransport()
      const { listener } = await listen(t)
      expect(t.canDial(listener.addr)).toBe(true)
      expect(listener.addr.toString()).not.toMatch(/\/tcp\/0$/)
    })

    it('dials: both ends see each other, with consistent addresses', async () => {
      const t = init.createTransport()
      const { listener, outbound, inbound } = await connectedPair(t)
      expect(outbound.remoteAddr.toString()).toBe(listener.addr.toString())
      expect(inbound.remoteAddr.toString()).toBe(outbound.localAddr.toString())
      expect(inbound.localAddr.toString()).toBe(outbound.remoteAddr.toString())

      const fromOut = readAll(inbound)
      const fromIn = readAll(outbound)
      await writeAll(outbound, [bytes(3, 1), bytes(5, 2)])
      await writeAll(inbound, [bytes(7, 3)])
      expect(plain(await fromOut)).toEqual(concat([bytes(3, 1), bytes(5, 2)]))
      expect(plain(await fromIn)).toEqual(bytes(7, 3))
      await Promise.all([streamClosed(outbound), streamClosed(inbound)])
      expect(outbound.error).toBeUndefined()
      expect(inbound.error).toBeUndefined()
    })

    it('half-closes: the other side can still write after receiving EOF', async () => {
      const t = init.createTransport()
      const { outbound, inbound } = await connectedPair(t)
      const request = readAll(inbound)
      outbound.write(bytes(10, 9))
      outbound.end()
      expect(plain(await request)).toEqual(bytes(10, 9))
      expect(inbound.closed).toBe(false)
      const response = readAll(outbound)
      await writeAll(inbound, [bytes(20, 4)])
      expect(plain(await response)).toEqual(bytes(20, 4))
      await Promise.all([streamClosed(outbound), streamClosed(inbound)])
    })

    it('moves 1 MiB each way at once with backpressure', async () => {
      const t = init.createTransport()
      const { outbound, inbound } = await connectedPair(t)
      const payload = bytes(1024 * 1024, 7)
      const chunks = Array.from({ length: 64 }, (_, i) => payload.subarray(i * 16384, (i + 1) * 16384))
      const [a, b] = await Promise.all([
        readAll(inbound),
        readAll(outbound),
        writeAll(outbound, chunks),
        writeAll(inbound, chunks),
      ])
      expect(a.byteLength).toBe(payload.byteLength)
      expect(sameBytes(a, payload)).toBe(true)
      expect(b.byteLength).toBe(payload.byteLength)
      expect(sameBytes(b, payload)).toBe(true)
    })

    it('a destroyed end closes the other end with a typed error', async () => {
      const t = init.createTransport()
      const { outbound, inbound } = await connectedPair(t)
      const closed = new Promise<Error | undefined>((resolve) => inbound.onceClosed(resolve))
      outbound.destroy(new Error('boom'))
      const err = await closed
      expect(SwitchyardError.is(err)).toBe(true)
      expect(outbound.closed).toBe(true)
    })

    it('runs several listeners at once', async () => {
      const t = init.createTransport()
      const a = await listen(t)
      const b = await listen(t)
      expect(a.listener.addr.toString()).not.toBe(b.listener.addr.toString())
      const [ca, cb] = await Promise.all([dial(t, a.listener.addr), dial(t, b.listener.addr)])
      const [ia, ib] = await Promise.all([a.next(), b.next()])
      expect(ia.remoteAddr.toString()).toBe(ca.localAddr.toString())
      expect(ib.remoteAddr.toString()).toBe(cb.localAddr.toString())
    })

    it('a closed listener refuses new dials but keeps its connections', async () => {
      const t = init.createTransport()
      const { listener, outbound, inbound } = await connectedPair(t)
      await listener.close()
      await listener.close() // idempotent
      const err = await t.dial(listener.addr).catch((e: unknown) => e)
      expect(SwitchyardError.is(err, 'TRANSPORT_CONNECTION_REFUSED')).toBe(true)
      expect((err as Error).message).toContain(listener.addr.toString())
      const got = readAll(inbound)
      await writeAll(outbound, [bytes(4, 1)])
      expect(plain(await got)).toEqual(bytes(4, 1))
    })

    it('listening on a bound address is TRANSPORT_ADDR_IN_USE naming it', async () => {
      const t = init.createTransport()
      const { listener } = await listen(t)
      const err = await t.listen(listener.addr, { onConnection: (c) => c.destroy() }).catch((e: unknown) => e)
      expect(SwitchyardError.is(err, 'TRANSPORT_ADDR_IN_USE')).toBe(true)
      expect((err as Error).message).toContain(listener.addr.toString())
    })

    it('rejects unsupported addresses with TRANSPORT_ADDR_UNSUPPORTED', async () => {
      const t = init.createTransport()
      const err = await t.dial(init.unsupportedAddr).catch((e: unknown) => e)
      expect(SwitchyardError.is(err, 'TRANSPORT_ADDR_UNSUPPORTED')).toBe(true)
      const err2 = await t
        .listen(init.unsupportedAddr, { onConnection: (c) => c.destroy() })
        .catch((e: unknown) => e)
      expect(SwitchyardError.is(err2, 'TRANSPORT_ADDR_UNSUPPORTED')).toBe(true)
    })

    it('an aborted signal rejects dial and listen with its reason', async () => {
      const t = init.createTransport()
      const { listener } = await listen(t)
      const reason = new Error('stop')
      const signal = AbortSignal.abort(reason)
      await expect(t.dial(listener.addr, { signal })).rejects.toBe(reason)
      await expect(
        t.listen(init.listenAddr(), { onConnection: (c) => c.destroy() }, { signal }),
      ).rejects.toBe(reason)
    })
  })
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

/** A plain Uint8Array view (a Node Buffer does not deep-equal a Uint8Array). */
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** Byte equality without vitest's per-element deep equality (slow on MiB buffers). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
