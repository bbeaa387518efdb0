import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { UserManager } from "oidc-client-ts";
import { App } from "./App";

function token(payload: object): string {
  const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "");
  return `${encode({ alg: "HS256" })}.${encode(payload)}.signature`;
}

/** The service: config.json as given, every API list empty (or as `lists` says); the requests seen. */
function service(config: object, lists: Record<string, object> = {}) {
  const seen: Request[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
      seen.push(request);
      const path = new URL(request.url).pathname;
      const body = request.url.endsWith("/config.json") ? config : (lists[path] ?? { items: [], nextCursor: null });
      return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
    }),
  );
  return seen;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  window.history.replaceState(null, "", "/");
});

describe("logging in", () => {
  it("takes a pasted token, keeps it in memory only, and sends it with every call", async () => {
    const seen = service({ oidc: null });
    window.history.replaceState(null, "", import.meta.env.BASE_URL);
    render(<App />);
    const jwt = token({ role: "stadsdeel", district: "escamp" });
    await userEvent.type(await screen.findByLabelText("Token"), `export TOKEN=${jwt}`);
    await userEvent.click(screen.getByRole("button", { name: "Inloggen" }));
    expect(await screen.findByRole("heading", { name: "Werkvoorraad" })).toBeVisible();
    expect(screen.getByTestId("wie")).toHaveTextContent("Stadsdeel escamp");
    const calls = () => seen.filter((r) => r.url.includes("/api/v1/worklist"));
    await waitFor(() => expect(calls().length).toBeGreaterThan(0));
    expect(calls().every((r) => r.headers.get("Authorization") === `Bearer ${jwt}`)).toBe(true);
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0);
  });

  it("refuses what is not a token, at the field", async () => {
    service({ oidc: null });
    render(<App />);
    await userEvent.type(await screen.findByLabelText("Token"), "geen token");
    await userEvent.click(screen.getByRole("button", { name: "Inloggen" }));
    expect(await screen.findByLabelText("Token")).toHaveAccessibleDescription(/geen geldig token/);
  });

  it("sends the person to the identity provider when the service names one", async () => {
    service({ oidc: { authority: "https://login.example.nl/realms/denhaag", clientId: "werkbank", scope: "openid" } });
    const redirect = vi.spyOn(UserManager.prototype, "signinRedirect").mockResolvedValue(undefined);
    render(<App />);
    expect(await screen.findByText("Log in met uw account van de gemeente.")).toBeVisible();
    expect(screen.queryByLabelText("Token")).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Inloggen" }));
    expect(redirect).toHaveBeenCalledOnce();
  });
});

describe("the Werkvoorraad", () => {
  const item = (title: string, overdue: boolean, resourceId: string) => ({
    kind: "advice",
    resourceType: "advice_request",
    resourceId,
    title,
    dueAt: overdue ? "2026-01-05T00:00:00Z" : "2099-01-05T00:00:00Z",
    overdue,
    since: "2026-01-01T00:00:00Z",
    owedBy: { role: "vakdienst", id: "ocw" },
    owedTo: [{ role: "programmabureau", id: null }],
    links: { resource: `/api/v1/advice-requests/${resourceId}`, project: "/api/v1/projects/p7" },
  });

  it("asks GET /worklist once per side, shows the counts, and leads an advice request to its project", async () => {
    const seen = service(
      { oidc: null },
      {
        "/api/v1/worklist": {
          items: [item("Advies over de speeltuin", true, "a1"), item("Advies over het buurtfeest", false, "a2")],
          counts: { total: 2, overdue: 1, byKind: { advice: { total: 2, overdue: 1 } } },
          nextCursor: null,
        },
      },
    );
    render(<App />);
    await userEvent.type(await screen.findByLabelText("Token"), token({ role: "vakdienst", department: "ocw" }));
    await userEvent.click(screen.getByRole("button", { name: "Inloggen" }));
    const link = await screen.findByRole("link", { name: "Advies over de speeltuin" });
    expect(link).toHaveAttribute("href", expect.stringMatching(/\/projecten\/p7$/));
    expect(screen.getByText("2 open, 1 te laat (wat ik moet doen)")).toBeVisible();
    const worklist = () => seen.filter((r) => new URL(r.url).pathname === "/api/v1/worklist");
    expect(worklist().every((r) => new URL(r.url).searchParams.get("side") === "owe")).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "Waar ik op wacht" }));
    await waitFor(() => expect(worklist().some((r) => new URL(r.url).searchParams.get("side") === "owed")).toBe(true));
    expect(seen.some((r) => /\/api\/v1\/(projects|signals|policy-issues)/.test(new URL(r.url).pathname))).toBe(false);
  });
});
