import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The bundle is embedded into the Go binary (web/web.go) from dist/.
// `npm run dev` proxies the API to a running claimflow.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
})
