// Preloaded into a listener (`node --expose-gc --import ./mem-probe.mjs …`) by
// idle-memory.bench.mjs. On SIGUSR2 (next to the listener's own handler) it collects
// garbage and prints one line `MEM {json}`: process.memoryUsage() and
// v8.getHeapStatistics(); with MEM_SNAPSHOT_DIR set it also writes a heap snapshot
// there and adds its path to the line. Also counts process warnings (e.g.
// MaxListenersExceededWarning) and reports them in the same line.
import { writeSync } from 'node:fs'
import { join } from 'node:path'
import v8 from 'node:v8'

const warnings = {}
process.on('warning', (w) => {
  const key = `${w.name}: ${w.message.slice(0, 120)}`
  warnings[key] = (warnings[key] ?? 0) + 1
})
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
    warnings,
    snapshot,
  }
  // Synchronous, so that it is out before the listener's own line.
  writeSync(1, `MEM ${JSON.stringify(line)}\n`)
})
