// Bundling signals into a policy issue for the department that owns the policy.
import { useQuery } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { useNavigate } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading1 } from "@gemeente-denhaag/typography";
import { api, data } from "../api/client";
import { Field, FormAlert, useSubmit } from "../ui/forms";

interface Values {
  title: string;
  description: string;
  themeId: string;
  signalIds: string[];
}

export function NewPolicyIssue() {
  const navigate = useNavigate();
  const themes = useQuery({ queryKey: ["themes"], queryFn: () => data(api.GET("/themes", { params: { query: { limit: 200 } } })) });
  const signals = useQuery({
    queryKey: ["signals", "policy-feedback"],
    queryFn: () => data(api.GET("/signals", { params: { query: { policyFeedback: true, limit: 200 } } })),
  });
  const form = useForm<Values>({ defaultValues: { title: "", description: "", themeId: "", signalIds: [] } });
  const { run, outcome } = useSubmit(
    form,
    async (values) => {
      const issue = await data(api.POST("/policy-issues", { body: values }));
      navigate(`/beleid/${issue.id}`);
    },
    (name) => (name.startsWith("signalIds") ? "signalIds" : name),
  );
  const errors = form.formState.errors;
  return (
    <>
      <Heading1>Signalen bundelen</Heading1>
      <form onSubmit={run} noValidate>
        <Field label="Titel" error={errors.title?.message}>
          {(props) => <input {...props} className="utrecht-textbox" {...form.register("title")} />}
        </Field>
        <Field label="Omschrijving" error={errors.description?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={4} {...form.register("description")} />}
        </Field>
        <Field label="Thema" error={errors.themeId?.message}>
          {(props) => (
            <select {...props} className="utrecht-select" {...form.register("themeId")}>
              <option value="">Kies een thema</option>
              {themes.data?.items.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset className="utrecht-form-fieldset" aria-invalid={Boolean(errors.signalIds)}>
          <legend className="utrecht-form-fieldset__legend">Signalen met beleidsfeedback</legend>
          {errors.signalIds?.message && (
            <div className="utrecht-form-field-error-message" role="alert">
              {errors.signalIds.message}
            </div>
          )}
          {signals.data?.items.map((s) => (
            <label key={s.id} className="utrecht-form-label werkbank-check">
              <input type="checkbox" className="utrecht-checkbox" value={s.id} {...form.register("signalIds")} /> {s.title}
            </label>
          ))}
        </fieldset>
        <FormAlert outcome={outcome} />
        <Button type="submit">Vraagstuk aanmaken</Button>
      </form>
    </>
  );
}
