// The evaluation of a running, completed or stopped project: lessons, what worked and did
// not, how it continues, and voices of the people who did the work (only with their consent).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useFieldArray, useForm } from "react-hook-form";
import { useNavigate, useParams } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading1, Heading2, Paragraph } from "@gemeente-denhaag/typography";
import { ApiProblem, api, data, ifMatch, type Schemas } from "../api/client";
import { formPath } from "../domain/eligibility";
import { Field, FormAlert, LoadError, Loading, useSubmit } from "../ui/forms";
import { CONTINUATION, SPEAKER } from "../ui/labels";

interface Values {
  lessonsLearned: string;
  whatWorked: string;
  whatDidNot: string;
  continuation: Schemas["Continuation"] | "";
  voices: { quote: string; speakerRole: Schemas["SpeakerRole"]; consent: boolean }[];
}

export function EvaluationForm() {
  const { projectId = "" } = useParams();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const path = { params: { path: { projectId } } };
  const project = useQuery({ queryKey: ["project", projectId], queryFn: () => data(api.GET("/projects/{projectId}", path)) });
  const existing = useQuery({
    queryKey: ["evaluation", projectId],
    queryFn: () =>
      data(api.GET("/projects/{projectId}/evaluation", path)).catch((e: unknown) => {
        if (e instanceof ApiProblem && e.status === 404) return null;
        throw e;
      }),
  });
  const form = useForm<Values>({
    values: {
      lessonsLearned: existing.data?.lessonsLearned ?? "",
      whatWorked: existing.data?.whatWorked ?? "",
      whatDidNot: existing.data?.whatDidNot ?? "",
      continuation: (existing.data?.continuation as Schemas["Continuation"] | null) ?? "",
      voices: (existing.data?.voices ?? []).map((v) => ({ quote: v.quote, speakerRole: v.speakerRole as Schemas["SpeakerRole"], consent: true })),
    },
  });
  const voices = useFieldArray({ control: form.control, name: "voices" });
  const { run, outcome } = useSubmit(
    form,
    async (values) => {
      if (!project.data) return;
      await data(
        api.PUT("/projects/{projectId}/evaluation", {
          params: { path: { projectId }, header: { "If-Match": ifMatch(project.data.version) } },
          body: {
            lessonsLearned: values.lessonsLearned,
            whatWorked: values.whatWorked || null,
            whatDidNot: values.whatDidNot || null,
            ...(values.continuation ? { continuation: values.continuation } : {}),
            voices: values.voices,
          },
        }),
      );
      await queries.invalidateQueries();
      navigate(`/projecten/${projectId}`);
    },
    formPath,
  );
  const errors = form.formState.errors;
  if (project.error) return <LoadError error={project.error} />;
  if (!project.data || existing.isPending) return <Loading />;
  return (
    <>
      <Heading1>Evaluatie</Heading1>
      <Paragraph>Project: {project.data.title}</Paragraph>
      <form onSubmit={run} noValidate>
        <Field label="Geleerde lessen" error={errors.lessonsLearned?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={4} {...form.register("lessonsLearned")} />}
        </Field>
        <Field label="Wat werkte" error={errors.whatWorked?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={3} {...form.register("whatWorked")} />}
        </Field>
        <Field label="Wat werkte niet" error={errors.whatDidNot?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={3} {...form.register("whatDidNot")} />}
        </Field>
        <Field label="Hoe het verder gaat" error={errors.continuation?.message}>
          {(props) => (
            <select {...props} className="utrecht-select" {...form.register("continuation")}>
              <option value="">Nog niet bekend</option>
              {Object.entries(CONTINUATION).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Heading2>Stemmen uit de wijk</Heading2>
        <Paragraph>Zonder naam, en alleen met toestemming van wie het zei.</Paragraph>
        {voices.fields.map((field, i) => (
          <fieldset key={field.id} className="utrecht-form-fieldset">
            <legend className="utrecht-form-fieldset__legend">Stem {i + 1}</legend>
            <Field label="Citaat" error={errors.voices?.[i]?.quote?.message}>
              {(props) => <textarea {...props} className="utrecht-textarea" rows={2} {...form.register(`voices.${i}.quote`)} />}
            </Field>
            <Field label="Wie" error={errors.voices?.[i]?.speakerRole?.message}>
              {(props) => (
                <select {...props} className="utrecht-select" {...form.register(`voices.${i}.speakerRole`)}>
                  {Object.entries(SPEAKER).map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <label className="utrecht-form-label werkbank-check">
              <input type="checkbox" className="utrecht-checkbox" {...form.register(`voices.${i}.consent`)} /> Toestemming
              gegeven
            </label>
            {errors.voices?.[i]?.consent?.message && (
              <div className="utrecht-form-field-error-message" role="alert">
                {errors.voices[i]?.consent?.message}
              </div>
            )}
          </fieldset>
        ))}
        <Button type="button" variant="secondary-action" onClick={() => voices.append({ quote: "", speakerRole: "resident", consent: false })}>
          Stem toevoegen
        </Button>
        <FormAlert outcome={outcome} />
        <Button type="submit">Evaluatie opslaan</Button>
      </form>
    </>
  );
}
