// The advice requests about a project (DESIGN §16): the bureau asks a department for advice
// (department, question, due day) and may withdraw an open request with a reason; the asked
// department gives the advice through its advisory assessment, which settles the request.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { Link } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading2, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, ifMatch, type Schemas } from "../api/client";
import { useSession } from "../auth/session";
import { Field, FormAlert, LoadError, useSubmit } from "../ui/forms";
import { ADVICE_REQUEST_STATUS, date } from "../ui/labels";

type AdviceRequest = Schemas["AdviceRequest"];

function Withdraw({ request }: { request: AdviceRequest }) {
  const queries = useQueryClient();
  const form = useForm<{ reason: string }>({ defaultValues: { reason: "" } });
  const { run, outcome } = useSubmit(form, async ({ reason }) => {
    await data(
      api.POST("/advice-requests/{adviceRequestId}/transitions", {
        params: { path: { adviceRequestId: request.id }, header: { "If-Match": ifMatch(request.version) } },
        body: { to: "withdrawn", reason },
      }),
    );
    await queries.invalidateQueries();
  });
  return (
    <form onSubmit={run} noValidate aria-label={`Adviesvraag aan ${request.departmentId} intrekken`}>
      <Field label={`Reden van intrekken (${request.departmentId})`} error={form.formState.errors.reason?.message}>
        {(props) => <input {...props} className="utrecht-textbox" {...form.register("reason")} />}
      </Field>
      <FormAlert outcome={outcome} />
      <Button type="submit" variant="secondary-action">
        Adviesvraag aan {request.departmentId} intrekken
      </Button>
    </form>
  );
}

function Ask({ projectId }: { projectId: string }) {
  const queries = useQueryClient();
  const departments = useQuery({
    queryKey: ["departments"],
    queryFn: () => data(api.GET("/departments", { params: { query: { limit: 200 } } })),
  });
  const form = useForm<Schemas["AdviceRequestCreate"]>({ defaultValues: { departmentId: "", question: "", dueOn: "" } });
  const { run, outcome } = useSubmit(form, async (body) => {
    await data(api.POST("/projects/{projectId}/advice-requests", { params: { path: { projectId } }, body }));
    form.reset();
    await queries.invalidateQueries();
  });
  const errors = form.formState.errors;
  return (
    <form onSubmit={run} noValidate aria-labelledby="kop-advies-vragen">
      <Heading2 id="kop-advies-vragen">Advies vragen</Heading2>
      <Field label="Vakdienst" error={errors.departmentId?.message}>
        {(props) => (
          <select {...props} className="utrecht-select utrecht-select--html-select" {...form.register("departmentId")}>
            <option value="">Kies een vakdienst</option>
            {departments.data?.items.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Vraag" error={errors.question?.message}>
        {(props) => <textarea {...props} className="utrecht-textarea" rows={3} {...form.register("question")} />}
      </Field>
      <Field label="Advies uiterlijk op" error={errors.dueOn?.message}>
        {(props) => <input {...props} type="date" className="utrecht-textbox" {...form.register("dueOn")} />}
      </Field>
      <FormAlert outcome={outcome} />
      <Button type="submit">Advies vragen</Button>
    </form>
  );
}

export function AdviceRequests({ projectId }: { projectId: string }) {
  const role = useSession().identity?.role;
  const list = useQuery({
    queryKey: ["advice-requests", projectId],
    queryFn: () => data(api.GET("/advice-requests", { params: { query: { projectId, limit: 200 } } })),
  });
  return (
    <section aria-labelledby="kop-adviesvragen">
      <Heading2 id="kop-adviesvragen">Adviesvragen</Heading2>
      {list.error && <LoadError error={list.error} />}
      {list.data?.items.length === 0 && <Paragraph>Geen adviesvragen.</Paragraph>}
      <ul className="werkbank-list">
        {list.data?.items.map((r) => (
          <li key={r.id} data-testid="adviesvraag">
            <strong>{r.departmentId}</strong>: {r.question} — uiterlijk {date(r.dueAt)},{" "}
            {ADVICE_REQUEST_STATUS[r.status]}
            {r.overdue && <strong className="werkbank-overdue"> te laat</strong>}
            {r.withdrawalReason && ` (${r.withdrawalReason})`}
            {r.status === "open" && role === "vakdienst" && (
              <>
                {" "}
                <Link className="utrecht-link" to={`/projecten/${projectId}/toetsing`}>
                  Advies geven
                </Link>
              </>
            )}
            {r.status === "open" && role === "programmabureau" && <Withdraw request={r} />}
          </li>
        ))}
      </ul>
      {role === "programmabureau" && <Ask projectId={projectId} />}
    </section>
  );
}
