import type { Direction, PeerId } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { keptDirection, preferredConnection } from './simultaneous-open.js'

const id = (...bytes: number[]): PeerId => {
  const b = new Uint8Array(bytes)
  return { bytes: b, toString: () => b.join(','), equals: (o) => o.bytes.join(',') === b.join(',') }
}
const small = id(1, 2, 3)
const large = id(1, 2, 4)
type C = { direction: Direction; name: string }
const inbound: C = { direction: 'inbound', name: 'in' }
const outbound: C = { direction: 'outbound', name: 'out' }

describe('simultaneous open', () => {
  it.each([
    [large, small, 'outbound'],
    [small, large, 'inbound'],
    [id(9), id(1, 0), 'outbound'],
    [id(1), id(1, 0), 'inbound'],
  ] as const)('keptDirection(%o, %o) = %s', (local, remote, expected) => {
    expect(keptDirection(local, remote)).toBe(expected)
  })

  it('both sides keep the same connection', () => {
    // The larger peer keeps its outbound; the smaller keeps its inbound, i.e. the same connection.
    expect(preferredConnection(large, small, inbound, outbound)?.name).toBe('out')
    expect(preferredConnection(large, small, outbound, inbound)?.name).toBe('out')
    expect(preferredConnection(small, large, inbound, outbound)?.name).toBe('in')
    expect(preferredConnection(small, large, outbound, inbound)?.name).toBe('in')
  })

  it('keeps both connections when they have the same direction (not a simultaneous open)', () => {
    const a: C = { direction: 'outbound', name: 'a' }
    const b: C = { direction: 'inbound', name: 'b' }
    expect(preferredConnection(small, large, a, outbound)).toBeUndefined()
    expect(preferredConnection(large, small, b, inbound)).toBeUndefined()
  })
})
