import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router-dom";
import { AdviceRequests } from "./AdviceRequests";

const identity = vi.hoisted(() => ({ role: "programmabureau" }));
vi.mock("../auth/session", () => ({
  useSession: () => ({ identity: { role: identity.role, scope: null, name: null, expiresAt: null } }),
}));

const open = {
  id: "a1",
  projectId: "p7",
  departmentId: "ocw",
  question: "Past dit bij het onderwijsbeleid?",
  dueOn: "2026-01-05",
  dueAt: "2026-01-06T00:00:00Z",
  overdue: true,
  status: "open",
  version: 3,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
  requestedAt: "2026-01-01T00:00:00Z",
};

/** The service: one open advice request, two departments; a POST answers as `answer` says. */
function service(answer: (request: Request) => Response) {
  const seen: { request: Request; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const body = request.method === "GET" ? null : await request.clone().json();
      seen.push({ request, body });
      const json = (value: unknown, status = 200) =>
        new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });
      const path = new URL(request.url).pathname;
      if (request.method !== "GET") return answer(request);
      if (path.endsWith("/departments")) return json({ items: [{ id: "ocw", name: "OCW" }, { id: "szw", name: "SZW" }] });
      return json({ items: [open], nextCursor: null });
    }),
  );
  return seen;
}

function show() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <AdviceRequests projectId="p7" />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  identity.role = "programmabureau";
});

describe("advice requests on a project page", () => {
  it("lets the bureau ask a department, and puts the service's problem at its field", async () => {
    const seen = service(
      () =>
        new Response(
          JSON.stringify({ status: 400, code: "validation", title: "Ongeldig", invalidParams: [{ name: "dueOn", reason: "ligt in het verleden" }] }),
          { status: 400, headers: { "Content-Type": "application/problem+json" } },
        ),
    );
    show();
    expect(await screen.findByTestId("adviesvraag")).toHaveTextContent("Past dit bij het onderwijsbeleid?");
    await userEvent.selectOptions(await screen.findByLabelText("Vakdienst"), await screen.findByRole("option", { name: "SZW" }));
    await userEvent.type(screen.getByLabelText("Vraag"), "Werkt dit voor statushouders?");
    await userEvent.type(screen.getByLabelText("Advies uiterlijk op"), "2020-01-01");
    await userEvent.click(screen.getByRole("button", { name: "Advies vragen" }));
    expect(await screen.findByLabelText("Advies uiterlijk op")).toHaveAccessibleDescription(/ligt in het verleden/);
    const post = seen.find((s) => s.request.method === "POST");
    expect(new URL(post!.request.url).pathname).toBe("/api/v1/projects/p7/advice-requests");
    expect(post!.body).toEqual({ departmentId: "szw", question: "Werkt dit voor statushouders?", dueOn: "2020-01-01" });
  });

  it("withdraws an open request with a reason and If-Match", async () => {
    const seen = service(() => new Response(JSON.stringify({ ...open, status: "withdrawn" }), { status: 200, headers: { "Content-Type": "application/json" } }));
    show();
    const item = await screen.findByTestId("adviesvraag");
    await userEvent.type(within(item).getByLabelText("Reden van intrekken (ocw)"), "Het idee is ingetrokken");
    await userEvent.click(within(item).getByRole("button", { name: "Adviesvraag aan ocw intrekken" }));
    await waitFor(() => expect(seen.some((s) => s.request.method === "POST")).toBe(true));
    const post = seen.find((s) => s.request.method === "POST")!;
    expect(new URL(post.request.url).pathname).toBe("/api/v1/advice-requests/a1/transitions");
    expect(post.request.headers.get("If-Match")).toBe('"3"');
    expect(post.body).toEqual({ to: "withdrawn", reason: "Het idee is ingetrokken" });
  });

  it("sends the asked department to its advisory assessment, without the bureau's forms", async () => {
    identity.role = "vakdienst";
    service(() => new Response(null, { status: 500 }));
    show();
    expect(await screen.findByRole("link", { name: "Advies geven" })).toHaveAttribute("href", "/projecten/p7/toetsing");
    expect(screen.queryByRole("button", { name: "Advies vragen" })).toBeNull();
    expect(screen.queryByRole("button", { name: /intrekken/ })).toBeNull();
  });
});
