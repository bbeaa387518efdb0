// Submitting an idea: a draft project, then its submission to the bureau (which starts the
// bureau's answer term).
import { useQuery } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { useNavigate } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading1, Paragraph } from "@gemeente-denhaag/typography";
import { api, data, ifMatch } from "../api/client";
import { Field, FormAlert, useSubmit } from "../ui/forms";

interface Values {
  title: string;
  summary: string;
  neighbourhoodId: string;
  submit: boolean;
}

export function NewProject() {
  const navigate = useNavigate();
  const neighbourhoods = useQuery({
    queryKey: ["neighbourhoods"],
    queryFn: () => data(api.GET("/neighbourhoods", { params: { query: { limit: 200 } } })),
  });
  const form = useForm<Values>({ defaultValues: { title: "", summary: "", neighbourhoodId: "", submit: true } });
  const { run, outcome } = useSubmit(
    form,
    async (values) => {
      const project = await data(
        api.POST("/projects", {
          body: {
            title: values.title,
            summary: values.summary || null,
            neighbourhoodIds: values.neighbourhoodId ? [values.neighbourhoodId] : [],
          },
        }),
      );
      if (values.submit) {
        await data(
          api.POST("/projects/{projectId}/transitions", {
            params: { path: { projectId: project.id }, header: { "If-Match": ifMatch(project.version) } },
            body: { to: "submitted" },
          }),
        );
      }
      navigate(`/projecten/${project.id}`);
    },
    (name) => (name.startsWith("neighbourhoodIds") ? "neighbourhoodId" : name === "title" || name === "summary" ? name : null),
  );
  const errors = form.formState.errors;
  return (
    <>
      <Heading1>Een idee indienen</Heading1>
      <Paragraph>Het programmabureau geeft binnen de termijn een eerste antwoord.</Paragraph>
      <form onSubmit={run} noValidate>
        <Field label="Titel" error={errors.title?.message}>
          {(props) => <input {...props} className="utrecht-textbox" {...form.register("title")} />}
        </Field>
        <Field label="Samenvatting" error={errors.summary?.message}>
          {(props) => <textarea {...props} className="utrecht-textarea" rows={5} {...form.register("summary")} />}
        </Field>
        <Field label="Wijk" error={errors.neighbourhoodId?.message}>
          {(props) => (
            <select {...props} className="utrecht-select" {...form.register("neighbourhoodId")}>
              <option value="">Kies een wijk</option>
              {neighbourhoods.data?.items.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="utrecht-form-field utrecht-form-field--checkbox">
          <label className="utrecht-form-label werkbank-check">
            <input type="checkbox" className="utrecht-checkbox" {...form.register("submit")} /> Meteen indienen bij
            het programmabureau
          </label>
        </div>
        <FormAlert outcome={outcome} />
        <Button type="submit" disabled={form.formState.isSubmitting}>
          Opslaan
        </Button>
      </form>
    </>
  );
}
