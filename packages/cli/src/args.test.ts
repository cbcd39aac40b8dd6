import { describe, expect, it } from 'vitest'
import { parseCommand, UsageError } from './args.js'

describe('parseCommand', () => {
  it('listen with defaults and repeated --listen', () => {
    expect(parseCommand(['listen'])).toEqual({
      name: 'listen',
      listen: ['/ip4/127.0.0.1/tcp/0'],
      key: undefined,
      peerstore: undefined,
      maxConnections: 20_000,
    })
    expect(
      parseCommand(['listen', '--listen', '/ip4/0.0.0.0/tcp/1', '--listen', '/ip6/::/tcp/2', '--key', 'k']),
    ).toEqual({
      name: 'listen',
      listen: ['/ip4/0.0.0.0/tcp/1', '/ip6/::/tcp/2'],
      key: 'k',
      peerstore: undefined,
      maxConnections: 20_000,
    })
  })

  it('perf sizes', () => {
    expect(
      parseCommand(['perf', '/ip4/1.2.3.4/tcp/1/p2p/x', '--upload', '1MiB', '--download', '20MB']),
    ).toMatchObject({
      upload: 1024 * 1024,
      download: 20_000_000,
      streams: 1,
      json: false,
    })
  })

  it.each([
    [['frobnicate'], 'unknown command'],
    [['ping'], 'missing MULTIADDR'],
    [['ping', 'a', 'b'], 'unexpected argument "b"'],
    [['perf', 'a', '--upload', 'lots'], '--upload'],
    [['ping', 'a', '--count', '0'], '--count'],
    [['bench', 'a', '--tests', 'ping,warp'], 'unknown bench test "warp"'],
    [['listen', '--nope'], 'nope'],
  ])('%j is a usage error mentioning %s', (argv, text) => {
    expect(() => parseCommand(argv)).toThrow(UsageError)
    expect(() => parseCommand(argv)).toThrow(text)
  })
})
