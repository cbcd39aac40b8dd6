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
  it.each<[Error | undefined, DisconnectReason]>([
    [undefined, 'normal'],
    [e('YAMUX_KEEPALIVE_TIMEOUT'), 'timeout'],
    [e('RESOURCE_LIMIT_EXCEEDED'), 'resource-constraint'],
    [e('CONNECTION_GATED'), 'peer-banned'],
    [e('TRANSPORT_CONNECTION_FAILED'), 'transport-error'],
    [e('YAMUX_REMOTE_GOAWAY'), 'normal'],
    [e('YAMUX_INVALID_VERSION'), 'protocol-violation'],
    [new Error('ECONNRESET'), 'transport-error'],
  ])('%s → %s', (err, reason) => {
    expect(classifyClose(err)).toBe(reason)
  })
})
