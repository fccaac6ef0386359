// Builds the rules editor island (React + @gorules/jdm-editor) into the web app's static files.
// The output is generated at set-up (make setup) and never committed.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/static/rules-editor/',
  build: {
    outDir: '../src/urbis/interfaces/web/static/rules-editor',
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      input: 'rules-editor/main.jsx',
      output: {
        entryFileNames: 'rules-editor.js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        assetFileNames: (asset) =>
          asset.names && asset.names.some((n) => n.endsWith('.css'))
            ? 'rules-editor.css'
            : 'assets/[name]-[hash][extname]',
      },
    },
  },
});
