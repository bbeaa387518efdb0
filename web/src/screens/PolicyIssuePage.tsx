// A policy issue: raise it (the bureau), respond with a position (the owning department),
// close it.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { useParams } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading1, Heading2, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, ifMatch, type Schemas } from "../api/client";
import { Field, FormAlert, LoadError, Loading, useSubmit } from "../ui/forms";
import { POLICY_STATUS, POSITION, date } from "../ui/labels";
import { History } from "./History";

type Issue = Schemas["PolicyIssue"];
const NEXT: Partial<Record<Schemas["PolicyIssueStatusValue"], [Schemas["PolicyIssueStatusValue"], string]>> = {
  draft: ["raised", "Voorleggen aan de vakdienst"],
  responded: ["closed", "Sluiten"],
};

function Transition({ issue }: { issue: Issue }) {
  const queries = useQueryClient();
  const next = NEXT[issue.status as Schemas["PolicyIssueStatusValue"]];
  const form = useForm();
  const { run, outcome } = useSubmit(form, async () => {
    if (!next) return;
    await data(
      api.POST("/policy-issues/{policyIssueId}/transitions", {
        params: { path: { policyIssueId: issue.id }, header: { "If-Match": ifMatch(issue.version) } },
        body: { to: next[0] },
      }),
    );
    await queries.invalidateQueries();
  });
  if (!next) return null;
  return (
    <form onSubmit={run} noValidate>
      <FormAlert outcome={outcome} />
      <Button type="submit">{next[1]}</Button>
    </form>
  );
}

interface ResponseValues {
  position: Schemas["PolicyPositionValue"];
  explanation: string;
  followUpOn: string;
}

function Respond({ issue }: { issue: Issue }) {
  const queries = useQueryClient();
  const form = useForm<ResponseValues>({ defaultValues: { position: "under_review", explanation: "", followUpOn: "" } });
  const { run, outcome } = useSubmit(form, async (values) => {
    await data(
      api.PUT("/policy-issues/{policyIssueId}/response", {
        params: { path: { policyIssueId: issue.id }, header: { "If-Match": ifMatch(issue.version) } },
        body: { position: values.position, explanation: values.explanation, followUpOn: values.followUpOn || null },
      }),
    );
    await queries.invalidateQueries();
  });
  return (
    <form onSubmit={run} noValidate aria-labelledby="kop-reageren">
      <Heading2 id="kop-reageren">Reageren</Heading2>
      <Field label="Standpunt" error={form.formState.errors.position?.message}>
        {(props) => (
          <select {...props} className="utrecht-select" {...form.register("position")}>
            {Object.entries(POSITION).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Toelichting" error={form.formState.errors.explanation?.message}>
        {(props) => <textarea {...props} className="utrecht-textarea" rows={4} {...form.register("explanation")} />}
      </Field>
      <Field label="Opvolging op (datum)" error={form.formState.errors.followUpOn?.message}>
        {(props) => <input {...props} type="date" className="utrecht-textbox" {...form.register("followUpOn")} />}
      </Field>
      <FormAlert outcome={outcome} />
      <Button type="submit">Reactie versturen</Button>
    </form>
  );
}

export function PolicyIssuePage() {
  const { policyIssueId = "" } = useParams();
  const issue = useQuery({
    queryKey: ["policy-issue", policyIssueId],
    queryFn: () => data(api.GET("/policy-issues/{policyIssueId}", { params: { path: { policyIssueId } } })),
  });
  if (issue.error) return <LoadError error={issue.error} />;
  if (!issue.data) return <Loading />;
  const i = issue.data;
  return (
    <>
      <Heading1>{i.title}</Heading1>
      <dl className="werkbank-facts">
        <dt>Status</dt>
        <dd data-testid="vraagstukstatus">{POLICY_STATUS[i.status as Schemas["PolicyIssueStatusValue"]] ?? i.status}</dd>
        <dt>Vakdienst</dt>
        <dd>{i.departmentId}</dd>
        <dt>Signalen</dt>
        <dd>{i.signalCount}</dd>
        <dt>Reactie uiterlijk</dt>
        <dd>
          {date(i.responseDueAt)} {i.overdue && <strong className="werkbank-overdue">te laat</strong>}
        </dd>
      </dl>
      <Paragraph>{i.description}</Paragraph>
      {i.response && (
        <>
          <Heading2>Reactie van de vakdienst</Heading2>
          <Paragraph>
            {POSITION[i.response.position as Schemas["PolicyPositionValue"]] ?? i.response.position}: {i.response.explanation}
          </Paragraph>
        </>
      )}
      <Transition issue={i} />
      {(i.status === "raised" || i.status === "responded") && <Respond issue={i} />}
      <History resource="policy-issue" id={i.id} />
    </>
  );
}
