// A signal: its state, the next step (an answer needs a response, a reopening a reason), and
// handing it to another department with a reason.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { useParams } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading1, Heading2, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, ifMatch, type Schemas } from "../api/client";
import { Field, FormAlert, LoadError, Loading, useSubmit } from "../ui/forms";
import { SIGNAL_NEXT, SIGNAL_STATUS, date } from "../ui/labels";
import { History } from "./History";

type Status = Schemas["SignalStatus"];

function Move({ signal }: { signal: Schemas["Signal"] }) {
  const queries = useQueryClient();
  const steps = SIGNAL_NEXT[signal.status as Status] ?? [];
  const form = useForm<{ to: Status | ""; response: string; reason: string }>({
    defaultValues: { to: steps[0] ?? "", response: "", reason: "" },
  });
  const { run, outcome } = useSubmit(form, async ({ to, response, reason }) => {
    if (!to) return;
    await data(
      api.POST("/signals/{signalId}/transitions", {
        params: { path: { signalId: signal.id }, header: { "If-Match": ifMatch(signal.version) } },
        body: { to, response: to === "answered" ? response : null, reason: to === "reopened" ? reason : null },
      }),
    );
    await queries.invalidateQueries();
  });
  const to = form.watch("to");
  if (steps.length === 0) return null;
  return (
    <form onSubmit={run} noValidate aria-labelledby="kop-stap">
      <Heading2 id="kop-stap">Volgende stap</Heading2>
      <Field label="Stap" error={form.formState.errors.to?.message}>
        {(props) => (
          <select {...props} className="utrecht-select" {...form.register("to")}>
            {steps.map((s) => (
              <option key={s} value={s}>
                {SIGNAL_STATUS[s]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {to === "answered" && (
        <Field label="Antwoord" error={form.formState.errors.response?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={4} {...form.register("response")} />}
        </Field>
      )}
      {to === "reopened" && (
        <Field label="Reden" error={form.formState.errors.reason?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={3} {...form.register("reason")} />}
        </Field>
      )}
      <FormAlert outcome={outcome} />
      <Button type="submit">Stap zetten</Button>
    </form>
  );
}

function HandOff({ signal }: { signal: Schemas["Signal"] }) {
  const queries = useQueryClient();
  const departments = useQuery({
    queryKey: ["departments"],
    queryFn: () => data(api.GET("/departments", { params: { query: { limit: 200 } } })),
  });
  const form = useForm<{ departmentId: string; reason: string }>({ defaultValues: { departmentId: "", reason: "" } });
  const { run, outcome } = useSubmit(form, async (values) => {
    await data(
      api.POST("/signals/{signalId}/reassignments", {
        params: { path: { signalId: signal.id }, header: { "If-Match": ifMatch(signal.version) } },
        body: values,
      }),
    );
    form.reset();
    await queries.invalidateQueries();
  });
  return (
    <form onSubmit={run} noValidate aria-labelledby="kop-overdragen">
      <Heading2 id="kop-overdragen">Overdragen aan een andere vakdienst</Heading2>
      <Field label="Vakdienst" error={form.formState.errors.departmentId?.message}>
        {(props) => (
          <select {...props} className="utrecht-select" {...form.register("departmentId")}>
            <option value="">Kies een vakdienst</option>
            {departments.data?.items
              .filter((d) => d.id !== signal.assignedDepartmentId)
              .map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
          </select>
        )}
      </Field>
      <Field label="Reden van overdracht" error={form.formState.errors.reason?.message}>
        {(props) => <textarea {...props} className="utrecht-textarea" rows={2} {...form.register("reason")} />}
      </Field>
      <FormAlert outcome={outcome} />
      <Button type="submit" variant="secondary-action">
        Overdragen
      </Button>
    </form>
  );
}

export function SignalPage() {
  const { signalId = "" } = useParams();
  const signal = useQuery({
    queryKey: ["signal", signalId],
    queryFn: () => data(api.GET("/signals/{signalId}", { params: { path: { signalId } } })),
  });
  if (signal.error) return <LoadError error={signal.error} />;
  if (!signal.data) return <Loading />;
  const s = signal.data;
  return (
    <>
      <Heading1>{s.title}</Heading1>
      <dl className="werkbank-facts">
        <dt>Status</dt>
        <dd data-testid="signaalstatus">{SIGNAL_STATUS[s.status as Status] ?? s.status}</dd>
        <dt>Vakdienst</dt>
        <dd>{s.assignedDepartmentId}</dd>
        <dt>Termijn</dt>
        <dd>
          {date(s.dueAt)} {s.overdue && <strong className="werkbank-overdue">te laat</strong>}
        </dd>
        <dt>Wijk</dt>
        <dd>{s.neighbourhoodId}</dd>
      </dl>
      <Paragraph>{s.description}</Paragraph>
      {s.response && (
        <>
          <Heading2>Antwoord</Heading2>
          <Paragraph>{s.response}</Paragraph>
        </>
      )}
      <Move key={s.status} signal={s} />
      {s.status !== "closed" && <HandOff signal={s} />}
      <History resource="signal" id={s.id} />
    </>
  );
}
