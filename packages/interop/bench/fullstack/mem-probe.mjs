// Preloaded into a listener (`node --expose-gc --import ./mem-probe.mjs …`) by
// idle-memory.bench.mjs. On SIGUSR2 (next to the listener's own handler) it collects
// garbage and prints one line `MEM {json}`: process.memoryUsage() and
// v8.getHeapStatistics(); with MEM_SNAPSHOT_DIR set it also writes a heap snapshot
// there and adds its path to the line. Also counts process warnings (e.g.
// MaxListenersExceededWarning) and reports them in the same line.
import { readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import v8 from 'node:v8'

const warnings = {}
process.on('warning', (w) => {
  const key = `${w.name}: ${w.message.slice(0, 120)}`
  warnings[key] = (warnings[key] ?? 0) + 1
})
/** Resident kB by kind of mapping (Linux): brk heap (malloc), anonymous (V8 pages, big mallocs, thread arenas), files, stacks. */
function residentByKind() {
  let text
  try {
    text = readFileSync('/proc/self/smaps', 'utf8')
  } catch {
    return undefined
  }
  const out = { heap: 0, anon: 0, file: 0, other: 0 }
  let kind = 'other'
  for (const line of text.split('\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (m) {
      const name = m[1]
      kind = name === '[heap]' ? 'heap' : name === '' ? 'anon' : name.startsWith('/') ? 'file' : 'other'
    } else if (line.startsWith('Rss:')) out[kind] += Number.parseInt(line.slice(4), 10) * 1024
  }
  return out
}
let n = 0
process.on('SIGUSR2', () => {
  for (let i = 0; i < 3; i++) globalThis.gc?.()
  const m = process.memoryUsage()
  const h = v8.getHeapStatistics()
  let snapshot
  if (process.env.MEM_SNAPSHOT_DIR) {
    snapshot = v8.writeHeapSnapshot(join(process.env.MEM_SNAPSHOT_DIR, `${process.pid}-${n++}.heapsnapshot`))
  }
  const line = {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    usedHeapSize: h.used_heap_size,
    totalHeapSize: h.total_heap_size,
    mallocedMemory: h.malloced_memory,
    nativeContexts: h.number_of_native_contexts,
    handles: process.getActiveResourcesInfo().length,
    resident: residentByKind(),
    spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size])),
    warnings,
    snapshot,
  }
  // Synchronous, so that it is out before the listener's own line.
  writeSync(1, `MEM ${JSON.stringify(line)}\n`)
})
