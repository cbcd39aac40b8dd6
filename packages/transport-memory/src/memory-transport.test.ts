import { multiaddr } from '@multiformats/multiaddr'
import { type RawConnection, SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { MemoryNetwork, memory } from './memory-transport.js'

describe('memory()', () => {
  it('validates its init', () => {
    expect(() => memory({ writableHighWaterMark: 0 })).toThrow(RangeError)
  })

  it('separate networks do not see each other', async () => {
    const a = memory({ network: new MemoryNetwork() })
    const b = memory({ network: new MemoryNetwork() })
    const listener = await a.listen(multiaddr('/memory/isolated'), { onConnection: (c) => c.destroy() })
    const err = await b.dial(multiaddr('/memory/isolated')).catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'TRANSPORT_CONNECTION_REFUSED')).toBe(true)
    await listener.close()
  })

  it('dials an address with a /p2p suffix', async () => {
    const network = new MemoryNetwork()
    const t = memory({ network })
    const inbound: RawConnection[] = []
    const listener = await t.listen(multiaddr('/memory/p2p-test'), { onConnection: (c) => inbound.push(c) })
    expect(network.names).toEqual(['p2p-test'])
    const conn = await t.dial(
      multiaddr('/memory/p2p-test/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'),
    )
    expect(inbound).toHaveLength(1)
    expect(conn.remoteAddr.toString()).toBe('/memory/p2p-test')
    conn.destroy()
    await listener.close()
    expect(network.names).toEqual([])
  })

  it('a throwing onConnection destroys the inbound connection', async () => {
    const t = memory({ network: new MemoryNetwork() })
    const listener = await t.listen(multiaddr('/memory/throws'), {
      onConnection() {
        throw new Error('no')
      },
    })
    const conn = await t.dial(multiaddr('/memory/throws'))
    const err = await new Promise<Error | undefined>((r) => conn.onceClosed(r))
    expect(SwitchyardError.is(err, 'TRANSPORT_CONNECTION_FAILED')).toBe(true)
    await listener.close()
  })
})
