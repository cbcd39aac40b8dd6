import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { onAbort } from './shared-abort.js'

describe('onAbort', () => {
  it('adds one listener to the signal for any number of waiters', () => {
    const controller = new AbortController()
    const offs = Array.from({ length: 50 }, () => onAbort(controller.signal, () => {}))
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    for (const off of offs) off()
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('calls every registered callback once on abort, none that left', () => {
    const controller = new AbortController()
    const calls: number[] = []
    onAbort(controller.signal, () => calls.push(1))
    const off2 = onAbort(controller.signal, () => calls.push(2))
    onAbort(controller.signal, () => calls.push(3))
    off2()
    controller.abort()
    controller.abort()
    expect(calls).toEqual([1, 3])
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('re-adds its listener after the last waiter left, and unregistering twice is harmless', () => {
    const controller = new AbortController()
    const off = onAbort(controller.signal, () => {})
    off()
    off()
    let called = false
    onAbort(controller.signal, () => {
      called = true
    })
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    controller.abort()
    expect(called).toBe(true)
  })

  it('a callback that unregisters another during the abort does not break the others', () => {
    const controller = new AbortController()
    const calls: string[] = []
    let offB = () => {}
    onAbort(controller.signal, () => {
      calls.push('a')
      offB()
    })
    offB = onAbort(controller.signal, () => calls.push('b'))
    controller.abort()
    expect(calls).toEqual(['a', 'b'])
  })
})
