import { describe, expect, it } from 'vitest'
import { microtask } from './microtask.js'

describe('microtask', () => {
  it('runs after the current synchronous code, in queue order with other microtasks, before a macrotask', async () => {
    const order: string[] = []
    setTimeout(() => order.push('timeout'), 0)
    microtask(() => order.push('a'))
    queueMicrotask(() => order.push('b'))
    microtask(() => order.push('c'))
    order.push('sync')
    await new Promise((r) => setTimeout(r, 5))
    expect(order).toEqual(['sync', 'a', 'b', 'c', 'timeout'])
  })
})
