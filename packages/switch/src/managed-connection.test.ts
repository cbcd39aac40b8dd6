import { describe, expect, it } from 'vitest'
import { ManagedConnection } from './managed-connection.js'

describe('ManagedConnection', () => {
  it('makes its stream tables on first access and keeps them', () => {
    const r = new ManagedConnection(0)
    expect(r.streamCount).toBe(0)
    const streams = r.streams
    expect(r.streams).toBe(streams)
    streams.set('s1', { id: 's1' } as never)
    expect(r.streamCount).toBe(1)
    r.increment(r.inbound, '/a')
    r.increment(r.inbound, '/a')
    expect(r.count(r.inbound, '/a')).toBe(2)
    expect(r.count(r.outbound, '/a')).toBe(0)
    r.decrement(r.inbound, '/a')
    r.decrement(r.inbound, '/a')
    expect(r.inbound.size).toBe(0)
    r.learntProtocols.add('/b')
    expect(r.learntProtocols.has('/b')).toBe(true)
  })
})
