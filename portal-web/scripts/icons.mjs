// Draws the app's home-screen icons (public/icons/*.png) in code: the machine that builds the web
// needs no image tool. Run it again after changing the drawing: node scripts/icons.mjs
// The drawing: a blue rounded square, a white lens ring and an orange pupil.
import { deflateSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const out = fileURLToPath(new URL("../public/icons/", import.meta.url));
const BLUE = [0x1f, 0x6f, 0xeb];
const WHITE = [0xff, 0xff, 0xff];
const ORANGE = [0xf0, 0x88, 0x3e];

/** The colour and coverage at (x, y) in a 1x1 square; full: the background fills the square (maskable). */
function paint(x, y, full) {
  const dx = x - 0.5, dy = y - 0.5, r = Math.hypot(dx, dy);
  // A maskable icon keeps what matters inside the central 80% circle: the lens is drawn smaller.
  const k = full ? 0.8 : 1;
  if (r < 0.12 * k) return [ORANGE, 1];
  if (r > 0.22 * k && r < 0.32 * k) return [WHITE, 1];
  if (full) return [BLUE, 1];
  // A rounded square, corner radius 0.18, inset 0.02.
  const q = 0.02, c = 0.18;
  const ax = Math.max(Math.abs(dx) - (0.5 - q - c), 0), ay = Math.max(Math.abs(dy) - (0.5 - q - c), 0);
  return Math.hypot(ax, ay) <= c ? [BLUE, 1] : [BLUE, 0];
}

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(size, full) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const n = 4; // 4x4 samples a pixel: smooth edges
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const [rgb, a] = paint((x + (sx + 0.5) / n) / size, (y + (sy + 0.5) / n) / size, full);
          for (let i = 0; i < 3; i++) acc[i] += rgb[i] * a;
          acc[3] += a;
        }
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const a = acc[3];
      for (let i = 0; i < 3; i++) raw[o + i] = a > 0 ? Math.round(acc[i] / a) : 0;
      raw[o + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}

for (const [name, size, full] of [["icon-192.png", 192, false], ["icon-512.png", 512, false], ["maskable-512.png", 512, true], ["apple-touch-icon.png", 180, true]]) {
  writeFileSync(out + name, png(size, full));
}
