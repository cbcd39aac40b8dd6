import { getEventListeners } from 'node:events'
import type { PeerId, Peerstore, ResourceManager } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import type { SwitchConfig } from './config.js'
import { SwitchEvents } from './events.js'
import { SwitchContext } from './switch-context.js'

const context = () =>
  new SwitchContext({
    peerId: {} as PeerId,
    config: {} as SwitchConfig,
    peerstore: {} as Peerstore,
    resourceManager: {} as ResourceManager,
    events: new SwitchEvents(),
    now: () => 0,
    onError: undefined,
  })

describe('SwitchContext.linkedSignal', () => {
  it('adds no listener to the shutdown signal, however many operations follow it', () => {
    const ctx = context()
    const shutdown = ctx.shutdown.signal
    const baseline = getEventListeners(shutdown, 'abort').length
    const ops = Array.from({ length: 50 }, () => ctx.linkedSignal())
    expect(getEventListeners(shutdown, 'abort')).toHaveLength(baseline)
    expect(ctx.linkedSignals).toBe(50)
    for (const op of ops) op.done()
    expect(ctx.linkedSignals).toBe(0)
    expect(getEventListeners(shutdown, 'abort')).toHaveLength(baseline)
  })

  it('aborts the operations in flight with the shutdown reason, and later ones at once', () => {
    const ctx = context()
    const settled = ctx.linkedSignal()
    settled.done()
    const running = ctx.linkedSignal()
    const reason = new Error('closing')
    ctx.shutdown.abort(reason)
    expect(running.signal.aborted).toBe(true)
    expect(running.signal.reason).toBe(reason)
    expect(settled.signal.aborted).toBe(false)
    expect(ctx.linkedSignals).toBe(0)
    const late = ctx.linkedSignal()
    expect(late.signal.reason).toBe(reason)
    late.done()
  })
})
