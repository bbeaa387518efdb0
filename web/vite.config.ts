/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The werkbank is served by wijkregie at /werkbank/. `npm run dev` sends the API (and the
// werkbank's config.json, when the server serves a build) to a local `wijkregie serve`.
const api = process.env.WIJKREGIE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/werkbank/",
  plugins: [react()],
  build: { sourcemap: false, chunkSizeWarningLimit: 700 },
  server: {
    proxy: {
      "/api": { target: api, changeOrigin: false },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["./src/test-setup.ts"],
  },
});
