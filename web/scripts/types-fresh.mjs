// Fails when src/api/schema.d.ts is not what `npm run types` makes of ../openapi/openapi.json
// now: the typed client must follow the committed document (run `npm run types`, commit).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "werkbank-types-"));
const fresh = join(dir, "schema.d.ts");
try {
  execFileSync(
    "node_modules/.bin/openapi-typescript",
    ["../openapi/openapi.json", "-o", fresh],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  if (readFileSync(fresh, "utf8") !== readFileSync("src/api/schema.d.ts", "utf8")) {
    console.error("src/api/schema.d.ts is stale: run `npm run types` in web/ and commit it");
    process.exit(1);
  }
  console.log("src/api/schema.d.ts matches openapi/openapi.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
