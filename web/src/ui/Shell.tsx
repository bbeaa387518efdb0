// The frame of every screen: skip link, header with role and scope, navigation, main.
import type { ReactNode } from "react";
import { NavLink } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { useSession } from "../auth/session";
import { describe } from "../auth/jwt";
import { useLiveUpdates } from "../api/live";

const NAV = [
  ["/", "Werkvoorraad"],
  ["/projecten", "Projecten"],
  ["/signalen", "Signalen"],
  ["/beleid", "Beleidsvraagstukken"],
  ["/rapportage", "Voortgang"],
] as const;

export function Shell({ children }: { children: ReactNode }) {
  const session = useSession();
  const live = useLiveUpdates();
  return (
    <>
      <a className="werkbank-skip" href="#inhoud">
        Naar de inhoud
      </a>
      <header className="werkbank-header">
        <span className="werkbank-brand">Werkbank wijkregie</span>
        <span className="werkbank-who" data-testid="wie">
          {session.identity ? describe(session.identity) : "Ingelogd"}
        </span>
        <span className="werkbank-live" role="status">
          {live === "live" ? "Live bijgewerkt" : live === "polling" ? "Elke 15 seconden bijgewerkt" : ""}
        </span>
        <Button type="button" variant="secondary-action" onClick={session.logout}>
          Uitloggen
        </Button>
      </header>
      <nav className="werkbank-nav" aria-label="Hoofdmenu">
        <ul>
          {NAV.map(([to, label]) => (
            <li key={to}>
              <NavLink to={to} end={to === "/"} className="utrecht-link">
                {label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="inhoud" className="werkbank-main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
