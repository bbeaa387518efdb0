// The assessment form: six effects and sustainability scored 0–2 with motivations, the ≥ 3
// rule shown as the user scores, the advice; saved as a draft or made final at once. The
// bureau's decision is the project's next step (approve or reject) on the project page.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { useNavigate, useParams } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading1, Heading2, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, ifMatch, type Schemas } from "../api/client";
import { useSession } from "../auth/session";
import { eligibility, formPath } from "../domain/eligibility";
import { Field, FormAlert, LoadError, useSubmit } from "../ui/forms";
import { ADVICE, EFFECTS } from "../ui/labels";

const EFFECT_ORDER = Object.keys(EFFECTS) as Schemas["Effect"][];
const SCORES = [
  ["0", "0 – geen"],
  ["1", "1 – enig"],
  ["2", "2 – substantieel"],
] as const;

interface Values {
  effects: { score: string; motivation: string }[];
  sustainability: { score: string; motivation: string };
  advice: Schemas["Advice"];
  explanation: string;
  final: boolean;
}

function Score({ legend, name, error, register }: { legend: string; name: string; error?: string | undefined; register: (n: string) => object }) {
  return (
    <fieldset className="utrecht-form-fieldset werkbank-score" aria-invalid={Boolean(error)}>
      <legend className="utrecht-form-fieldset__legend">{legend}</legend>
      {error && (
        <div className="utrecht-form-field-error-message" role="alert">
          {error}
        </div>
      )}
      {SCORES.map(([value, label]) => (
        <label key={value} className="utrecht-form-label werkbank-check">
          <input type="radio" className="utrecht-radio-button" value={value} {...register(name)} /> {label}
        </label>
      ))}
    </fieldset>
  );
}

export function AssessmentForm() {
  const { projectId = "" } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const project = useQuery({
    queryKey: ["project", projectId],
    queryFn: () => data(api.GET("/projects/{projectId}", { params: { path: { projectId } } })),
  });
  const kind: Schemas["AssessmentKind"] = session.identity?.role === "vakdienst" ? "advisory" : "programme";
  const form = useForm<Values>({
    defaultValues: {
      effects: EFFECT_ORDER.map(() => ({ score: "", motivation: "" })),
      sustainability: { score: "", motivation: "" },
      advice: "positive",
      explanation: "",
      final: true,
    },
  });
  const { run, outcome } = useSubmit(
    form,
    async (values) => {
      const created = await data(
        api.POST("/projects/{projectId}/assessments", {
          params: { path: { projectId } },
          body: {
            kind,
            effects: EFFECT_ORDER.map((effect, i) => ({
              effect,
              score: Number(values.effects[i]?.score || -1),
              motivation: values.effects[i]?.motivation ?? "",
            })),
            sustainability: { score: Number(values.sustainability.score || -1), motivation: values.sustainability.motivation },
            advice: values.advice,
            explanation: values.explanation,
          },
        }),
      );
      if (values.final) {
        await data(
          api.PATCH("/projects/{projectId}/assessments/{assessmentId}", {
            params: { path: { projectId, assessmentId: created.id }, header: { "If-Match": ifMatch(created.version) } },
            body: { status: "final" },
          }),
        );
      }
      await queries.invalidateQueries();
      navigate(`/projecten/${projectId}`);
    },
    formPath,
  );
  const watched = form.watch();
  const rule = eligibility(
    watched.effects.map((e) => (e.score === "" ? null : Number(e.score))),
    watched.sustainability.score === "" ? null : Number(watched.sustainability.score),
  );
  const errors = form.formState.errors;
  const register = (name: string) => form.register(name as never);
  return (
    <>
      <Heading1>{kind === "programme" ? "Toetsen" : "Advies geven"}</Heading1>
      {project.error && <LoadError error={project.error} />}
      {project.data && <Paragraph>Project: {project.data.title}</Paragraph>}
      <form onSubmit={run} noValidate>
        <Heading2>Effecten</Heading2>
        {EFFECT_ORDER.map((effect, i) => (
          <div key={effect} className="werkbank-effect">
            <Score
              legend={`${EFFECTS[effect]}: score`}
              name={`effects.${i}.score`}
              error={errors.effects?.[i]?.score?.message}
              register={register}
            />
            <Field label={`${EFFECTS[effect]}: motivatie`} error={errors.effects?.[i]?.motivation?.message}>
              {(props) => <textarea {...props} className="utrecht-textarea" rows={2} {...register(`effects.${i}.motivation`)} />}
            </Field>
          </div>
        ))}
        <Heading2>Duurzaamheid</Heading2>
        <Score legend="Duurzaamheid: score" name="sustainability.score" error={errors.sustainability?.score?.message} register={register} />
        <Field label="Duurzaamheid: motivatie" error={errors.sustainability?.motivation?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={2} {...register("sustainability.motivation")} />}
        </Field>
        <div className={`werkbank-rule ${rule.eligible ? "werkbank-rule--ok" : ""}`} role="status" aria-live="polite">
          <strong>
            {rule.substantial} van de 6 effecten substantieel —{" "}
            {rule.eligible ? "komt in aanmerking" : "komt (nog) niet in aanmerking"}
          </strong>
          {rule.reasons.length > 0 && <span>: {rule.reasons.join("; ")}</span>}
        </div>
        <Heading2>Advies</Heading2>
        <Field label="Advies" error={errors.advice?.message}>
          {(props) => (
            <select {...props} className="utrecht-select" {...form.register("advice")}>
              {Object.entries(ADVICE).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Toelichting" error={errors.explanation?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={4} {...form.register("explanation")} />}
        </Field>
        <div className="utrecht-form-field utrecht-form-field--checkbox">
          <label className="utrecht-form-label werkbank-check">
            <input type="checkbox" className="utrecht-checkbox" {...form.register("final")} /> Meteen definitief maken
          </label>
        </div>
        <FormAlert outcome={outcome} />
        <Button type="submit" disabled={form.formState.isSubmitting}>
          {kind === "programme" ? "Toetsing opslaan" : "Advies opslaan"}
        </Button>
      </form>
    </>
  );
}
