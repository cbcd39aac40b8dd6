/** Command-line parsing on `node:util` parseArgs, with errors a person can act on. */
import { parseArgs } from 'node:util'
import { parseSize } from './sizes.js'

/** A mistake in the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export const USAGE = `usage:
  switchyard listen [--listen MULTIADDR]... [--key FILE] [--peerstore sqlite:PATH] [--max-connections N]
  switchyard ping MULTIADDR [--count N]
  switchyard perf MULTIADDR [--upload SIZE] [--download SIZE] [--streams N] [--json]
  switchyard bench MULTIADDR [--tests ping,echo,streams,perf,connect,cconnect] [--json]
  switchyard demo

  MULTIADDR of a remote ends with /p2p/<peer id>, e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...
  SIZE is bytes or 64MiB, 1GiB, 20MB, ...`

export type Command =
  | {
      name: 'listen'
      listen: string[]
      key: string | undefined
      peerstore: string | undefined
      maxConnections: number
    }
  | { name: 'ping'; addr: string; count: number }
  | { name: 'perf'; addr: string; upload: number; download: number; streams: number; json: boolean }
  | { name: 'bench'; addr: string; tests: BenchTest[]; json: boolean; scale: number }
  | { name: 'demo' }
  | { name: 'help' }

export const BENCH_TESTS = ['ping', 'echo', 'streams', 'perf', 'connect', 'cconnect'] as const
export type BenchTest = (typeof BENCH_TESTS)[number]

export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv
  switch (name) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' }
    case 'listen': {
      const { values } = parse(
        rest,
        {
          listen: { type: 'string', multiple: true },
          key: { type: 'string' },
          peerstore: { type: 'string' },
          'max-connections': { type: 'string' },
        },
        0,
      )
      return {
        name,
        listen: (values.listen as string[] | undefined) ?? ['/ip4/127.0.0.1/tcp/0'],
        key: values.key as string | undefined,
        peerstore: values.peerstore as string | undefined,
        maxConnections: positiveInt(
          values['max-connections'] as string | undefined,
          'max-connections',
          20_000,
        ),
      }
    }
    case 'ping': {
      const { values, positionals } = parse(rest, { count: { type: 'string' } }, 1)
      return {
        name,
        addr: positionals[0]!,
        count: positiveInt(values.count as string | undefined, 'count', 5),
      }
    }
    case 'perf': {
      const { values, positionals } = parse(
        rest,
        {
          upload: { type: 'string' },
          download: { type: 'string' },
          streams: { type: 'string' },
          json: { type: 'boolean' },
        },
        1,
      )
      return {
        name,
        addr: positionals[0]!,
        upload: size(values.upload as string | undefined, 'upload', 0),
        download: size(values.download as string | undefined, 'download', 64 * 1024 * 1024),
        streams: positiveInt(values.streams as string | undefined, 'streams', 1),
        json: values.json === true,
      }
    }
    case 'bench': {
      const { values, positionals } = parse(
        rest,
        { tests: { type: 'string' }, json: { type: 'boolean' }, scale: { type: 'string' } },
        1,
      )
      const tests = ((values.tests as string | undefined) ?? BENCH_TESTS.join(','))
        .split(',')
        .map((t) => t.trim())
      for (const t of tests) {
        if (!(BENCH_TESTS as readonly string[]).includes(t)) {
          throw new UsageError(`unknown bench test "${t}" (known: ${BENCH_TESTS.join(', ')})`)
        }
      }
      const scale = Number((values.scale as string | undefined) ?? '1')
      if (!(scale > 0 && scale <= 1)) throw new UsageError('--scale must be in (0, 1]')
      return { name, addr: positionals[0]!, tests: tests as BenchTest[], json: values.json === true, scale }
    }
    case 'demo':
      parse(rest, {}, 0)
      return { name }
    default:
      throw new UsageError(`unknown command "${name}"`)
  }
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options']

function parse(args: string[], options: Options, positionalCount: number) {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (parsed.positionals.length !== positionalCount) {
    throw new UsageError(
      positionalCount === 0
        ? `unexpected argument "${parsed.positionals[0]}"`
        : parsed.positionals.length === 0
          ? 'missing MULTIADDR'
          : `unexpected argument "${parsed.positionals[positionalCount]}"`,
    )
  }
  return parsed
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`)
  return n
}

function size(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  try {
    return parseSize(value)
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`)
  }
}
