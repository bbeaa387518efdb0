// A resource's trail, oldest first.
import { useQuery } from "@tanstack/react-query";
import { Heading2 } from "@gemeente-denhaag/typography";
import { api, data } from "../api/client";
import { LoadError } from "../ui/forms";
import { date } from "../ui/labels";

export function History({ resource, id }: { resource: "project" | "signal" | "policy-issue"; id: string }) {
  const history = useQuery({
    queryKey: ["history", resource, id],
    queryFn: () => {
      switch (resource) {
        case "project":
          return data(api.GET("/projects/{projectId}/history", { params: { path: { projectId: id }, query: { limit: 200 } } }));
        case "signal":
          return data(api.GET("/signals/{signalId}/history", { params: { path: { signalId: id }, query: { limit: 200 } } }));
        case "policy-issue":
          return data(
            api.GET("/policy-issues/{policyIssueId}/history", { params: { path: { policyIssueId: id }, query: { limit: 200 } } }),
          );
      }
    },
  });
  return (
    <section aria-labelledby="kop-geschiedenis">
      <Heading2 id="kop-geschiedenis">Geschiedenis</Heading2>
      {history.error && <LoadError error={history.error} />}
      <ol className="werkbank-list">
        {history.data?.items.map((e) => (
          <li key={e.id}>
            {date(e.occurredAt)}: {e.action} door {e.actor.name ?? e.actor.role}
          </li>
        ))}
      </ol>
    </section>
  );
}
