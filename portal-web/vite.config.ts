import { defineConfig, type Plugin } from "vitest/config";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

/**
 * Writes dist/sw.js from sw/sw.js once the build is in dist/: the list of the app shell's files and a
 * version made of their contents, so that a new build is a new cache and the old one goes.
 */
function serviceWorker(): Plugin {
  let outDir = "dist";
  return {
    name: "vigil-service-worker",
    apply: "build",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const files = (function walk(dir: string): string[] {
        return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
      })(outDir).filter(f => !f.endsWith(`${sep}sw.js`)).sort();
      // The shell: the page, its scripts and styles, and the icons (not the manifest: the portal writes it from the branding); nothing else is kept.
      const shell = files.map(f => "/" + relative(outDir, f).split(sep).join("/"))
        .filter(p => p === "/index.html" || /^\/assets\/.+\.(js|css)$/.test(p) || /^\/icons\/.+\.png$/.test(p));
      const template = readFileSync(new URL("./sw/sw.js", import.meta.url), "utf8");
      const hash = createHash("sha256").update(template);
      for (const f of files) hash.update(f).update(readFileSync(f));
      writeFileSync(join(outDir, "sw.js"), template
        .replace('"__VERSION__"', JSON.stringify(hash.digest("hex").slice(0, 16)))
        .replace("__SHELL__", JSON.stringify(shell)));
    },
  };
}

// The build goes to dist/, which the portal's project copies into its wwwroot.
export default defineConfig({
  base: "/",
  plugins: [serviceWorker()],
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
