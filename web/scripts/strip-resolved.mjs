// package-lock.json is committed without "resolved" URLs (they name a
// registry host); npm ci resolves each package from the configured
// registry by name, version and integrity.
import { readFileSync, writeFileSync } from 'node:fs'
const file = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(file, 'utf8'))
let n = 0
for (const pkg of Object.values(lock.packages ?? {})) {
  if (pkg && typeof pkg === 'object' && 'resolved' in pkg) {
    delete pkg.resolved
    n++
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n')
console.log(`strip-resolved: removed ${n} resolved fields`)
