import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The dashboard is built into ui/dist and served by `mloop server` at `/`; in development,
// `npx vite --config ui/vite.config.ts` proxies the API to a server on MLOOP_URL.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000, reportCompressedSize: false },
  server: {
    proxy: { '/api': process.env.MLOOP_URL ?? 'http://127.0.0.1:5000' },
  },
});
