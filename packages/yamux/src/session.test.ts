import { readAll, StreamError, writeAll } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { bytes, same, sessionPair, tick } from '../test/helpers.js'

describe('YamuxSession', () => {
  it('opens a stream and echoes', async () => {
    const { client, accepted } = sessionPair()
    const s = await client.newStream()
    expect(s.id).toBe(1)
    s.write(new TextEncoder().encode('hello'))
    s.end()
    await tick()
    expect(accepted).toHaveLength(1)
    const remote = accepted[0]!
    expect(remote.id).toBe(1)
    expect(remote.direction).toBe('inbound')
    const got = await readAll(remote)
    expect(new TextDecoder().decode(got)).toBe('hello')
    await writeAll(remote, [new TextEncoder().encode('world')])
    expect(new TextDecoder().decode(await readAll(s))).toBe('world')
    await tick()
    expect(s.closed).toBe(true)
    expect(remote.closed).toBe(true)
    expect(client.streamCount).toBe(0)
  })

  it('moves 4 MiB through the window both ways', async () => {
    const { client, server, accepted } = sessionPair({}, { split: 7000 })
    const s = await client.newStream()
    const data = bytes(4 * 1024 * 1024)
    const w = writeAll(s, [data.subarray(0, 1_000_000), data.subarray(1_000_000)])
    await tick()
    const remote = accepted[0]!
    const got = await readAll(remote)
    await w
    expect(same(got, data)).toBe(true)
    expect(server.stats.recvBufferedBytes).toBe(0)
    expect(client.stats.sendQueuedBytes).toBe(0)
  })

  it('server streams use even ids', async () => {
    const { server, clientAccepted } = sessionPair()
    const s = await server.newStream()
    expect(s.id).toBe(2)
    s.write(new Uint8Array([1]))
    await tick()
    expect(clientAccepted[0]?.id).toBe(2)
  })

  it('reset reaches the remote as STREAM_RESET', async () => {
    const { client, accepted } = sessionPair()
    const s = await client.newStream()
    s.write(new Uint8Array([1]))
    await tick()
    const remote = accepted[0]!
    const closed = new Promise<Error | undefined>((r) => remote.onceClosed(r))
    s.destroy()
    const err = await closed
    expect(StreamError.is(err, 'STREAM_RESET')).toBe(true)
  })
})
