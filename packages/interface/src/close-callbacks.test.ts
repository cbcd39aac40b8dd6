import { describe, expect, it, vi } from 'vitest'
import { CloseCallbacks } from './close-callbacks.js'

describe('CloseCallbacks', () => {
  it('runs every callback once, in order, with the error; unregistered ones not at all', () => {
    const c = new CloseCallbacks()
    const seen: string[] = []
    c.add((e) => seen.push(`a:${e?.message}`))
    const off = c.add(() => seen.push('b'))
    c.add(() => {
      throw new Error('a callback that throws')
    })
    c.add((e) => seen.push(`d:${e?.message}`))
    off()
    c.fire(new Error('x'))
    c.fire(new Error('again'))
    expect(seen).toEqual(['a:x', 'd:x'])
  })

  it('a callback added after fire runs in a microtask with the same error, unless cancelled', async () => {
    const c = new CloseCallbacks()
    c.fire()
    const late = vi.fn()
    const cancelled = vi.fn()
    c.add(late)
    c.add(cancelled)()
    expect(late).not.toHaveBeenCalled()
    await Promise.resolve()
    expect(late).toHaveBeenCalledWith(undefined)
    expect(cancelled).not.toHaveBeenCalled()
  })

  it('a single callback runs (even if it throws), and once unregistered does not', () => {
    const one = new CloseCallbacks()
    const seen: Array<Error | undefined> = []
    one.add((e) => {
      seen.push(e)
      throw new Error('thrown')
    })
    const err = new Error('x')
    expect(() => one.fire(err)).not.toThrow()
    expect(seen).toEqual([err])

    const none = new CloseCallbacks()
    const cb = vi.fn()
    const off = none.add(cb)
    off()
    off()
    const after = vi.fn()
    none.add(after)
    none.fire()
    expect(cb).not.toHaveBeenCalled()
    expect(after).toHaveBeenCalledOnce()
  })
})
