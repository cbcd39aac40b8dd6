import { ResourceLimitError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { UNLIMITED } from './limits.js'
import { type ScopeContext, ScopeNode } from './scope.js'
import { Span } from './span.js'

function ctx(): ScopeContext & { unusedScopes: string[] } {
  const unusedScopes: string[] = []
  return {
    metrics: undefined,
    changed: () => {},
    unused: (s) => void unusedScopes.push(s.name),
    unusedScopes,
  }
}

const limited = (memory: number, streamsInbound = Number.POSITIVE_INFINITY) => ({
  ...UNLIMITED,
  memory,
  streamsInbound,
})

describe('ScopeNode', () => {
  it('charges every edge once, even when reachable along two paths', () => {
    const context = ctx()
    const system = new ScopeNode({ name: 'system', scopeClass: 'system', limit: UNLIMITED, context })
    const peer = new ScopeNode({
      name: 'peer',
      scopeClass: 'peer',
      limit: UNLIMITED,
      context,
      edges: [system],
    })
    const conn = new ScopeNode({
      name: 'conn',
      scopeClass: 'conn',
      limit: UNLIMITED,
      context,
      edges: [peer, system],
    })
    const stream = new ScopeNode({
      name: 'stream',
      scopeClass: 'stream',
      limit: UNLIMITED,
      context,
      edges: [conn, peer, system],
    })
    stream.reserveMemory(10)
    expect([stream, conn, peer, system].map((s) => s.stat().memory)).toEqual([10, 10, 10, 10])
    stream.done()
    expect([stream, conn, peer, system].map((s) => s.stat().memory)).toEqual([0, 0, 0, 0])
  })

  it('refuses atomically: the first full scope of the chain is named and nothing is charged', () => {
    const context = ctx()
    const system = new ScopeNode({ name: 'system', scopeClass: 'system', limit: limited(100), context })
    const conn = new ScopeNode({
      name: 'conn',
      scopeClass: 'conn',
      limit: limited(1000),
      context,
      edges: [system],
    })
    conn.reserveMemory(60)
    let err: unknown
    try {
      conn.reserveMemory(50)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ResourceLimitError)
    expect(err).toMatchObject({ scope: 'system', resource: 'memory', current: 60, requested: 50, limit: 100 })
    expect(conn.stat().memory).toBe(60)
    expect(system.stat().memory).toBe(60)
  })

  it('moveTo carries what a scope holds, refuses atomically, and unrefs dropped edges', () => {
    const context = ctx()
    const transient = new ScopeNode({ name: 'transient', scopeClass: 'transient', limit: UNLIMITED, context })
    const full = new ScopeNode({ name: 'full', scopeClass: 'peer', limit: limited(5), context })
    const roomy = new ScopeNode({ name: 'roomy', scopeClass: 'peer', limit: limited(50), context })
    const conn = new ScopeNode({
      name: 'conn',
      scopeClass: 'conn',
      limit: UNLIMITED,
      context,
      edges: [transient],
    })
    conn.reserveMemory(10)
    expect(() => conn.moveTo([full])).toThrow(ResourceLimitError)
    expect(conn.edges).toEqual([transient])
    expect(transient.stat().memory).toBe(10)
    expect(full.stat().memory).toBe(0)
    conn.moveTo([roomy])
    expect(transient.stat().memory).toBe(0)
    expect(roomy.stat().memory).toBe(10)
    expect(context.unusedScopes).toEqual(['transient'])
    conn.done()
    expect(roomy.stat().memory).toBe(0)
    expect(context.unusedScopes).toEqual(['transient', 'roomy'])
  })

  it('spans charge their owner chain, close with their owner, and refuse once closed', () => {
    const context = ctx()
    const system = new ScopeNode({ name: 'system', scopeClass: 'system', limit: limited(100), context })
    const conn = new ScopeNode({
      name: 'conn',
      scopeClass: 'conn',
      limit: UNLIMITED,
      context,
      edges: [system],
    })
    const span = new Span(conn)
    const inner = span.beginSpan()
    inner.reserveMemory(30)
    expect(system.stat().memory).toBe(30)
    expect(() => inner.reserveMemory(71)).toThrow(ResourceLimitError)
    conn.done()
    expect(span.closed && inner.closed).toBe(true)
    expect(system.stat().memory).toBe(0)
    expect(() => new Span(conn)).toThrow(expect.objectContaining({ code: 'RESOURCE_SCOPE_CLOSED' }))
    expect(() => inner.reserveMemory(1)).toThrow(expect.objectContaining({ code: 'RESOURCE_SCOPE_CLOSED' }))
  })

  it('treats a sum beyond the safe-integer range as over the limit (overflow check)', () => {
    const s = new ScopeNode({ name: 's', scopeClass: 'system', limit: UNLIMITED, context: ctx() })
    s.reserveMemory(Number.MAX_SAFE_INTEGER - 1)
    expect(() => s.reserveMemory(2)).toThrow(ResourceLimitError)
    expect(s.stat().memory).toBe(Number.MAX_SAFE_INTEGER - 1)
  })

  it('reports pressure per resource and overall', () => {
    const s = new ScopeNode({ name: 's', scopeClass: 'system', limit: limited(200, 4), context: ctx() })
    expect(s.pressure()).toBe(0)
    s.reserveMemory(50)
    s.reserve({ streamsInbound: 3 })
    expect(s.pressureOf('memory')).toBe(0.25)
    expect(s.pressureOf('streamsInbound')).toBe(0.75)
    expect(s.pressureOf('conns')).toBe(0)
    expect(s.pressure()).toBe(0.75)
  })
})
