import { describe, expect, it } from "vitest";
import { describe as describeIdentity, readIdentity } from "./jwt";

function token(payload: object): string {
  const encode = (value: object) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode(payload)}.signature`;
}

describe("readIdentity", () => {
  it("reads the role and its scope for the header", () => {
    const identity = readIdentity(token({ role: "stadsdeel", district: "escamp", exp: 1_800_000_000 }));
    expect(identity).toEqual({
      role: "stadsdeel",
      scope: "escamp",
      name: null,
      expiresAt: new Date(1_800_000_000_000),
    });
    expect(identity && describeIdentity(identity)).toBe("Stadsdeel escamp");
  });

  it("shows a role without scope as the whole city", () => {
    const identity = readIdentity(token({ role: "programmabureau", name: "Sanne" }));
    expect(identity && describeIdentity(identity)).toBe("Programmabureau (de hele stad)");
  });

  it("reads non-ASCII names (base64url of UTF-8)", () => {
    expect(readIdentity(token({ role: "partner", partner: "p-1", name: "Buurthuis Ärger" }))?.name).toBe(
      "Buurthuis Ärger",
    );
  });

  it("refuses what is not a token with a role", () => {
    expect(readIdentity("not a token")).toBeNull();
    expect(readIdentity(token({ sub: "someone" }))).toBeNull();
  });
});
