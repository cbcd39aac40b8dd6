import { SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { parseCommand, UsageError } from './args.js'
import { describeFailure } from './failure.js'

function usageErrorOf(argv: string[]): unknown {
  try {
    parseCommand(argv)
  } catch (err) {
    return err
  }
  throw new Error(`parseCommand(${argv.join(' ')}) did not throw`)
}

describe('describeFailure', () => {
  it('usage errors exit 2 with one line that points at the help', () => {
    expect(describeFailure(new UsageError('missing MULTIADDR'))).toEqual({
      exitCode: 2,
      line: 'switchyard: missing MULTIADDR (see: switchyard help)',
      usage: true,
    })
    const missingAddr = describeFailure(usageErrorOf(['ping']))
    expect(missingAddr).toMatchObject({
      exitCode: 2,
      usage: true,
      line: 'switchyard: missing MULTIADDR (see: switchyard help)',
    })
    expect(
      describeFailure(usageErrorOf(['bench', '/ip4/1.2.3.4/tcp/1/p2p/x', '--tests', 'nope'])),
    ).toMatchObject({
      exitCode: 2,
    })
    expect(describeFailure(usageErrorOf(['frobnicate'])).line).toBe(
      'switchyard: unknown command "frobnicate" (see: switchyard help)',
    )
  })

  it('names the string code of a library error', () => {
    const err = new SwitchyardError(
      'TRANSPORT_CONNECTION_REFUSED',
      'connection refused (/ip4/127.0.0.1/tcp/1)',
    )
    expect(describeFailure(err)).toEqual({
      exitCode: 1,
      line: 'switchyard: TRANSPORT_CONNECTION_REFUSED: connection refused (/ip4/127.0.0.1/tcp/1)',
      usage: false,
    })
  })

  it('prints errors without a code as their message', () => {
    expect(
      describeFailure(new TypeError('the address must end with /p2p/<peer id>: /ip4/1.2.3.4/tcp/1')),
    ).toEqual({
      exitCode: 1,
      line: 'switchyard: the address must end with /p2p/<peer id>: /ip4/1.2.3.4/tcp/1',
      usage: false,
    })
    expect(describeFailure('plain string').line).toBe('switchyard: plain string')
    expect(describeFailure(new RangeError('')).line).toBe('switchyard: RangeError')
  })

  it('keeps a multi-line message on one line', () => {
    const { line } = describeFailure(new Error('first line\n  second line\r\nthird'))
    expect(line).toBe('switchyard: first line second line third')
    expect(line).not.toMatch(/[\r\n]/)
  })
})
