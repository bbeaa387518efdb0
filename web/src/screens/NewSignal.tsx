// Reporting a signal: routed by its theme to the department that owns it.
import { useQuery } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { useNavigate } from "react-router-dom";
import Button from "@gemeente-denhaag/button";
import { Heading1 } from "@gemeente-denhaag/typography";
import { api, data, type Schemas } from "../api/client";
import { Field, FormAlert, useSubmit } from "../ui/forms";
import { SIGNAL_SOURCE } from "../ui/labels";

interface Values {
  title: string;
  description: string;
  themeId: string;
  neighbourhoodId: string;
  source: Schemas["SignalSource"];
}

export function NewSignal() {
  const navigate = useNavigate();
  const themes = useQuery({ queryKey: ["themes"], queryFn: () => data(api.GET("/themes", { params: { query: { limit: 200 } } })) });
  const neighbourhoods = useQuery({
    queryKey: ["neighbourhoods"],
    queryFn: () => data(api.GET("/neighbourhoods", { params: { query: { limit: 200 } } })),
  });
  const form = useForm<Values>({ defaultValues: { title: "", description: "", themeId: "", neighbourhoodId: "", source: "partner" } });
  const { run, outcome } = useSubmit(form, async (values) => {
    const signal = await data(api.POST("/signals", { body: values }));
    navigate(`/signalen/${signal.id}`);
  });
  const errors = form.formState.errors;
  return (
    <>
      <Heading1>Een signaal melden</Heading1>
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
        <Field label="Gemeld door" error={errors.source?.message}>
          {(props) => (
            <select {...props} className="utrecht-select" {...form.register("source")}>
              {Object.entries(SIGNAL_SOURCE).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <FormAlert outcome={outcome} />
        <Button type="submit">Melden</Button>
      </form>
    </>
  );
}
