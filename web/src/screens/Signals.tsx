// Signals the caller may see, overdue first, a page at a time.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { Heading1, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, type Schemas } from "../api/client";
import { Field, LoadError, Loading } from "../ui/forms";
import { Pager, useCursor } from "../ui/Pager";
import { SIGNAL_STATUS, date } from "../ui/labels";

export function Signals() {
  const [onlyOverdue, setOnlyOverdue] = useState(false);
  const paging = useCursor();
  const query = { limit: 50, ...(onlyOverdue ? { overdue: true } : {}), ...(paging.cursor ? { cursor: paging.cursor } : {}) };
  const list = useQuery({
    queryKey: ["signals", query],
    queryFn: () => data(api.GET("/signals", { params: { query } })),
  });
  // Overdue first within the page, then by due date.
  const items = [...(list.data?.items ?? [])].sort(
    (a, b) => Number(b.overdue) - Number(a.overdue) || a.dueAt.localeCompare(b.dueAt),
  );
  return (
    <>
      <Heading1>Signalen</Heading1>
      <Paragraph>
        <Link className="utrecht-link" to="/signalen/nieuw">
          Een signaal melden
        </Link>
      </Paragraph>
      <Field label="Alleen signalen over de termijn">
        {(props) => (
          <input
            {...props}
            type="checkbox"
            className="utrecht-checkbox"
            checked={onlyOverdue}
            onChange={(e) => {
              setOnlyOverdue(e.target.checked);
              paging.reset();
            }}
          />
        )}
      </Field>
      {list.error && <LoadError error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Paragraph>Geen signalen.</Paragraph>
      ) : (
        <table className="utrecht-table werkbank-table">
          <caption className="utrecht-table__caption">Signalen, over de termijn eerst</caption>
          <thead className="utrecht-table__header">
            <tr className="utrecht-table__row">
              <th className="utrecht-table__header-cell" scope="col">Titel</th>
              <th className="utrecht-table__header-cell" scope="col">Status</th>
              <th className="utrecht-table__header-cell" scope="col">Vakdienst</th>
              <th className="utrecht-table__header-cell" scope="col">Termijn</th>
            </tr>
          </thead>
          <tbody className="utrecht-table__body">
            {items.map((s) => (
              <tr className="utrecht-table__row" key={s.id}>
                <td className="utrecht-table__cell">
                  <Link className="utrecht-link" to={`/signalen/${s.id}`}>
                    {s.title}
                  </Link>
                </td>
                <td className="utrecht-table__cell">{SIGNAL_STATUS[s.status as Schemas["SignalStatus"]] ?? s.status}</td>
                <td className="utrecht-table__cell">{s.assignedDepartmentId}</td>
                <td className="utrecht-table__cell">
                  {date(s.dueAt)}
                  {s.overdue && <strong className="werkbank-overdue"> te laat</strong>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager paging={paging} nextCursor={list.data?.nextCursor} />
    </>
  );
}
