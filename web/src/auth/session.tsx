// Who is logged in. Tokens live in memory only (a reload asks again): the token page's pasted
// token, or OIDC authorization code with PKCE through oidc-client-ts when the service names an
// identity provider in /werkbank/config.json (silent renewal in an iframe).
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { InMemoryWebStorage, UserManager, WebStorageStateStore } from "oidc-client-ts";
import { setAccessToken } from "../api/client";
import { readIdentity, type Identity } from "./jwt";

export interface OidcConfig {
  authority: string;
  clientId: string;
  scope: string;
}

export interface Session {
  token: string | null;
  identity: Identity | null;
  /** The identity provider, when the werkbank logs in through one. */
  oidc: UserManager | null;
  ready: boolean;
  loginWithToken: (token: string) => boolean;
  logout: () => void;
}

const SessionContext = createContext<Session | null>(null);

/** The werkbank's settings from the service (`{"oidc": null}` without a provider). */
async function loadConfig(): Promise<OidcConfig | null> {
  try {
    const response = await fetch(`${import.meta.env.BASE_URL}config.json`, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return null;
    const config = (await response.json()) as { oidc?: OidcConfig | null };
    return config.oidc ?? null;
  } catch {
    return null;
  }
}

function userManager(config: OidcConfig): UserManager {
  const base = `${window.location.origin}${import.meta.env.BASE_URL}`;
  const memory = new InMemoryWebStorage();
  return new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    scope: config.scope,
    redirect_uri: `${base}aangemeld`,
    silent_redirect_uri: `${base}stil-vernieuwd`,
    post_logout_redirect_uri: base,
    response_type: "code",
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: memory }),
    // The login's state (PKCE verifier) must survive the redirect to the provider and back.
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(null);
  const [oidc, setOidc] = useState<UserManager | null>(null);
  const [ready, setReady] = useState(false);

  const use = useCallback((next: string | null) => {
    setAccessToken(next);
    setToken(next);
  }, []);

  useEffect(() => {
    let stop = () => {};
    void loadConfig().then(async (config) => {
      if (config) {
        const manager = userManager(config);
        const loaded = manager.events.addUserLoaded((user) => use(user.access_token));
        const gone = manager.events.addUserUnloaded(() => use(null));
        stop = () => {
          loaded();
          gone();
        };
        const path = window.location.pathname;
        if (path.endsWith("/stil-vernieuwd")) {
          await manager.signinSilentCallback();
          return;
        }
        if (path.endsWith("/aangemeld")) {
          const user = await manager.signinRedirectCallback().catch(() => null);
          if (user) use(user.access_token);
          window.history.replaceState(null, "", import.meta.env.BASE_URL);
        }
        setOidc(manager);
      }
      setReady(true);
    });
    return () => stop();
  }, [use]);

  const loginWithToken = useCallback(
    (candidate: string) => {
      const trimmed = candidate.trim().replace(/^export TOKEN=/, "");
      if (!readIdentity(trimmed)) return false;
      use(trimmed);
      return true;
    },
    [use],
  );

  const logout = useCallback(() => {
    use(null);
    if (oidc) void oidc.signoutRedirect().catch(() => oidc.removeUser());
  }, [oidc, use]);

  const session = useMemo<Session>(
    () => ({
      token,
      identity: token ? readIdentity(token) : null,
      oidc,
      ready,
      loginWithToken,
      logout,
    }),
    [token, oidc, ready, loginWithToken, logout],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
