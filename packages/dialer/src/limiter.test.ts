import { SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { DialLimiter } from './limiter.js'

describe('DialLimiter', () => {
  it('grants up to max slots, then queues by priority, FIFO within a priority', async () => {
    const l = new DialLimiter(1, 10)
    const first = await l.acquire(0)
    const order: string[] = []
    const wait = (name: string, p: number) =>
      l.acquire(p).then((release) => {
        order.push(name)
        release()
      })
    const all = Promise.all([wait('low', 1), wait('high-a', 9), wait('mid', 5), wait('high-b', 9)])
    expect(l.queued).toBe(4)
    first()
    first() // idempotent
    await all
    expect(order).toEqual(['high-a', 'high-b', 'mid', 'low'])
    expect(l.active).toBe(0)
    expect(l.queued).toBe(0)
  })

  it('rejects when the queue is full', async () => {
    const l = new DialLimiter(1, 1)
    await l.acquire(0)
    const queued = l.acquire(0)
    const err = await l.acquire(0).catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'DIAL_QUEUE_FULL')).toBe(true)
    expect(l.queued).toBe(1)
    void queued
  })

  it('an aborted waiter leaves the queue with signal.reason and never takes a slot', async () => {
    const l = new DialLimiter(1, 100)
    const release = await l.acquire(0)
    const ac = new AbortController()
    const aborted = l.acquire(5, ac.signal)
    const next = l.acquire(0)
    ac.abort(new Error('gone'))
    await expect(aborted).rejects.toThrow('gone')
    expect(l.queued).toBe(1)
    release()
    const r2 = await next
    expect(l.active).toBe(1)
    r2()
    expect(l.active).toBe(0)
    await expect(l.acquire(0, ac.signal)).rejects.toThrow('gone')
  })

  it('does not grow with aborted waiters', async () => {
    const l = new DialLimiter(1, 10_000)
    await l.acquire(0)
    for (let i = 0; i < 1000; i++) {
      const ac = new AbortController()
      const p = l.acquire(0, ac.signal)
      ac.abort(new Error('x'))
      await p.catch(() => {})
    }
    expect(l.queued).toBe(0)
  })

  it('validates its numbers', () => {
    expect(() => new DialLimiter(0, 1)).toThrow(RangeError)
    expect(() => new DialLimiter(1, -1)).toThrow(RangeError)
  })
})
