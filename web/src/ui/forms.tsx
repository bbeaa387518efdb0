// Fields with labels, their problems beside them (announced), and a form-level alert that
// explains what the API said in plain Dutch; a 412 offers the newer version.
import { useId, useState } from "react";
import type { ReactNode } from "react";
import type { FieldValues, Path, UseFormReturn } from "react-hook-form";
import { useQueryClient } from "@tanstack/react-query";
import Button from "@gemeente-denhaag/button";
import { ApiProblem } from "../api/client";
import { plainDutch, problemsByField } from "../api/problems";

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ReactNode;
}

/** A labelled field; its error is tied to the control and read out when it appears. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className={`utrecht-form-field${error ? " utrecht-form-field--invalid" : ""}`}>
      <div className="utrecht-form-field__label">
        <label className="utrecht-form-label" htmlFor={id}>
          {label}
        </label>
      </div>
      {hint && (
        <div id={`${id}-hint`} className="utrecht-form-field-description">
          {hint}
        </div>
      )}
      {error && (
        <div id={`${id}-error`} className="utrecht-form-field-error-message" role="alert">
          {error}
        </div>
      )}
      <div className="utrecht-form-field__input">
        {children({
          id,
          "aria-invalid": Boolean(error),
          ...(described ? { "aria-describedby": described } : {}),
        })}
      </div>
    </div>
  );
}

/** The state of a form's last submission: a sentence, and whether a newer version exists. */
export interface Outcome {
  message: string | null;
  stale: boolean;
}

/**
 * Runs `submit`; an `ApiProblem` puts each `invalidParams` entry at its field (the name maps
 * through `fieldOf`, default the same name) and the rest in the form's alert.
 */
export function useSubmit<T extends FieldValues>(
  form: UseFormReturn<T>,
  submit: (values: T) => Promise<unknown>,
  fieldOf: (name: string) => string | null = (name) => name,
) {
  const [outcome, setOutcome] = useState<Outcome>({ message: null, stale: false });
  const run = form.handleSubmit(async (values) => {
    setOutcome({ message: null, stale: false });
    try {
      await submit(values);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      const fields = problemsByField(error.problem);
      const unplaced: string[] = [];
      for (const [name, reason] of Object.entries(fields)) {
        const field = fieldOf(name);
        if (field) form.setError(field as Path<T>, { type: "server", message: reason });
        else unplaced.push(`${name}: ${reason}`);
      }
      const text = [plainDutch(error), ...unplaced].join(" ");
      setOutcome({ message: text, stale: error.status === 412 });
    }
  });
  return { run, outcome, setOutcome };
}

/** The alert under a form: the problem in Dutch, and for a 412 the newer version offered. */
export function FormAlert({ outcome, onReload }: { outcome: Outcome; onReload?: () => void }) {
  const queries = useQueryClient();
  if (!outcome.message) return null;
  return (
    <div className="werkbank-alert werkbank-alert--error" role="alert">
      <p className="utrecht-paragraph">{outcome.message}</p>
      {outcome.stale && (
        <Button
          type="button"
          variant="secondary-action"
          onClick={() => {
            void queries.invalidateQueries();
            onReload?.();
          }}
        >
          Nieuwste versie laden
        </Button>
      )}
    </div>
  );
}

/** A failed read, in Dutch. */
export function LoadError({ error }: { error: unknown }) {
  const text = error instanceof ApiProblem ? plainDutch(error) : "Laden mislukte.";
  return (
    <div className="werkbank-alert werkbank-alert--error" role="alert">
      <p className="utrecht-paragraph">{text}</p>
    </div>
  );
}

export function Loading() {
  return (
    <p className="utrecht-paragraph" role="status">
      Laden…
    </p>
  );
}
