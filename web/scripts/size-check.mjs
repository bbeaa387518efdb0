// The first load's JavaScript, compressed: every script index.html loads or preloads, gzipped.
// Prints the figure and fails above the budget (DESIGN §17: under 300 kB).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 300 * 1024;
const html = readFileSync("dist/index.html", "utf8");
const scripts = [...html.matchAll(/(?:src|href)="\/werkbank\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
if (scripts.length === 0) {
  console.error("dist/index.html loads no script: build first (npm run build)");
  process.exit(1);
}
let total = 0;
for (const file of new Set(scripts)) {
  const size = gzipSync(readFileSync(`dist/${file}`), { level: 9 }).length;
  total += size;
  console.log(`  ${file}: ${(size / 1024).toFixed(1)} kB gzip`);
}
console.log(`first load: ${(total / 1024).toFixed(1)} kB of compressed JavaScript (budget 300 kB)`);
if (total > BUDGET) {
  console.error("over the 300 kB budget");
  process.exit(1);
}
