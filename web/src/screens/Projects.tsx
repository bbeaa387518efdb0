// Projects: filters, a page at a time.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { Heading1, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, type Schemas } from "../api/client";
import { Field, LoadError, Loading } from "../ui/forms";
import { Pager, useCursor } from "../ui/Pager";
import { PROJECT_STATUS, date } from "../ui/labels";

export function Projects() {
  const [status, setStatus] = useState<Schemas["ProjectStatus"] | "">("");
  const [q, setQ] = useState("");
  const paging = useCursor();
  const query = {
    limit: 25,
    ...(status ? { status: [status] } : {}),
    ...(q ? { q } : {}),
    ...(paging.cursor ? { cursor: paging.cursor } : {}),
  };
  const list = useQuery({
    queryKey: ["projects", query],
    queryFn: () => data(api.GET("/projects", { params: { query } })),
  });
  return (
    <>
      <Heading1>Projecten</Heading1>
      <Paragraph>
        <Link className="utrecht-link" to="/projecten/nieuw">
          Een idee indienen
        </Link>
      </Paragraph>
      <form className="werkbank-filters" role="search" aria-label="Projecten filteren" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          {(props) => (
            <select
              {...props}
              className="utrecht-select"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as Schemas["ProjectStatus"] | "");
                paging.reset();
              }}
            >
              <option value="">Alle</option>
              {Object.entries(PROJECT_STATUS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Zoeken op naam">
          {(props) => (
            <input
              {...props}
              type="search"
              className="utrecht-textbox"
              value={q}
              onChange={(e) => {
                setQ(e.target.value);
                paging.reset();
              }}
            />
          )}
        </Field>
      </form>
      {list.error && <LoadError error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <Paragraph>Geen projecten gevonden.</Paragraph>
      ) : (
        <table className="utrecht-table werkbank-table">
          <caption className="utrecht-table__caption">Projecten, nieuwste eerst</caption>
          <thead className="utrecht-table__header">
            <tr className="utrecht-table__row">
              <th className="utrecht-table__header-cell" scope="col">Titel</th>
              <th className="utrecht-table__header-cell" scope="col">Status</th>
              <th className="utrecht-table__header-cell" scope="col">Stadsdeel</th>
              <th className="utrecht-table__header-cell" scope="col">Antwoord uiterlijk</th>
            </tr>
          </thead>
          <tbody className="utrecht-table__body">
            {list.data?.items.map((p) => (
              <tr className="utrecht-table__row" key={p.id}>
                <td className="utrecht-table__cell">
                  <Link className="utrecht-link" to={`/projecten/${p.id}`}>
                    {p.title}
                  </Link>
                </td>
                <td className="utrecht-table__cell">{PROJECT_STATUS[p.status as Schemas["ProjectStatus"]] ?? p.status}</td>
                <td className="utrecht-table__cell">{p.districtId}</td>
                <td className="utrecht-table__cell">{date(p.responseDueAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager paging={paging} nextCursor={list.data?.nextCursor} />
    </>
  );
}
