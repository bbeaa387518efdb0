// Policy issues: what the neighbourhood's signals ask of a department's policy.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { Heading1, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, type Schemas } from "../api/client";
import { LoadError, Loading } from "../ui/forms";
import { Pager, useCursor } from "../ui/Pager";
import { POLICY_STATUS, date } from "../ui/labels";

export function PolicyIssues() {
  const paging = useCursor();
  const query = { limit: 50, ...(paging.cursor ? { cursor: paging.cursor } : {}) };
  const list = useQuery({
    queryKey: ["policy-issues", query],
    queryFn: () => data(api.GET("/policy-issues", { params: { query } })),
  });
  return (
    <>
      <Heading1>Beleidsvraagstukken</Heading1>
      <Paragraph>
        <Link className="utrecht-link" to="/beleid/nieuw">
          Signalen bundelen tot een vraagstuk
        </Link>
      </Paragraph>
      {list.error && <LoadError error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : list.data?.items.length === 0 ? (
        <Paragraph>Geen vraagstukken.</Paragraph>
      ) : (
        <ul className="werkbank-list">
          {list.data?.items.map((i) => (
            <li key={i.id}>
              <Link className="utrecht-link" to={`/beleid/${i.id}`}>
                {i.title}
              </Link>{" "}
              — {POLICY_STATUS[i.status as Schemas["PolicyIssueStatusValue"]] ?? i.status}, {i.departmentId}, reactie uiterlijk{" "}
              {date(i.responseDueAt)}
              {i.overdue && <strong className="werkbank-overdue"> te laat</strong>}
            </li>
          ))}
        </ul>
      )}
      <Pager paging={paging} nextCursor={list.data?.nextCursor} />
    </>
  );
}
