import { defineConfig } from "vitest/config";

// The build goes to dist/, which the portal's project copies into its wwwroot.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    // hls.js is most of the bundle, loaded once and cached for good (hashed name).
    chunkSizeWarningLimit: 700,
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
