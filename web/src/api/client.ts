// The one way the werkbank speaks to wijkregie: openapi-fetch over the types generated from
// openapi/openapi.json. The token is held in memory and added by a middleware.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

export const API_BASE = "/api/v1";

let accessToken: string | null = null;

/** Sets (or clears) the bearer token every call carries. Memory only: never storage. */
export function setAccessToken(token: string | null): void {
  accessToken = token;
}

export function currentAccessToken(): string | null {
  return accessToken;
}

const bearer: Middleware = {
  onRequest({ request }) {
    if (accessToken) request.headers.set("Authorization", `Bearer ${accessToken}`);
    return request;
  },
};

/** JSON answers only in the types (lists also speak CSV; the report also HTML). */
export const api = createClient<paths, `application/${string}json`>({
  // Absolute (the page's own origin), as a Request needs outside a browser too.
  baseUrl: `${globalThis.location?.origin ?? ""}${API_BASE}`,
  // Looked up at each call rather than once at start, so a test can stand in for the network.
  fetch: (request) => globalThis.fetch(request),
});
api.use(bearer);

/** The `If-Match` value for a resource read at `version` (its ETag is `"<version>"`). */
export function ifMatch(version: number): string {
  return `"${version}"`;
}

/** A failed call: the problem body and the HTTP status. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem?.detail ?? `HTTP ${status}`);
  }
}

/** The data of a call, or an `ApiProblem` thrown (for TanStack Query's error state). */
export async function data<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data: body, error, response } = await call;
  if (error !== undefined || !response.ok || body === undefined) {
    throw new ApiProblem(response.status, asProblem(error));
  }
  return body;
}

function asProblem(error: unknown): Problem | null {
  if (error && typeof error === "object" && "status" in error && "code" in error) {
    return error as Problem;
  }
  return null;
}
