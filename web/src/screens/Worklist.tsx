// Werkvoorraad, the home screen: what the caller owes and what others owe the caller, in one
// call to GET /worklist (DESIGN §16). The service orders by due date (overdue first, nulls
// last) and pages with a cursor; the counts cover the whole side. Live through the event stream
// (the shell refreshes every query on each event).
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { Heading1, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, type Schemas } from "../api/client";
import { countLabel, WORKLIST_KIND, WORKLIST_KINDS, worklistRoute, type WorklistKind } from "../domain/worklist";
import { Field, LoadError, Loading } from "../ui/forms";
import { Pager, useCursor } from "../ui/Pager";
import { date } from "../ui/labels";

const SIDES: { side: Schemas["WorklistSide"]; label: string }[] = [
  { side: "owe", label: "Wat ik moet doen" },
  { side: "owed", label: "Waar ik op wacht" },
];

export function Worklist() {
  const [side, setSide] = useState<Schemas["WorklistSide"]>("owe");
  const [kind, setKind] = useState<WorklistKind | "">("");
  const [onlyOverdue, setOnlyOverdue] = useState(false);
  const paging = useCursor();
  const query = {
    side,
    limit: 50,
    ...(kind ? { kind: [kind] } : {}),
    ...(onlyOverdue ? { overdue: true } : {}),
    ...(paging.cursor ? { cursor: paging.cursor } : {}),
  };
  const list = useQuery({
    queryKey: ["worklist", query],
    queryFn: () => data(api.GET("/worklist", { params: { query } })),
  });
  const counts = list.data?.counts;
  const choose = (next: () => void) => {
    next();
    paging.reset();
  };
  return (
    <>
      <Heading1>Werkvoorraad</Heading1>
      <Paragraph>Wat op antwoord wacht, het eerst wat over de termijn is.</Paragraph>
      <div className="werkbank-tabs" role="group" aria-label="Kant van de werkvoorraad">
        {SIDES.map((s) => (
          <button
            key={s.side}
            type="button"
            className="utrecht-button utrecht-button--secondary-action"
            aria-pressed={side === s.side}
            onClick={() => choose(() => setSide(s.side))}
          >
            {s.label}
          </button>
        ))}
      </div>
      {counts && (
        <Paragraph aria-live="polite">
          {countLabel(counts)} ({SIDES.find((s) => s.side === side)?.label.toLowerCase()})
        </Paragraph>
      )}
      <Field label="Soort" hint={kind && counts ? `${WORKLIST_KIND[kind]}: ${countLabel(counts.byKind[kind])}` : undefined}>
        {(props) => (
          <select
            {...props}
            className="utrecht-select utrecht-select--html-select"
            value={kind}
            onChange={(e) => choose(() => setKind(e.target.value as WorklistKind | ""))}
          >
            <option value="">Alle soorten</option>
            {WORKLIST_KINDS.map((k) => (
              <option key={k} value={k}>
                {WORKLIST_KIND[k]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Alleen wat over de termijn is">
        {(props) => (
          <input
            {...props}
            type="checkbox"
            className="utrecht-checkbox"
            checked={onlyOverdue}
            onChange={(e) => choose(() => setOnlyOverdue(e.target.checked))}
          />
        )}
      </Field>
      {list.error && <LoadError error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : !list.data || list.data.items.length === 0 ? (
        <Paragraph>Niets in de werkvoorraad.</Paragraph>
      ) : (
        <table className="utrecht-table werkbank-table">
          <caption className="utrecht-table__caption">Werkvoorraad, over de termijn eerst</caption>
          <thead className="utrecht-table__header">
            <tr className="utrecht-table__row">
              <th className="utrecht-table__header-cell" scope="col">Onderwerp</th>
              <th className="utrecht-table__header-cell" scope="col">Soort</th>
              <th className="utrecht-table__header-cell" scope="col">{side === "owe" ? "Voor" : "Van"}</th>
              <th className="utrecht-table__header-cell" scope="col">Termijn</th>
            </tr>
          </thead>
          <tbody className="utrecht-table__body">
            {list.data.items.map((item) => {
              const to = worklistRoute(item);
              const party = side === "owe" ? item.owedTo : [item.owedBy];
              return (
                <tr className="utrecht-table__row" key={`${item.kind}-${item.resourceId}`}>
                  <td className="utrecht-table__cell">
                    {to ? (
                      <Link className="utrecht-link" to={to}>
                        {item.title}
                      </Link>
                    ) : (
                      item.title
                    )}
                  </td>
                  <td className="utrecht-table__cell">{WORKLIST_KIND[item.kind]}</td>
                  <td className="utrecht-table__cell">
                    {party.map((p) => (p.id ? `${p.role} ${p.id}` : p.role)).join(", ")}
                  </td>
                  <td className="utrecht-table__cell">
                    {date(item.dueAt)}
                    {item.overdue && <strong className="werkbank-overdue"> te laat</strong>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager paging={paging} nextCursor={list.data?.nextCursor} />
    </>
  );
}
