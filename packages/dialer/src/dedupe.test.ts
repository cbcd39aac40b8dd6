import { describe, expect, it } from 'vitest'
import { DialDedupe, type SharedDial } from './dedupe.js'

function manual<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  const cancels: unknown[] = []
  const dial: SharedDial<T> = {
    promise,
    cancel: (reason) => {
      cancels.push(reason)
      reject(reason)
    },
  }
  return { dial, resolve, reject, cancels }
}

describe('DialDedupe', () => {
  it('many concurrent callers share one dial and get the same connection', async () => {
    const d = new DialDedupe<object>()
    const m = manual<object>()
    let starts = 0
    const start = () => {
      starts++
      return m.dial
    }
    const callers = Array.from({ length: 50 }, () => d.join('peer', start))
    expect(starts).toBe(1)
    expect(d.size).toBe(1)
    const conn = {}
    m.resolve(conn)
    const results = await Promise.all(callers)
    expect(results.every((r) => r === conn)).toBe(true)
    expect(d.size).toBe(0)
  })

  it('all callers get the same error, and the next call starts a new dial', async () => {
    const d = new DialDedupe<object>()
    const m = manual<object>()
    const callers = [d.join('p', () => m.dial), d.join('p', () => m.dial)]
    const err = new Error('boom')
    m.reject(err)
    const results = await Promise.allSettled(callers)
    expect(results.map((r) => (r as PromiseRejectedResult).reason)).toEqual([err, err])
    const m2 = manual<object>()
    const again = d.join('p', () => m2.dial)
    m2.resolve({})
    await again
  })

  it('a caller that aborts leaves alone; the dial is cancelled when the last one leaves', async () => {
    const d = new DialDedupe<object>()
    const m = manual<object>()
    const a = new AbortController()
    const b = new AbortController()
    const pa = d.join('p', () => m.dial, a.signal)
    const pb = d.join('p', () => m.dial, b.signal)
    a.abort(new Error('a left'))
    await expect(pa).rejects.toThrow('a left')
    expect(m.cancels).toEqual([])
    b.abort(new Error('b left'))
    await expect(pb).rejects.toThrow('b left')
    expect(m.cancels).toHaveLength(1)
    expect(d.size).toBe(0)
  })

  it('rejects at once with an aborted signal', () => {
    const d = new DialDedupe<object>()
    expect(() => d.join('p', () => manual<object>().dial, AbortSignal.abort(new Error('no')))).toThrow('no')
    expect(d.size).toBe(0)
  })

  it('cancelAll cancels every dial', async () => {
    const d = new DialDedupe<object>()
    const m1 = manual<object>()
    const m2 = manual<object>()
    const p1 = d.join('a', () => m1.dial)
    const p2 = d.join('b', () => m2.dial)
    d.cancelAll(new Error('closed'))
    await expect(p1).rejects.toThrow('closed')
    await expect(p2).rejects.toThrow('closed')
  })
})
