// Full-stack benchmark (issue 5): TCP + Noise + Yamux + multistream-select, node to
// node, js-libp2p ↔ js-libp2p against Switchyard ↔ Switchyard. Each side has two
// processes: a listener child (`switchyard listen` from packages/cli/dist, or
// fullstack/js-node.mjs) and this process as the client. Sides alternate within each
// round; the table shows medians over rounds and the ratio Switchyard / js-libp2p.
//
//   BENCH_SCALE (default 1): shrinks perf sizes (1 GiB, 8 × 128 MiB) and counts.
//   BENCH_SIDES=sy (or js): run one side only, for profiling (no ratios then).
//   BENCH_CHILD_PROF=DIR: the listener children run with `--cpu-prof --cpu-prof-dir=DIR`
//   (profile this process with `node --cpu-prof`).
//   BENCH_ROUNDS (default 3). BENCH_SKIP: comma list of connect,cconnect,streams,perf,baseline,memory,idle10k.
import { fork, spawn } from 'node:child_process'
import { createDecipheriv, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect as netConnect } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

// The client side of each implementation runs in a process of its own that loads only
// that implementation (`round-child`), as an application would: loaded together, each
// paid for the other's module graph and heap (every mark-compact marks it all; at
// hundreds of MB/s of cipher output those run back to back).
const ECHO_PROTOCOL = '/echo/1.0.0'
const PERF_PROTOCOL = '/perf/1.0.0'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean))
const MiB = 1024 * 1024
const sizes = {
  connects: Math.max(20, Math.round(200 * Math.min(1, SCALE * 4))),
  clients: 100,
  streamsSeq: Math.max(100, Math.round(1000 * Math.min(1, SCALE * 4))),
  streamsConc: Math.max(640, Math.round(5000 * Math.min(1, SCALE * 4))),
  inFlight: 64,
  perfBytes: Math.round(1024 * MiB * SCALE),
  perfStreams: 8,
  perfStreamBytes: Math.round(128 * MiB * SCALE),
  idle: 1000,
  idleWarmup: 100,
  idle10k: 10_000,
}
// The dialers of the idle tests use Switchyard's transport + upgrader directly. (The
// switch's `dial(addr, { force: true })` opens a new connection each time, as js-libp2p's,
// and both sides keep them all; `createTcpHost().dial` passes it.)
const MB = (bytes, ms) => bytes / 1e6 / (ms / 1000)
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const log = (...a) => console.error('[fullstack]', ...a)

// ---- child processes ------------------------------------------------------------

/** Spawns a listener; resolves with its first address once it printed READY. */
async function spawnListener(kind, extraArgs = []) {
  const prof = process.env.BENCH_CHILD_PROF
  const flags = ['--expose-gc', '--max-old-space-size=8192']
  if (prof) flags.push('--cpu-prof', `--cpu-prof-dir=${prof}/${kind}`)
  const args =
    kind === 'switchyard'
      ? [...flags, here('../../cli/dist/bin.js'), 'listen', ...extraArgs]
      : [...flags, here('./fullstack/js-node.mjs'), 'listen']
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
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
    child,
    addr,
    async stats() {
      child.kill('SIGUSR2')
      for (;;) {
        const l = await nextLine()
        if (l.startsWith('{')) return JSON.parse(l)
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

// ---- the two client sides -----------------------------------------------------

const ONE = new Uint8Array([42])

async function loadSwitchyardSide() {
  const [{ createTcpHost }, { readAll }, { runPerf }] = await Promise.all([
    import('../../cli/dist/index.js'),
    import('../../interface/dist/index.js'),
    import('../../perf/dist/index.js'),
  ])
  return {
    name: 'Switchyard',
    newClient: () => createTcpHost({ maxConnections: 20_000 }),
    closeClient: (h) => h.close(),
    dial: (h, addr) => h.dial(addr),
    closeConn: (c) => c.close(),
    async echoOne(conn, optimistic = false) {
      const s = await conn.newStream(ECHO_PROTOCOL, optimistic ? { lazy: true } : {})
      const reply = readAll(s, { maxBytes: 1 })
      s.write(ONE)
      s.end()
      await reply
    },
    async perf(conn, up, down) {
      const r = await runPerf(await conn.newStream(PERF_PROTOCOL), { uploadBytes: up, downloadBytes: down })
      return r.totalMs
    },
  }
}

async function loadJsSide() {
  const [{ multiaddr }, { createJsNode }] = await Promise.all([
    import('@multiformats/multiaddr'),
    import('./fullstack/js-node.mjs'),
  ])
  return {
    name: 'js-libp2p',
    newClient: () => createJsNode([]),
    closeClient: (n) => n.stop(),
    dial: (n, addr) => n.dial(multiaddr(addr), { force: true }),
    closeConn: (c) => c.close(),
    async echoOne(conn, optimistic = false) {
      const s = await conn.newStream(ECHO_PROTOCOL, optimistic ? { negotiateFully: false } : {})
      const done = new Promise((resolve, reject) => {
        let n = 0
        s.addEventListener('message', (e) => {
          n += e.data.byteLength
        })
        s.addEventListener('close', (e) =>
          e.error ? reject(e.error) : n === 1 ? resolve() : reject(new Error('short echo')),
        )
      })
      s.send(ONE)
      await s.close()
      await done
    },
    async perf(conn, up, down) {
      const s = await conn.newStream(PERF_PROTOCOL)
      const t0 = performance.now()
      const done = new Promise((resolve, reject) => {
        let n = 0
        s.addEventListener('message', (e) => {
          n += e.data.byteLength
        })
        s.addEventListener('close', (e) =>
          e.error ? reject(e.error) : n === down ? resolve() : reject(new Error(`perf: got ${n} of ${down}`)),
        )
      })
      const head = new Uint8Array(8)
      new DataView(head.buffer).setBigUint64(0, BigInt(down))
      s.send(head)
      const zeros = new Uint8Array(64 * 1024)
      for (let sent = 0; sent < up; ) {
        const n = Math.min(zeros.byteLength, up - sent)
        sent += n
        if (!s.send(n === zeros.byteLength ? zeros : zeros.subarray(0, n))) await s.onDrain()
      }
      await s.close()
      await done
      return performance.now() - t0
    },
  }
}

// ---- workloads ------------------------------------------------------------------

async function connectSeq(side, addr) {
  const client = await side.newClient()
  try {
    const times = []
    for (let i = 0; i < sizes.connects; i++) {
      const t0 = performance.now()
      const c = await side.dial(client, addr)
      times.push(performance.now() - t0)
      await side.closeConn(c)
    }
    return median(times)
  } finally {
    await side.closeClient(client)
  }
}

async function connectConcurrent(side, addr) {
  const clients = await Promise.all(Array.from({ length: sizes.clients }, () => side.newClient()))
  try {
    const t0 = performance.now()
    const conns = await Promise.all(clients.map((c) => side.dial(c, addr)))
    const perSec = sizes.clients / ((performance.now() - t0) / 1000)
    await Promise.all(conns.map((c) => side.closeConn(c)))
    return perSec
  } finally {
    await Promise.all(clients.map((c) => side.closeClient(c)))
  }
}

async function streams(side, conn) {
  const t0 = performance.now()
  for (let i = 0; i < sizes.streamsSeq; i++) await side.echoOne(conn)
  const seq = sizes.streamsSeq / ((performance.now() - t0) / 1000)
  let next = 0
  const t1 = performance.now()
  await Promise.all(
    Array.from({ length: sizes.inFlight }, async () => {
      while (next++ < sizes.streamsConc) await side.echoOne(conn)
    }),
  )
  const conc = sizes.streamsConc / ((performance.now() - t1) / 1000)
  // Optimistic select on both sides (js-libp2p `negotiateFully: false`, ours `lazy: true`):
  // the proposal rides with the byte, one round trip per echo instead of two.
  const t2 = performance.now()
  for (let i = 0; i < sizes.streamsSeq; i++) await side.echoOne(conn, true)
  const seqOptimistic = sizes.streamsSeq / ((performance.now() - t2) / 1000)
  return { seq, conc, seqOptimistic }
}

async function perf(side, conn) {
  const down = MB(sizes.perfBytes, await side.perf(conn, 0, sizes.perfBytes))
  const up = MB(sizes.perfBytes, await side.perf(conn, sizes.perfBytes, 0))
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: sizes.perfStreams }, () => side.perf(conn, 0, sizes.perfStreamBytes)),
  )
  const multi = MB(sizes.perfStreams * sizes.perfStreamBytes, performance.now() - t0)
  return { down, up, multi }
}

/** Raw sealed pipe: a child seals 65519-byte frames with ChaCha20-Poly1305 onto TCP; we open them. */
async function sealedPipe(bytes) {
  const key = randomBytes(32)
  const child = spawn(process.execPath, [here('./fullstack/sealed-sender.mjs'), key.toString('hex')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const port = await new Promise((resolve) => lines.once('line', (l) => resolve(Number(l))))
  try {
    return await new Promise((resolve, reject) => {
      const socket = netConnect({ port, host: '127.0.0.1', noDelay: true })
      const nonce = Buffer.alloc(12)
      let n = 0n
      let got = 0
      let pending = []
      let pendingBytes = 0
      let t0 = 0
      socket.on('connect', () => {
        const req = Buffer.alloc(8)
        req.writeBigUInt64BE(BigInt(bytes))
        t0 = performance.now()
        socket.write(req)
      })
      socket.on('data', (chunk) => {
        pending.push(chunk)
        pendingBytes += chunk.length
        if (pendingBytes < 2) return
        let buf = pending.length === 1 ? pending[0] : Buffer.concat(pending)
        let off = 0
        while (buf.length - off >= 2) {
          const len = buf.readUInt16BE(off)
          if (buf.length - off - 2 < len) break
          const frame = buf.subarray(off + 2, off + 2 + len)
          nonce.writeBigUInt64LE(n++, 4)
          const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
          d.setAuthTag(frame.subarray(len - 16))
          got += d.update(frame.subarray(0, len - 16)).length
          d.final()
          off += 2 + len
        }
        buf = buf.subarray(off)
        pending = buf.length ? [buf] : []
        pendingBytes = buf.length
      })
      socket.on('end', () =>
        got === bytes
          ? resolve(MB(bytes, performance.now() - t0))
          : reject(new Error(`sealed pipe: ${got} of ${bytes}`)),
      )
      socket.on('error', reject)
    })
  } finally {
    child.kill('SIGTERM')
  }
}

/** Holds `count` idle connections to `addr` from dialer child processes (Switchyard transport + upgrader). */
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
    async ping() {
      const pinged = await Promise.all(
        dialers.map((d) => {
          d.send({ type: 'ping' })
          return msg(d, 'pinged')
        }),
      )
      return {
        ok: pinged.reduce((n, m) => n + m.ok, 0),
        failed: pinged.reduce((n, m) => n + m.failed, 0),
        firstError: pinged.find((m) => m.firstError)?.firstError,
      }
    },
    async close() {
      for (const d of dialers) d.send({ type: 'close' })
      await Promise.all(
        dialers.map((d) => new Promise((r) => (d.exitCode !== null ? r() : d.once('exit', r)))),
      )
    },
  }
}

/**
 * Listener memory per idle connection: `sizes.idle` connections from a dialer process,
 * listener after GC. Both sides first serve `sizes.idleWarmup` connections that are then
 * closed, so that code compiled and caches filled on the first connections are in the
 * 0-connection sample rather than counted per connection (~1 KiB of "heap per
 * connection" was compiled code on our side).
 */
async function idleMemory(kind) {
  const listener = await spawnListener(kind)
  try {
    const warm = await holdConnections(listener.addr, sizes.idleWarmup, 1)
    await warm.close()
    const before = await settled(listener)
    const held = await holdConnections(listener.addr, sizes.idle, 1)
    await new Promise((r) => setTimeout(r, 1000))
    const early = await listener.stats()
    const after = await settled(listener)
    await held.close()
    const per = (a, b) => (a - b) / after.connections
    return {
      connections: after.connections,
      dialFailed: held.failed,
      rssPerConn: per(after.rss, before.rss),
      heapPerConn: per(after.heapUsed, before.heapUsed),
      externalPerConn: per(after.external, before.external),
      rssPerConnAt1s: per(early.rss, before.rss),
      heapPerConnAt1s: per(early.heapUsed, before.heapUsed),
      settleMs: after.settleMs,
    }
  } finally {
    await listener.stop()
  }
}

/**
 * The listener's memory once it has been idle for IDLE_SETTLE_MS (default 15 s):
 * right after a burst of handshakes V8's young generation has grown (tens of KiB
 * "per connection" on both sides), and V8 gives it back only after some idle
 * seconds. Both sides are sampled the same way.
 */
async function settled(listener) {
  const wait = Number(process.env.IDLE_SETTLE_MS ?? 15_000)
  await new Promise((r) => setTimeout(r, wait))
  return { ...(await listener.stats()), settleMs: wait }
}

/** 10,000 idle connections to one Switchyard listener from 4 dialer processes; then every one pings. */
async function idle10k() {
  const listener = await spawnListener('switchyard')
  try {
    const t0 = performance.now()
    const held = await holdConnections(listener.addr, sizes.idle10k, 4)
    const dialMs = performance.now() - t0
    try {
      await new Promise((r) => setTimeout(r, 1000))
      const stats = await listener.stats()
      const t1 = performance.now()
      const pinged = await held.ping()
      return {
        dialled: held.ok,
        dialFailed: held.failed,
        dialError: held.firstError,
        dialMs: Math.round(dialMs),
        listenerConnections: stats.connections,
        listenerRssMiB: Math.round(stats.rss / MiB),
        listenerHeapMiB: Math.round(stats.heapUsed / MiB),
        pinged: pinged.ok,
        pingFailed: pinged.failed,
        pingError: pinged.firstError,
        pingMs: Math.round(performance.now() - t1),
      }
    } finally {
      await held.close()
    }
  } finally {
    await listener.stop()
  }
}

// ---- one round of one side, in a child process -------------------------------------

/** The client workloads of one side against `addr`: the values of one round, by key. */
let loadedSide
async function clientRound(k, addr) {
  const side = (loadedSide ??= k === 'sy' ? await loadSwitchyardSide() : await loadJsSide())
  const out = {}
  if (!SKIP.has('connect')) out.connectMs = await connectSeq(side, addr)
  if (!SKIP.has('cconnect')) out.cconnectPerSec = await connectConcurrent(side, addr)
  const client = await side.newClient()
  try {
    const conn = await side.dial(client, addr)
    if (!SKIP.has('streams')) {
      const s = await streams(side, conn)
      out.streamsSeq = s.seq
      out.streamsConc = s.conc
      out.streamsSeqOptimistic = s.seqOptimistic
    }
    if (!SKIP.has('perf')) {
      const p = await perf(side, conn)
      out.perfDown = p.down
      out.perfUp = p.up
      out.perfMulti = p.multi
    }
    await side.closeConn(conn)
  } finally {
    await side.closeClient(client)
  }
  return out
}

/** A long-lived client process of one side (its JIT and heap stay warm across rounds). */
function startSideChild(k) {
  const child = fork(fileURLToPath(import.meta.url), ['side-child', k], {
    stdio: 'inherit',
    execArgv: ['--expose-gc', '--max-old-space-size=8192', ...process.execArgv],
  })
  return {
    async round(addr) {
      const reply = once(child, 'message')
      child.send({ addr })
      const [r] = await reply
      if (r.error !== undefined) throw new Error(`${k} round: ${r.error}`)
      return r.values
    },
    stop: () => child.disconnect(),
  }
}

if (process.argv[2] === 'side-child') {
  const k = process.argv[3]
  process.on('message', async ({ addr }) => {
    try {
      process.send({ values: await clientRound(k, addr) })
    } catch (err) {
      process.send({ error: String(err?.stack ?? err) })
    }
  })
  process.on('disconnect', () => process.exit(0))
  await new Promise(() => {}) // serves rounds until the parent disconnects
}

// ---- run ------------------------------------------------------------------------

const results = { js: {}, sy: {} }
const push = (side, key, v) => (results[side][key] ??= []).push(v)

const only = process.env.BENCH_SIDES?.split(',')
const listeners = {
  js: only === undefined || only.includes('js') ? await spawnListener('js') : undefined,
  sy: only === undefined || only.includes('sy') ? await spawnListener('switchyard') : undefined,
}
const sideNames = { js: 'js-libp2p', sy: 'Switchyard' }
const clients = {
  js: listeners.js && startSideChild('js'),
  sy: listeners.sy && startSideChild('sy'),
}
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const k of (round % 2 ? ['js', 'sy'] : ['sy', 'js']).filter((k) => listeners[k] !== undefined)) {
      log(`round ${round} ${sideNames[k]}`)
      const r = await clients[k].round(listeners[k].addr)
      for (const [key, v] of Object.entries(r)) push(k, key, v)
    }
    if (!SKIP.has('baseline') && !SKIP.has('perf')) push('sy', 'baseline', await sealedPipe(sizes.perfBytes))
  }
} finally {
  clients.js?.stop()
  clients.sy?.stop()
  await Promise.all([listeners.js?.stop(), listeners.sy?.stop()])
}

let memory
if (!SKIP.has('memory')) {
  log('idle memory, 1,000 connections')
  memory = { js: await idleMemory('js'), sy: await idleMemory('switchyard') }
}
let tenK
if (!SKIP.has('idle10k')) {
  log('10,000 idle connections')
  tenK = await idle10k()
}

// ---- table ----------------------------------------------------------------------

const f = (n, d = 1) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d))
const rows = []
const row = (name, key, unit, goal, lowerIsBetter = false) => {
  const js = results.js[key] && median(results.js[key])
  const sy = results.sy[key] && median(results.sy[key])
  if (js === undefined || sy === undefined) return
  const ratio = lowerIsBetter ? js / sy : sy / js
  const met = goal === undefined ? '' : ratio >= goal ? 'met' : 'MISSED'
  rows.push([
    name,
    `${f(js, 2)} ${unit}`,
    `${f(sy, 2)} ${unit}`,
    `${f(ratio, 2)}×`,
    goal ? `≥ ${goal}× ${met}` : '',
  ])
}
row('dial + upgrade, sequential (median latency)', 'connectMs', 'ms', 8, true)
row('100 clients dialing at once', 'cconnectPerSec', 'conn/s', 10)
row('stream open+select+1-byte echo, sequential', 'streamsSeq', 'streams/s', 5)
row(`… with ${sizes.inFlight} in flight`, 'streamsConc', 'streams/s', 8)
row('… sequential, optimistic select on both sides', 'streamsSeqOptimistic', 'streams/s')
row(`perf download ${f(sizes.perfBytes / MiB, 0)} MiB, 1 stream`, 'perfDown', 'MB/s', 2)
row(`perf upload ${f(sizes.perfBytes / MiB, 0)} MiB, 1 stream`, 'perfUp', 'MB/s', 2.5)
row(`perf download ${sizes.perfStreams} × ${f(sizes.perfStreamBytes / MiB, 0)} MiB`, 'perfMulti', 'MB/s', 2.5)
if (memory) {
  for (const [name, key] of [
    ['RSS per idle connection (1,000), settled', 'rssPerConn'],
    ['heap per idle connection (1,000), settled', 'heapPerConn'],
    ['RSS per idle connection (1,000), 1 s after the burst', 'rssPerConnAt1s'],
    ['heap per idle connection (1,000), 1 s after the burst', 'heapPerConnAt1s'],
  ]) {
    const ratio = memory.js[key] / memory.sy[key]
    rows.push([
      name,
      `${f(memory.js[key] / 1024)} KiB`,
      `${f(memory.sy[key] / 1024)} KiB`,
      `${f(ratio, 2)}× less`,
      `≥ 4× ${ratio >= 4 ? 'met' : 'MISSED'}`,
    ])
  }
}
console.log(
  `\nfull stack, TCP + Noise + Yamux on loopback; ${ROUNDS} rounds, medians; BENCH_SCALE=${SCALE}; node ${process.version}`,
)
console.log('| workload | js-libp2p ↔ js-libp2p | Switchyard ↔ Switchyard | ratio | goal |')
console.log('|---|---|---|---|---|')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
if (results.sy.baseline) {
  const base = median(results.sy.baseline)
  const down = median(results.sy.perfDown)
  console.log(
    `\nraw sealed pipe (node:crypto ChaCha20-Poly1305, 65519-byte frames, TCP, 2 processes): ${f(base)} MB/s; ` +
      `Switchyard perf download = ${f((down / base) * 100)}% of it (goal ≥ 85%: ${down / base >= 0.85 ? 'met' : 'MISSED'})`,
  )
}
if (memory) console.log(`\nidle memory detail: ${JSON.stringify(memory)}`)
if (tenK) {
  const ok = tenK.listenerConnections >= sizes.idle10k && tenK.pinged === sizes.idle10k
  console.log(
    `\n10,000 idle connections (4 dialer processes → 1 Switchyard listener): ${ok ? 'met' : 'MISSED'} ${JSON.stringify(tenK)}`,
  )
}
console.log(`\nraw samples: ${JSON.stringify(results)}`)
