// Memory per idle connection (issue 5): one listener child process (Switchyard's
// `switchyard listen` from packages/cli/dist, or js-libp2p's fullstack/js-node.mjs),
// IDLE_CONNS (default 1,000) fully upgraded TCP + Noise + Yamux connections from
// dialer child processes (fullstack/dialer.mjs: Switchyard transport + upgrader, one
// identity per connection), and the listener's memory after GC at 0 and at N
// connections (fullstack/mem-probe.mjs, preloaded into the listener, prints
// process.memoryUsage() + v8.getHeapStatistics() on SIGUSR2).
//
// Before the 0-connection sample the listener serves IDLE_WARMUP (default 100)
// connections that are then closed, so that code compiled and caches filled on the
// first connections are not counted per connection. Both samples are taken after
// IDLE_SETTLE_MS (default 20 s) without traffic: V8's memory reducer then shrinks
// the young generation that the burst of handshakes grew (up to ~32 MiB, which would
// otherwise show up as ~30 KiB "per connection" of RSS on either side).
//
//   IDLE_CONNS (default 1000), IDLE_ROUNDS (default 2; median), IDLE_SIDES (js,switchyard),
//   IDLE_SNAPSHOT=1: heap snapshots at 0 and N in the last round and a per-class diff
//   (self size and count per connection, fullstack/heap-diff.mjs).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { formatDiff, summarize } from './fullstack/heap-diff.mjs'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const N = Number(process.env.IDLE_CONNS ?? 1000)
const ROUNDS = Number(process.env.IDLE_ROUNDS ?? 2)
const SIDES = (process.env.IDLE_SIDES ?? 'js,switchyard').split(',')
const SNAPSHOT = process.env.IDLE_SNAPSHOT === '1'
const SETTLE = Number(process.env.IDLE_SETTLE_MS ?? 20_000)
const WARMUP = Number(process.env.IDLE_WARMUP ?? 100)
const KEEP = process.env.IDLE_KEEP_SNAPSHOTS === '1'
const log = (...a) => console.error('[idle-memory]', ...a)
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function spawnListener(kind, snapshotDir) {
  const script =
    kind === 'switchyard'
      ? [here('../../cli/dist/bin.js'), 'listen']
      : [here('./fullstack/js-node.mjs'), 'listen']
  const args = [
    '--expose-gc',
    '--max-old-space-size=8192',
    '--import',
    here('./fullstack/mem-probe.mjs'),
    ...script,
  ]
  const env = { ...process.env }
  if (snapshotDir) env.MEM_SNAPSHOT_DIR = snapshotDir
  else delete env.MEM_SNAPSHOT_DIR
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  let stderr = ''
  child.stderr.on('data', (d) => {
    if (stderr.length < 4000) stderr += d
  })
  const lines = createInterface({ input: child.stdout })
  const queue = []
  const waiters = []
  lines.on('line', (l) => (waiters.length ? waiters.shift()(l) : queue.push(l)))
  const nextLine = () => new Promise((r) => (queue.length ? r(queue.shift()) : waiters.push(r)))
  let addr
  for (;;) {
    const l = await nextLine()
    if (l === 'READY') break
    addr ??= l
  }
  return {
    addr,
    stderr: () => stderr,
    async stats() {
      child.kill('SIGUSR2')
      let mem
      for (;;) {
        const l = await nextLine()
        if (l.startsWith('MEM ')) mem = JSON.parse(l.slice(4))
        else if (l.startsWith('{')) return { ...mem, ...JSON.parse(l) }
      }
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(t)
    },
  }
}

async function holdConnections(addr, count, procs) {
  const per = Math.ceil(count / procs)
  const dialers = Array.from({ length: procs }, () =>
    spawn(process.execPath, [here('./fullstack/dialer.mjs'), addr, String(per), '32'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  const msg = (d, type) => new Promise((r) => d.on('message', (m) => m.type === type && r(m)))
  const dialled = await Promise.all(dialers.map((d) => msg(d, 'dialled')))
  return {
    ok: dialled.reduce((n, m) => n + m.ok, 0),
    failed: dialled.reduce((n, m) => n + m.failed, 0),
    firstError: dialled.find((m) => m.firstError)?.firstError,
    async close() {
      for (const d of dialers) d.send({ type: 'close' })
      await Promise.all(
        dialers.map((d) => new Promise((r) => (d.exitCode !== null ? r() : d.once('exit', r)))),
      )
    },
  }
}

async function measure(kind, snapshotDir) {
  const listener = await spawnListener(kind, snapshotDir)
  try {
    if (WARMUP > 0) {
      const warm = await holdConnections(listener.addr, WARMUP, 1)
      await warm.close()
    }
    await sleep(SETTLE)
    const before = await listener.stats()
    const held = await holdConnections(listener.addr, N, Math.max(1, Math.ceil(N / 2500)))
    await sleep(SETTLE)
    const after = await listener.stats()
    await held.close()
    const n = after.connections
    const per = (k) => (after[k] - before[k]) / n
    return {
      connections: n,
      dialFailed: held.failed,
      firstError: held.firstError,
      rss: per('rss'),
      heap: per('heapUsed'),
      heapTotal: per('heapTotal'),
      external: per('external'),
      arrayBuffers: per('arrayBuffers'),
      malloced: per('mallocedMemory'),
      residentHeap: (after.resident.heap - before.resident.heap) / n,
      residentAnon: (after.resident.anon - before.resident.anon) / n,
      handles: after.handles - before.handles,
      spaces: Object.fromEntries(
        Object.entries(after.spaces).map(([k, v]) => [k, Math.round((v - (before.spaces[k] ?? 0)) / n)]),
      ),
      warnings: after.warnings,
      snapshots: [before.snapshot, after.snapshot],
    }
  } finally {
    await listener.stop()
  }
}

const results = Object.fromEntries(SIDES.map((s) => [s, []]))
const diffs = {}
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? SIDES : [...SIDES].reverse()
  for (const kind of order) {
    const dir = SNAPSHOT && round === ROUNDS - 1 ? mkdtempSync(join(tmpdir(), 'idle-mem-')) : undefined
    log(`round ${round + 1}: ${kind}, ${N} connections${dir ? ' (with heap snapshots)' : ''}`)
    const r = await measure(kind, dir)
    log(JSON.stringify({ ...r, snapshots: undefined }))
    results[kind].push(r)
    if (dir) {
      diffs[kind] = formatDiff(summarize(r.snapshots[0]), summarize(r.snapshots[1]), r.connections)
      if (KEEP) log(`snapshots kept: ${r.snapshots.join(' ')}`)
      else rmSync(dir, { recursive: true, force: true })
    }
  }
}

const KiB = (b) => `${(b / 1024).toFixed(1)} KiB`
const rows = [
  ['RSS per idle connection', 'rss'],
  ['  RSS in malloc brk heap', 'residentHeap'],
  ['  RSS in anonymous maps (V8 pages, …)', 'residentAnon'],
  ['heap used per idle connection', 'heap'],
  ['  heap total (reserved) per connection', 'heapTotal'],
  ['external per idle connection', 'external'],
  ['  of which ArrayBuffers', 'arrayBuffers'],
]
console.log(
  `\nMemory per idle connection, ${N} connections, listener after GC (median of ${ROUNDS} rounds)\n`,
)
console.log(`| | ${SIDES.join(' | ')} |${SIDES.length === 2 ? ' ratio (js / ours) |' : ''}`)
console.log(`|---|${SIDES.map(() => '---|').join('')}${SIDES.length === 2 ? '---|' : ''}`)
const med = {}
for (const s of SIDES) {
  med[s] = {}
  for (const [, k] of rows) med[s][k] = median(results[s].map((r) => r[k]))
}
for (const [label, k] of rows) {
  const cells = SIDES.map((s) => KiB(med[s][k]))
  const ratio = SIDES.length === 2 ? ` ${(med[SIDES[0]][k] / med[SIDES[1]][k]).toFixed(2)}× |` : ''
  console.log(`| ${label} | ${cells.join(' | ')} |${ratio}`)
}
for (const s of SIDES) {
  const last = results[s].at(-1)
  console.log(
    `\n${s}: connections ${last.connections}, dial failures ${last.dialFailed}${last.firstError ? ` (${last.firstError})` : ''}, ` +
      `active handles +${last.handles}, warnings ${JSON.stringify(last.warnings)}`,
  )
  console.log(
    `${s} raw: ${JSON.stringify(results[s].map((r) => ({ rss: Math.round(r.rss), heap: Math.round(r.heap) })))}`,
  )
}
for (const [s, d] of Object.entries(diffs))
  console.log(`\nHeap snapshot diff, ${s} (0 → N connections, per connection):\n\n${d}`)
