import { multiaddr } from '@multiformats/multiaddr'
import { SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { FakeTransport, type Script } from '../test/fake-transport.js'
import { DialWorker } from './dial-worker.js'
import type { DialError } from './errors.js'
import { DialLimiter } from './limiter.js'
import { ManualClock } from './manual-clock.js'

const A = '/ip4/1.0.0.1/tcp/1'
const B = '/ip4/1.0.0.2/tcp/1'
const C = '/ip4/1.0.0.3/tcp/1'

function setup(
  scripts: Record<string, Script>,
  schedule: [string, number][],
  opts: { maxParallel?: number; limit?: number } = {},
) {
  const clock = new ManualClock()
  const fake = new FakeTransport(clock, scripts)
  const outcomes: [string, boolean][] = []
  const worker = new DialWorker({
    schedule: schedule.map(([a, d]) => ({ addr: multiaddr(a), delayMs: d })),
    dialAddress: fake.dialAddress,
    closeConnection: fake.close,
    clock,
    limiter: new DialLimiter(opts.limit ?? 100, 100),
    priority: 0,
    maxParallel: opts.maxParallel ?? 8,
    addressTimeoutMs: 10_000,
    maxErrors: 16,
    onOutcome: (addr, o) => outcomes.push([addr.toString(), o.ok]),
  })
  return { clock, fake, worker, outcomes }
}

describe('DialWorker', () => {
  it('staggers attempts by their schedule and the first success wins', async () => {
    const { clock, fake, worker, outcomes } = setup(
      { [A]: { kind: 'hang' }, [B]: { kind: 'ok', afterMs: 100 }, [C]: { kind: 'ok', afterMs: 10 } },
      [
        [A, 0],
        [B, 250],
        [C, 500],
      ],
    )
    const result = worker.start()
    await clock.advanceAsync(1000)
    const r = await result
    expect(r.addr.toString()).toBe(B)
    expect(fake.started).toEqual([
      { addr: A, at: 0 },
      { addr: B, at: 250 },
    ])
    // The loser was aborted; C never started.
    expect(fake.aborted).toEqual([A])
    expect(outcomes).toEqual([[B, true]])
    expect(clock.pendingTimers).toBe(0)
  })

  it('a failure starts the next attempt at once and moves the schedule forward', async () => {
    const { clock, fake, worker } = setup(
      { [A]: { kind: 'fail', afterMs: 10 }, [B]: { kind: 'hang' }, [C]: { kind: 'ok', afterMs: 0 } },
      [
        [A, 0],
        [B, 250],
        [C, 500],
      ],
    )
    const result = worker.start()
    await clock.advanceAsync(1000)
    const r = await result
    expect(r.addr.toString()).toBe(C)
    // B at 10 (A failed), C one stagger (250) after B.
    expect(fake.started.map((s) => [s.addr, s.at])).toEqual([
      [A, 0],
      [B, 10],
      [C, 260],
    ])
  })

  it('fails with every address cause when all fail', async () => {
    const { clock, worker, outcomes } = setup(
      { [A]: { kind: 'fail', afterMs: 5 }, [B]: { kind: 'fail', afterMs: 5 } },
      [
        [A, 0],
        [B, 250],
      ],
    )
    const result = worker.start()
    await clock.advanceAsync(1000)
    const err = (await result.catch((e: unknown) => e)) as DialError
    expect(SwitchyardError.is(err, 'DIAL_FAILED')).toBe(true)
    expect(err.errors.map((e) => e.addr.toString())).toEqual([A, B])
    expect(err.errors.every((e) => SwitchyardError.is(e.cause, 'TRANSPORT_CONNECTION_REFUSED'))).toBe(true)
    expect(outcomes).toEqual([
      [A, false],
      [B, false],
    ])
  })

  it('times out a hanging attempt per address', async () => {
    const { clock, worker } = setup({ [A]: { kind: 'hang' } }, [[A, 0]])
    const result = worker.start()
    await clock.advanceAsync(10_000)
    const err = (await result.catch((e: unknown) => e)) as DialError
    expect(err.code).toBe('DIAL_FAILED')
    expect(SwitchyardError.is(err.errors[0]?.cause, 'DIAL_ADDRESS_TIMEOUT')).toBe(true)
  })

  it('closes a connection an attempt produced after it lost (no leak)', async () => {
    const { clock, fake, worker } = setup(
      { [A]: { kind: 'ok-ignoring-abort', afterMs: 400 }, [B]: { kind: 'ok', afterMs: 10 } },
      [
        [A, 0],
        [B, 250],
      ],
    )
    const result = worker.start()
    await clock.advanceAsync(1000)
    expect((await result).addr.toString()).toBe(B)
    expect(fake.aborted).toEqual([A])
    expect(fake.conns.map((c) => [c.addr, c.closed])).toEqual([
      [B, false],
      [A, true],
    ])
  })

  it('cancel() aborts every attempt, rejects with the reason, and closes late successes', async () => {
    const { clock, fake, worker, outcomes } = setup(
      { [A]: { kind: 'ok-ignoring-abort', afterMs: 300 }, [B]: { kind: 'hang' } },
      [
        [A, 0],
        [B, 250],
      ],
    )
    const result = worker.start()
    await clock.advanceAsync(260)
    worker.cancel(new Error('bye'))
    await expect(result).rejects.toThrow('bye')
    await clock.advanceAsync(1000)
    expect(fake.aborted.sort()).toEqual([A, B])
    expect(fake.open).toEqual([])
    expect(fake.conns).toHaveLength(1)
    expect(outcomes).toEqual([])
    expect(clock.pendingTimers).toBe(0)
  })

  it('honours maxParallel and the global limiter', async () => {
    const scripts = {
      [A]: { kind: 'fail', afterMs: 100 },
      [B]: { kind: 'fail', afterMs: 100 },
      [C]: { kind: 'ok', afterMs: 100 },
    } as const
    const { clock, fake, worker } = setup(
      scripts,
      [
        [A, 0],
        [B, 0],
        [C, 0],
      ],
      { maxParallel: 1 },
    )
    const result = worker.start()
    await clock.advanceAsync(1000)
    expect((await result).addr.toString()).toBe(C)
    expect(fake.maxInFlight).toBe(1)
    const g = setup(
      scripts,
      [
        [A, 0],
        [B, 0],
        [C, 0],
      ],
      { limit: 2 },
    )
    const r2 = g.worker.start()
    await g.clock.advanceAsync(1000)
    await r2
    expect(g.fake.maxInFlight).toBe(2)
  })
})
