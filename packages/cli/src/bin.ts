#!/usr/bin/env node
/**
 * The `switchyard` command. Exit codes: 0 success, 1 failure (one line on
 * stderr), 2 usage error.
 */
import { parseCommand, USAGE } from './args.js'
import { benchCommand, listenCommand, type Output, perfCommand, pingCommand } from './commands.js'
import { runDemo } from './demo-run.js'
import { describeFailure } from './failure.js'
import { createTcpHost } from './tcp-host.js'

const io: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCommand(argv)
  switch (command.name) {
    case 'help':
      io.out(USAGE)
      return 0
    case 'demo':
      await runDemo(io)
      return 0
    case 'listen': {
      const host = await createTcpHost({
        keyFile: command.key,
        peerstore: command.peerstore,
        maxConnections: command.maxConnections,
      })
      await listenCommand(host, command.listen, io)
      return 0
    }
  }
  const host = await createTcpHost({})
  try {
    switch (command.name) {
      case 'ping':
        await pingCommand(host, command.addr, command.count, io)
        break
      case 'perf':
        await perfCommand(host, command, io)
        break
      case 'bench':
        await benchCommand(host, command, io, () => createTcpHost({}))
        break
    }
  } finally {
    await host.close()
  }
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    const failure = describeFailure(err)
    process.stderr.write(`${failure.line}\n`)
    process.exitCode = failure.exitCode
  },
)
