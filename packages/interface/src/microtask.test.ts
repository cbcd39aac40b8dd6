import { describe, expect, it } from 'vitest'
import { microtask, TickQueue } from './microtask.js'

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

describe('TickQueue', () => {
  it('runs the items of a tick in order in one microtask; one added meanwhile waits for the next', async () => {
    const ran: string[] = []
    const q: TickQueue<string> = new TickQueue((item) => {
      ran.push(item)
      if (item === 'b') q.add('late')
    })
    q.add('a')
    q.add('b')
    q.add('c')
    expect(ran).toEqual([])
    await null
    expect(ran).toEqual(['a', 'b', 'c'])
    await null
    expect(ran).toEqual(['a', 'b', 'c', 'late'])
  })
})
