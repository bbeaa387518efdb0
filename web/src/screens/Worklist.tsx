// Werkvoorraad, the home screen: what the caller owes and is owed, overdue first.
// DESIGN §16's GET /worklist gives this in one call; until this document has it, the screen
// asks the four lists that hold the same obligations (each as the caller may see them).
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { Heading1, Heading2, Paragraph } from "@gemeente-denhaag/typography";
import { api, data } from "../api/client";
import { LoadError, Loading } from "../ui/forms";
import { date } from "../ui/labels";

interface Item {
  key: string;
  title: string;
  to: string;
  dueAt: string | null | undefined;
  overdue: boolean;
}

function Section({ title, items, empty }: { title: string; items: Item[] | undefined; empty: string }) {
  return (
    <section aria-labelledby={`kop-${title}`}>
      <Heading2 id={`kop-${title}`}>
        {title} {items ? `(${items.length})` : ""}
      </Heading2>
      {!items ? (
        <Loading />
      ) : items.length === 0 ? (
        <Paragraph>{empty}</Paragraph>
      ) : (
        <ul className="werkbank-list">
          {items.map((item) => (
            <li key={item.key}>
              <Link to={item.to} className="utrecht-link">
                {item.title}
              </Link>{" "}
              — termijn {date(item.dueAt)}
              {item.overdue && <strong className="werkbank-overdue"> te laat</strong>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const late = (due: string | null | undefined) => Boolean(due && new Date(due) < new Date());

export function Worklist() {
  const ideas = useQuery({
    queryKey: ["projects", "submitted"],
    queryFn: () => data(api.GET("/projects", { params: { query: { status: ["submitted"], limit: 200 } } })),
  });
  const decisions = useQuery({
    queryKey: ["projects", "under_assessment"],
    queryFn: () => data(api.GET("/projects", { params: { query: { status: ["under_assessment"], limit: 200 } } })),
  });
  const signals = useQuery({
    queryKey: ["signals", "open"],
    queryFn: async () => {
      const page = await data(api.GET("/signals", { params: { query: { limit: 200 } } }));
      return page.items.filter((s) => s.status !== "answered" && s.status !== "closed");
    },
  });
  const issues = useQuery({
    queryKey: ["policy-issues", "raised"],
    queryFn: () => data(api.GET("/policy-issues", { params: { query: { status: ["raised"], limit: 200 } } })),
  });
  const error = ideas.error ?? decisions.error ?? signals.error ?? issues.error;
  const byDue = (a: Item, b: Item) => (a.dueAt ?? "9999").localeCompare(b.dueAt ?? "9999");
  return (
    <>
      <Heading1>Werkvoorraad</Heading1>
      <Paragraph>Wat op antwoord wacht, het eerst wat over de termijn is.</Paragraph>
      {error && <LoadError error={error} />}
      <Section
        title="Ideeën die op een eerste antwoord wachten"
        empty="Geen ideeën die op antwoord wachten."
        items={ideas.data?.items
          .map((p) => ({ key: p.id, title: p.title, to: `/projecten/${p.id}`, dueAt: p.responseDueAt, overdue: late(p.responseDueAt) }))
          .sort(byDue)}
      />
      <Section
        title="Signalen die op antwoord wachten"
        empty="Geen open signalen."
        items={signals.data
          ?.map((s) => ({ key: s.id, title: s.title, to: `/signalen/${s.id}`, dueAt: s.dueAt, overdue: s.overdue }))
          .sort(byDue)}
      />
      <Section
        title="Beleidsvraagstukken die op een reactie wachten"
        empty="Geen vraagstukken die op een reactie wachten."
        items={issues.data?.items
          .map((i) => ({ key: i.id, title: i.title, to: `/beleid/${i.id}`, dueAt: i.responseDueAt, overdue: i.overdue }))
          .sort(byDue)}
      />
      <Section
        title="Projecten in toetsing"
        empty="Geen projecten in toetsing."
        items={decisions.data?.items.map((p) => ({ key: p.id, title: p.title, to: `/projecten/${p.id}`, dueAt: null, overdue: false }))}
      />
    </>
  );
}
