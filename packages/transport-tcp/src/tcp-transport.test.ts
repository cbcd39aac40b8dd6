import net from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { type RawConnection, readAll, SwitchyardError, streamClosed, writeAll } from '@switchyard/interface'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { socketToConnection } from './socket-connection.js'
import { awaitConnect, tcp } from './tcp-transport.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('tcp()', () => {
  it('validates its init', () => {
    expect(() => tcp({ dialTimeoutMs: 0 })).toThrow(RangeError)
    expect(() => tcp({ backlog: -1 })).toThrow(RangeError)
    expect(() => tcp({ keepAliveInitialDelayMs: Number.NaN })).toThrow(RangeError)
  })

  it('refuses a dial to a closed port with an error naming the address', async () => {
    const server = net.createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as net.AddressInfo
    await new Promise<void>((r) => server.close(() => r()))
    const addr = multiaddr(`/ip4/127.0.0.1/tcp/${port}`)
    const err = await tcp()
      .dial(addr)
      .catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'TRANSPORT_CONNECTION_REFUSED')).toBe(true)
    expect((err as { addr: string }).addr).toBe(addr.toString())
  })

  it('dials a DNS name and reports the resolved IP as the remote address', async () => {
    const t = tcp()
    const inbound: RawConnection[] = []
    const listener = await t.listen(multiaddr('/ip4/127.0.0.1/tcp/0'), {
      onConnection: (c) => inbound.push(c),
    })
    const port = listener.addr.getComponents()[1]!.value
    const conn = await t.dial(multiaddr(`/dns4/localhost/tcp/${port}`))
    expect(conn.remoteAddr.toString()).toBe(listener.addr.toString())
    conn.destroy()
    await listener.close()
    for (const c of inbound) c.destroy()
  })

  it('listens on /ip4 and /ip6 wildcards on the same port', async () => {
    const t = tcp()
    const l4 = await t.listen(multiaddr('/ip4/0.0.0.0/tcp/0'), { onConnection: (c) => c.destroy() })
    const port = l4.addr.getComponents()[1]!.value
    const l6 = await t.listen(multiaddr(`/ip6/::/tcp/${port}`), { onConnection: (c) => c.destroy() })
    expect(l6.addr.toString()).toBe(`/ip6/::/tcp/${port}`)
    await l4.close()
    await l6.close()
  })

  it('gives accepted connections one shared local multiaddr per local address', async () => {
    const t = tcp()
    for (const bind of ['/ip4/127.0.0.1/tcp/0', '/ip4/0.0.0.0/tcp/0']) {
      const inbound: RawConnection[] = []
      const listener = await t.listen(multiaddr(bind), { onConnection: (c) => inbound.push(c) })
      const port = listener.addr.getComponents()[1]!.value
      const dialled = [
        await t.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}`)),
        await t.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}`)),
      ]
      await vi.waitFor(() => expect(inbound).toHaveLength(2))
      // The socket's real local address (not the wildcard), shared by both connections.
      expect(inbound[0]!.localAddr.toString()).toBe(`/ip4/127.0.0.1/tcp/${port}`)
      expect(inbound[1]!.localAddr).toBe(inbound[0]!.localAddr)
      expect(inbound[0]!.remoteAddr.toString()).toBe(dialled[0]!.localAddr.toString())
      for (const c of [...dialled, ...inbound]) c.destroy()
      await listener.close()
    }
  })

  it('rejects dialing port 0', async () => {
    const err = await tcp()
      .dial(multiaddr('/ip4/127.0.0.1/tcp/0'))
      .catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'TRANSPORT_ADDR_UNSUPPORTED')).toBe(true)
  })
})

describe('awaitConnect', () => {
  it('times out with TRANSPORT_DIAL_TIMEOUT and destroys the socket', async () => {
    vi.useFakeTimers()
    const socket = new net.Socket() // never connects
    const p = awaitConnect(socket, '/ip4/10.0.0.1/tcp/1', 1000, undefined).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(1000)
    const err = await p
    expect(SwitchyardError.is(err, 'TRANSPORT_DIAL_TIMEOUT')).toBe(true)
    expect((err as Error).message).toContain('/ip4/10.0.0.1/tcp/1')
    expect(socket.destroyed).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects with the abort reason, clears its timer and destroys the socket', async () => {
    const socket = new net.Socket()
    const controller = new AbortController()
    const p = awaitConnect(socket, '/ip4/10.0.0.1/tcp/1', 60_000, controller.signal)
    const reason = new Error('cancelled')
    controller.abort(reason)
    await expect(p).rejects.toBe(reason)
    expect(socket.destroyed).toBe(true)
    expect(socket.listenerCount('connect')).toBe(0)
  })

  it('maps unreachable and unknown errors', async () => {
    for (const [code, expected] of [
      ['EHOSTUNREACH', 'TRANSPORT_UNREACHABLE'],
      ['ENETUNREACH', 'TRANSPORT_UNREACHABLE'],
      ['ENOTFOUND', 'TRANSPORT_UNREACHABLE'],
      ['ETIMEDOUT', 'TRANSPORT_DIAL_TIMEOUT'],
      ['EWHATEVER', 'TRANSPORT_DIAL_FAILED'],
    ] as const) {
      const socket = new net.Socket()
      const p = awaitConnect(socket, '/ip4/10.0.0.1/tcp/1', 60_000, undefined)
      socket.emit('error', Object.assign(new Error(code), { code }))
      const err = await p.catch((e: unknown) => e)
      expect(SwitchyardError.is(err, expected)).toBe(true)
    }
  })
})

describe('socketToConnection', () => {
  it('wraps an existing socket pair, half-close and all', async () => {
    const server = net.createServer({ allowHalfOpen: true })
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as net.AddressInfo
    const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    await new Promise((r) => client.once('connect', r))
    const a = socketToConnection(client)
    const b = socketToConnection(await accepted)
    expect(a.remoteAddr.toString()).toBe(`/ip4/127.0.0.1/tcp/${port}`)
    expect(b.remoteAddr.toString()).toBe(a.localAddr.toString())
    const got = readAll(b)
    await writeAll(a, [new Uint8Array([1, 2, 3])])
    expect([...(await got)]).toEqual([1, 2, 3])
    const back = readAll(a)
    await writeAll(b, [new Uint8Array([4])])
    expect([...(await back)]).toEqual([4])
    await Promise.all([streamClosed(a), streamClosed(b)])
    // The socket's own byte counters, still readable after the close.
    expect([a.bytesWritten, a.bytesRead]).toEqual([3, 1])
    expect([b.bytesWritten, b.bytesRead]).toEqual([1, 3])
    server.close()
  })

  it('a reset reaches the peer as TRANSPORT_CONNECTION_FAILED', async () => {
    const server = net.createServer({ allowHalfOpen: true })
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as net.AddressInfo
    const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    await new Promise((r) => client.once('connect', r))
    const a = socketToConnection(client)
    const b = socketToConnection(await accepted)
    const closed = new Promise<Error | undefined>((r) => b.onceClosed(r))
    a.destroy(new Error('abort'))
    const err = await closed
    expect(SwitchyardError.is(err, 'TRANSPORT_CONNECTION_FAILED')).toBe(true)
    expect(client.destroyed).toBe(true)
    server.close()
  })

  it("write() follows its own mark (default 1 MiB), never below the socket's; drain follows", async () => {
    const server = net.createServer({ allowHalfOpen: true })
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as net.AddressInfo
    const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    await new Promise((r) => client.once('connect', r))
    const peer = await accepted
    const big = socketToConnection(client)
    // Writes of one tick are corked: they all count against the mark.
    expect(big.write(new Uint8Array(512 * 1024))).toBe(true)
    expect(big.write(new Uint8Array(512 * 1024))).toBe(false)
    await new Promise<void>((r) => big.onceDrain(r))
    // A mark below the socket's own (16 KiB) is raised to it: its 'drain' only comes past it.
    const small = socketToConnection(peer, { writableHighWaterMark: 1 })
    expect(small.write(new Uint8Array(8 * 1024))).toBe(true)
    expect(small.write(new Uint8Array(8 * 1024))).toBe(false)
    await new Promise<void>((r) => small.onceDrain(r))
    expect(() => socketToConnection(client, { writableHighWaterMark: -1 })).toThrow(RangeError)
    big.destroy()
    small.destroy()
    server.close()
  })
})
