import { describe, expect, it, vi } from 'vitest'
import { raceSignal, StreamError, SwitchyardError, throwIfAborted } from './errors.js'

/**
 * A stand-in for the same class loaded from a second copy of the package: a
 * different constructor, branded with the same global symbol.
 */
class DuplicateCopyError extends Error {
  readonly code: string
  constructor(code: string) {
    super('from another copy')
    this.code = code
    Object.defineProperty(this, Symbol.for('@switchyard/error'), { value: true })
  }
}

describe('SwitchyardError', () => {
  it('keeps code, message and cause; name is the class name', () => {
    const cause = new Error('root')
    const err = new SwitchyardError('SOME_CODE', 'it broke', { cause })
    expect(err.code).toBe('SOME_CODE')
    expect(err.message).toBe('it broke')
    expect(err.cause).toBe(cause)
    expect(err.name).toBe('SwitchyardError')
    expect(err).toBeInstanceOf(Error)
    expect(String(err)).toBe('SwitchyardError: it broke')
    expect(err.stack).toContain('it broke')
  })

  it('subclasses print as themselves', () => {
    const err = new StreamError('STREAM_RESET', 'reset')
    expect(err.name).toBe('StreamError')
    expect(String(err)).toBe('StreamError: reset')
    expect(err).toBeInstanceOf(SwitchyardError)
  })

  it('is() recognises instances, with or without a code', () => {
    const err = new StreamError('STREAM_RESET', 'reset')
    expect(SwitchyardError.is(err)).toBe(true)
    expect(SwitchyardError.is(err, 'STREAM_RESET')).toBe(true)
    expect(SwitchyardError.is(err, 'STREAM_DESTROYED')).toBe(false)
  })

  it('is() works across duplicate copies of the package, where instanceof does not', () => {
    const foreign = new DuplicateCopyError('STREAM_RESET')
    expect(foreign instanceof SwitchyardError).toBe(false)
    expect(SwitchyardError.is(foreign)).toBe(true)
    expect(SwitchyardError.is(foreign, 'STREAM_RESET')).toBe(true)
    expect(SwitchyardError.is(foreign, 'OTHER')).toBe(false)
  })

  it('is() rejects look-alikes and non-errors', () => {
    const lookAlike = Object.assign(new Error('x'), { code: 'STREAM_RESET' })
    expect(SwitchyardError.is(lookAlike)).toBe(false)
    expect(SwitchyardError.is({ code: 'STREAM_RESET' }, 'STREAM_RESET')).toBe(false)
    for (const v of [undefined, null, 'STREAM_RESET', 42, Symbol('e')])
      expect(SwitchyardError.is(v)).toBe(false)
  })

  it('the brand is not enumerable and does not leak into JSON', () => {
    const err = new SwitchyardError('C', 'm')
    expect(Object.keys(err)).toEqual(['code'])
    expect(JSON.parse(JSON.stringify(err))).toEqual({ code: 'C' })
  })
})

describe('throwIfAborted', () => {
  it('throws signal.reason only when aborted', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow()
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow()
    const reason = new Error('why')
    expect(() => throwIfAborted(AbortSignal.abort(reason))).toThrow(reason)
  })
})

describe('raceSignal', () => {
  it('passes the promise through without a signal', async () => {
    const p = Promise.resolve(1)
    expect(raceSignal(p, undefined)).toBe(p)
  })

  it('resolves and rejects like the promise, removing its listener', async () => {
    const ac = new AbortController()
    const remove = vi.spyOn(ac.signal, 'removeEventListener')
    await expect(raceSignal(Promise.resolve('v'), ac.signal)).resolves.toBe('v')
    const inner = new Error('inner')
    await expect(raceSignal(Promise.reject(inner), ac.signal)).rejects.toBe(inner)
    expect(remove).toHaveBeenCalledTimes(2)
  })

  it('rejects with signal.reason when aborted later, and calls onAbort', async () => {
    const ac = new AbortController()
    const onAbort = vi.fn()
    const never = new Promise<never>(() => {})
    const raced = raceSignal(never, ac.signal, onAbort)
    const reason = new Error('timeout')
    ac.abort(reason)
    await expect(raced).rejects.toBe(reason)
    expect(onAbort).toHaveBeenCalledWith(reason)
  })

  it('rejects at once when already aborted, without an unhandled rejection from the promise', async () => {
    const reason = new Error('already')
    const onAbort = vi.fn()
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    try {
      await expect(
        raceSignal(Promise.reject(new Error('ignored')), AbortSignal.abort(reason), onAbort),
      ).rejects.toBe(reason)
      await new Promise((r) => setImmediate(r))
      expect(unhandled).not.toHaveBeenCalled()
      expect(onAbort).toHaveBeenCalledWith(reason)
    } finally {
      process.off('unhandledRejection', unhandled)
    }
  })

  it("keeps AbortSignal.timeout()'s TimeoutError as the reason", async () => {
    const signal = AbortSignal.timeout(1)
    const err = await raceSignal(new Promise(() => {}), signal).catch((e: unknown) => e)
    expect((err as Error).name).toBe('TimeoutError')
  })
})
