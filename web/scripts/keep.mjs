// Vite empties dist/ on every build; dist/.gitkeep is tracked so that a
// fresh clone's go:embed has something to embed.
import { writeFileSync } from 'node:fs'
writeFileSync(new URL('../dist/.gitkeep', import.meta.url), '')
