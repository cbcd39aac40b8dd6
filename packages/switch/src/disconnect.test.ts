import type { DisconnectReason } from '@switchyard/interface'
import { SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import {
  classifyClose,
  goodbyeCode,
  goodbyeMode,
  reconnectDefaults,
  reconnectDelayMs,
  reconnectStrategy,
  remoteGoodbye,
  remoteGoodbyeReason,
} from './disconnect.js'

describe('reconnect strategy (seed 001 §4.3)', () => {
  it.each<[DisconnectReason, string]>([
    ['normal', 'immediate'],
    ['network-restructure', 'immediate'],
    ['timeout', 'backoff'],
    ['transport-error', 'backoff'],
    ['protocol-violation', 'backoff'],
    ['resource-constraint', 'when-resources-free'],
    ['peer-banned', 'never'],
  ])('%s → %s', (reason, kind) => {
    expect(reconnectStrategy(reason).kind).toBe(kind)
  })

  it('backs off exponentially up to the cap', () => {
    const s = reconnectStrategy('timeout')
    const { baseMs, maxMs } = reconnectDefaults.timeoutBackoff
    expect([0, 1, 2].map((a) => reconnectDelayMs(s, a))).toEqual([baseMs, baseMs * 2, baseMs * 4])
    expect(reconnectDelayMs(s, 1_000)).toBe(maxMs)
    expect(reconnectDelayMs(reconnectStrategy('normal'), 5)).toBe(0)
    expect(reconnectDelayMs(reconnectStrategy('peer-banned'), 0)).toBeUndefined()
  })

  it('says goodbye abruptly only to violators and banned peers', () => {
    expect(goodbyeMode('normal')).toBe('graceful')
    expect(goodbyeMode('resource-constraint')).toBe('graceful')
    expect(goodbyeMode('protocol-violation')).toBe('abrupt')
    expect(goodbyeMode('peer-banned')).toBe('abrupt')
  })

  it.each<[DisconnectReason, string]>([
    ['normal', 'normal'],
    ['network-restructure', 'normal'],
    ['timeout', 'normal'],
    ['transport-error', 'normal'],
    ['resource-constraint', 'normal'],
    ['protocol-violation', 'protocol-error'],
    ['peer-banned', 'internal-error'],
  ])('the goodbye for %s carries %s', (reason, code) => {
    expect(goodbyeCode(reason)).toBe(code)
  })
})

describe('classifyClose', () => {
  const e = (code: string) => new SwitchyardError(code, code)
  // What a muxer surfaces for a remote GoAway (yamux: `YamuxError` with its numeric code).
  const goAway = (fields: { goAwayCode?: number; goodbye?: string }) =>
    Object.assign(e('YAMUX_REMOTE_GOAWAY'), fields)
  it.each<[Error | undefined, DisconnectReason]>([
    [undefined, 'normal'],
    [e('YAMUX_KEEPALIVE_TIMEOUT'), 'timeout'],
    [e('RESOURCE_LIMIT_EXCEEDED'), 'resource-constraint'],
    [e('CONNECTION_GATED'), 'peer-banned'],
    [e('TRANSPORT_CONNECTION_FAILED'), 'transport-error'],
    [goAway({ goAwayCode: 0 }), 'normal'],
    [goAway({ goAwayCode: 1 }), 'protocol-violation'],
    [goAway({ goAwayCode: 2 }), 'transport-error'],
    [goAway({ goAwayCode: 7 }), 'transport-error'],
    [goAway({}), 'transport-error'],
    [goAway({ goodbye: 'protocol-error' }), 'protocol-violation'],
    [goAway({ goodbye: 'internal-error' }), 'transport-error'],
    [e('YAMUX_SESSION_CLOSED'), 'normal'],
    [e('YAMUX_INVALID_VERSION'), 'protocol-violation'],
    [new Error('ECONNRESET'), 'transport-error'],
  ])('%s → %s', (err, reason) => {
    expect(classifyClose(err)).toBe(reason)
  })
})

describe('remote goodbye', () => {
  it.each<[Record<string, unknown>, string | undefined]>([
    [{ goAwayCode: 0 }, 'normal'],
    [{ goAwayCode: 1 }, 'protocol-error'],
    [{ goAwayCode: 2 }, 'internal-error'],
    [{ goAwayCode: 3 }, undefined],
    [{ goAwayCode: -1 }, undefined],
    [{ goAwayCode: '1' }, undefined],
    [{ goodbye: 'protocol-error', goAwayCode: 0 }, 'protocol-error'],
    [{ goodbye: 'bye' }, undefined],
    [{}, undefined],
  ])('%o carries %s', (fields, code) => {
    expect(remoteGoodbye(Object.assign(new Error('x'), fields))).toBe(code)
  })

  it('a remote internal error backs off like a transport error; a protocol error like a violation', () => {
    expect(reconnectStrategy(remoteGoodbyeReason('internal-error'))).toEqual({
      kind: 'backoff',
      ...reconnectDefaults.timeoutBackoff,
    })
    expect(reconnectStrategy(remoteGoodbyeReason('protocol-error'))).toEqual({
      kind: 'backoff',
      ...reconnectDefaults.violationBackoff,
    })
    expect(reconnectStrategy(remoteGoodbyeReason('normal')).kind).toBe('immediate')
  })
})
