/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import type { Plugin } from "vite";

/**
 * The Hague's React components also inject their CSS as <style> elements at import, which the
 * werkbank's Content-Security-Policy (`style-src 'self'`) refuses. Their CSS is linked from
 * the packages' own `index.css` files instead (src/main.tsx), so the injection is left out.
 */
function withoutStyleInjection(): Plugin {
  const injection = /if \(typeof document !== 'undefined'\) \{(\s*const head = document\.head)/g;
  return {
    name: "werkbank-without-style-injection",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("/node_modules/@gemeente-denhaag/") || !code.includes("window.NONCE")) return null;
      return { code: code.replace(injection, "if (false) {$1"), map: null };
    },
  };
}

// The werkbank is served by wijkregie at /werkbank/. `npm run dev` sends the API (and the
// werkbank's config.json, when the server serves a build) to a local `wijkregie serve`.
const api = process.env.WIJKREGIE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/werkbank/",
  plugins: [withoutStyleInjection(), react()],
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
