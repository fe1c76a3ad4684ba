import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The UI is served by `keel server` at /, so asset URLs are absolute from the root. It is built into
// the server package (packages/server/dist/ui), which carries it when published.
// `npm run dev -w @keel/ui` proxies the API to a keel server on :5000 for development.
export default defineConfig({
  plugins: [react()],
  base: '/',
  resolve: {
    // The sources of @keel/contracts (the endpoint tables and wire converters), not a build of them.
    alias: { '@keel/contracts': fileURLToPath(new URL('../contracts/src/index.ts', import.meta.url)) },
  },
  build: { outDir: '../server/dist/ui', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 900 },
  server: { proxy: { '/ajax-api': 'http://127.0.0.1:5000', '/api': 'http://127.0.0.1:5000' } },
})
