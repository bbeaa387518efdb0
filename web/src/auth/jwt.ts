// Reads a token's payload for display only (the header's role and scope). The server verifies
// every token; nothing here decides access.

export interface Identity {
  role: string;
  scope: string | null;
  name: string | null;
  expiresAt: Date | null;
}

const SCOPE_CLAIMS = ["district", "department", "partner"] as const;

const ROLE_NAMES: Record<string, string> = {
  programmabureau: "Programmabureau",
  stadsdeel: "Stadsdeel",
  vakdienst: "Vakdienst",
  partner: "Partner",
  admin: "Beheer",
};

/** The payload of a JWT as an `Identity`, or `null` when it is not a readable JWT. */
export function readIdentity(token: string): Identity | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(part.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
    );
    const claims = JSON.parse(json) as Record<string, unknown>;
    const role = typeof claims.role === "string" ? claims.role : null;
    if (!role) return null;
    const scope = SCOPE_CLAIMS.map((c) => claims[c]).find((v) => typeof v === "string");
    return {
      role,
      scope: typeof scope === "string" ? scope : null,
      name: typeof claims.name === "string" ? claims.name : null,
      expiresAt: typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null,
    };
  } catch {
    return null;
  }
}

/** "Stadsdeel escamp", "Programmabureau (de hele stad)". */
export function describe(identity: Identity): string {
  const role = ROLE_NAMES[identity.role] ?? identity.role;
  return identity.scope ? `${role} ${identity.scope}` : `${role} (de hele stad)`;
}
