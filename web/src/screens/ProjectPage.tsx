// A project: status and the next steps, partners, goals, funding against the 40 % target,
// links, notes, advice requests, assessments, advice and history.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { Link, useParams } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading1, Heading2, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, ifMatch, type Schemas } from "../api/client";
import { Field, FormAlert, LoadError, Loading, useSubmit } from "../ui/forms";
import { ADVICE, EFFECTS, NEEDS_REASON, PROJECT_ACTION, PROJECT_NEXT, PROJECT_STATUS, date, euros, percent } from "../ui/labels";
import { AdviceRequests } from "./AdviceRequests";
import { History } from "./History";

type Status = Schemas["ProjectStatus"];

function NextSteps({ project }: { project: Schemas["Project"] }) {
  const queries = useQueryClient();
  const steps = PROJECT_NEXT[project.status as Status] ?? [];
  const form = useForm<{ to: Status | ""; reason: string }>({ defaultValues: { to: steps[0] ?? "", reason: "" } });
  const { run, outcome } = useSubmit(form, async ({ to, reason }) => {
    if (!to) return;
    await data(
      api.POST("/projects/{projectId}/transitions", {
        params: { path: { projectId: project.id }, header: { "If-Match": ifMatch(project.version) } },
        body: { to, reason: reason || null },
      }),
    );
    await queries.invalidateQueries();
  });
  if (steps.length === 0) return <Paragraph>Dit project heeft geen volgende stap meer.</Paragraph>;
  const chosen = form.watch("to");
  return (
    <form onSubmit={run} noValidate aria-labelledby="kop-stappen">
      <Heading2 id="kop-stappen">Volgende stap</Heading2>
      <Field label="Stap" error={form.formState.errors.to?.message}>
        {(props) => (
          <select {...props} className="utrecht-select" {...form.register("to")}>
            {steps.map((to) => (
              <option key={to} value={to}>
                {PROJECT_ACTION[to]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {chosen && NEEDS_REASON.includes(chosen) && (
        <Field label="Reden" error={form.formState.errors.reason?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={3} {...form.register("reason")} />}
        </Field>
      )}
      <FormAlert outcome={outcome} />
      <Button type="submit">Stap zetten</Button>
    </form>
  );
}

function Notes({ projectId }: { projectId: string }) {
  const queries = useQueryClient();
  const notes = useQuery({
    queryKey: ["notes", projectId],
    queryFn: () => data(api.GET("/projects/{projectId}/notes", { params: { path: { projectId } } })),
  });
  const form = useForm<{ text: string }>({ defaultValues: { text: "" } });
  const { run, outcome } = useSubmit(form, async ({ text }) => {
    await data(api.POST("/projects/{projectId}/notes", { params: { path: { projectId } }, body: { text } }));
    form.reset();
    await queries.invalidateQueries({ queryKey: ["notes", projectId] });
  });
  return (
    <section aria-labelledby="kop-notities">
      <Heading2 id="kop-notities">Notities</Heading2>
      <ul className="werkbank-list">
        {notes.data?.items.map((n) => (
          <li key={n.id}>
            {n.text} <span className="werkbank-meta">({n.author.name ?? n.author.role}, {date(n.createdAt)})</span>
          </li>
        ))}
      </ul>
      <form onSubmit={run} noValidate>
        <Field label="Nieuwe notitie" error={form.formState.errors.text?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={2} {...form.register("text")} />}
        </Field>
        <FormAlert outcome={outcome} />
        <Button type="submit" variant="secondary-action">
          Notitie toevoegen
        </Button>
      </form>
    </section>
  );
}

export function ProjectPage() {
  const { projectId = "" } = useParams();
  const path = { params: { path: { projectId } } };
  const project = useQuery({ queryKey: ["project", projectId], queryFn: () => data(api.GET("/projects/{projectId}", path)) });
  const goals = useQuery({ queryKey: ["goals", projectId], queryFn: () => data(api.GET("/projects/{projectId}/goals", path)) });
  const funding = useQuery({
    queryKey: ["funding", projectId],
    queryFn: () => data(api.GET("/projects/{projectId}/funding-lines", path)),
  });
  const assessments = useQuery({
    queryKey: ["assessments", projectId],
    queryFn: () => data(api.GET("/projects/{projectId}/assessments", path)),
  });
  if (project.error) return <LoadError error={project.error} />;
  if (!project.data) return <Loading />;
  const p = project.data;
  const budget = p.budget;
  return (
    <>
      <Heading1>{p.title}</Heading1>
      <dl className="werkbank-facts">
        <dt>Status</dt>
        <dd data-testid="projectstatus">{PROJECT_STATUS[p.status as Status] ?? p.status}</dd>
        <dt>Stadsdeel</dt>
        <dd>{p.districtId}</dd>
        <dt>Antwoord van het bureau uiterlijk</dt>
        <dd>{date(p.responseDueAt)}</dd>
        <dt>Uitkomst toetsing</dt>
        <dd>{p.eligible === true ? "Komt in aanmerking" : p.eligible === false ? "Komt niet in aanmerking" : "Nog niet getoetst"}</dd>
      </dl>
      {p.summary && <Paragraph>{p.summary}</Paragraph>}
      <NextSteps key={p.status} project={p} />
      <Paragraph>
        <Link className="utrecht-link" to={`/projecten/${p.id}/toetsing`}>
          Toetsen
        </Link>{" "}
        ·{" "}
        <Link className="utrecht-link" to={`/projecten/${p.id}/evaluatie`}>
          Evaluatie
        </Link>
      </Paragraph>

      <Heading2>Partners</Heading2>
      {p.partners.length === 0 ? (
        <Paragraph>Geen partners.</Paragraph>
      ) : (
        <ul className="werkbank-list">
          {p.partners.map((partner) => (
            <li key={partner.partnerId}>
              {partner.partnerId} ({partner.role})
            </li>
          ))}
        </ul>
      )}

      <Heading2>Doelen</Heading2>
      {goals.error && <LoadError error={goals.error} />}
      <table className="utrecht-table werkbank-table">
        <caption className="utrecht-table__caption">Doelen met nulmeting, streefwaarde en resultaat</caption>
        <thead className="utrecht-table__header">
          <tr className="utrecht-table__row">
            <th className="utrecht-table__header-cell" scope="col">Indicator</th>
            <th className="utrecht-table__header-cell" scope="col">Effect</th>
            <th className="utrecht-table__header-cell" scope="col">Nulmeting</th>
            <th className="utrecht-table__header-cell" scope="col">Streefwaarde</th>
            <th className="utrecht-table__header-cell" scope="col">Resultaat</th>
          </tr>
        </thead>
        <tbody className="utrecht-table__body">
          {goals.data?.items.map((g) => (
            <tr className="utrecht-table__row" key={g.id}>
              <td className="utrecht-table__cell">{g.indicator}</td>
              <td className="utrecht-table__cell">{EFFECTS[g.effect as Schemas["Effect"]] ?? g.effect}</td>
              <td className="utrecht-table__cell">{g.baseline} {g.unit}</td>
              <td className="utrecht-table__cell">{g.target} {g.unit}</td>
              <td className="utrecht-table__cell">{g.actual ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <Heading2>Financiering</Heading2>
      <dl className="werkbank-facts">
        <dt>Totaal</dt>
        <dd>{euros(budget.totalCents)}</dd>
        <dt>Uit het programma</dt>
        <dd>{euros(budget.programmeCents)}</dd>
        <dt>Cofinanciering</dt>
        <dd>
          {euros(budget.otherCents)} ({percent(budget.cofinancingRatio)};{" "}
          {budget.meetsCofinancingTarget ? "haalt de norm van 40 %" : "onder de norm van 40 %"})
        </dd>
      </dl>
      {funding.data && funding.data.items.length > 0 && (
        <ul className="werkbank-list">
          {funding.data.items.map((line) => (
            <li key={line.id}>
              {line.sourceType} {line.sourceId ?? ""}: {euros(line.amountCents)} ({line.status})
            </li>
          ))}
        </ul>
      )}

      <Heading2>Koppelingen</Heading2>
      {p.links.length === 0 ? (
        <Paragraph>Geen gekoppelde projecten.</Paragraph>
      ) : (
        <ul className="werkbank-list">
          {p.links.map((link) => (
            <li key={link.id}>
              <Link className="utrecht-link" to={`/projecten/${link.projectId}`}>
                {link.projectId}
              </Link>{" "}
              ({link.kind})
            </li>
          ))}
        </ul>
      )}

      <Notes projectId={p.id} />

      <AdviceRequests projectId={p.id} />

      <Heading2>Toetsingen en adviezen</Heading2>
      {assessments.error && <LoadError error={assessments.error} />}
      {assessments.data?.items.length === 0 && <Paragraph>Nog geen toetsing of advies.</Paragraph>}
      <ul className="werkbank-list">
        {assessments.data?.items.map((a) => (
          <li key={a.id}>
            {a.kind === "programme" ? "Toetsing bureau" : `Advies ${a.departmentId ?? ""}`}: {ADVICE[a.advice as Schemas["Advice"]] ?? a.advice},{" "}
            {a.substantialEffects} substantiële effecten, {a.eligible ? "komt in aanmerking" : "komt niet in aanmerking"} (
            {a.status === "final" ? "definitief" : "concept"})
          </li>
        ))}
      </ul>

      <History resource="project" id={p.id} />
    </>
  );
}
