import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useForm } from "react-hook-form";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiProblem } from "../api/client";
import { Field, FormAlert, useSubmit } from "./forms";

function TitleForm({ failure }: { failure: ApiProblem }) {
  const form = useForm<{ title: string }>({ defaultValues: { title: "" } });
  const { run, outcome } = useSubmit(form, async () => {
    throw failure;
  });
  return (
    <form onSubmit={run}>
      <Field label="Titel" error={form.formState.errors.title?.message}>
        {(props) => <input {...props} {...form.register("title")} />}
      </Field>
      <FormAlert outcome={outcome} />
      <button type="submit">Opslaan</button>
    </form>
  );
}

function renderForm(failure: ApiProblem) {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <TitleForm failure={failure} />
    </QueryClientProvider>,
  );
}

describe("a form's problems", () => {
  it("shows the API's problem at its field, tied to the control and announced", async () => {
    renderForm(
      new ApiProblem(400, {
        type: "about:blank",
        title: "Invalid",
        status: 400,
        code: "invalid_input",
        detail: "1 problem",
        invalidParams: [{ name: "title", code: "required", reason: "Vul een titel in." }],
      }),
    );
    await userEvent.click(screen.getByRole("button", { name: "Opslaan" }));
    const field = await screen.findByLabelText("Titel");
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(field).toHaveAccessibleDescription("Vul een titel in.");
    expect(screen.getAllByRole("alert").map((a) => a.textContent)).toContain("Vul een titel in.");
  });

  it("offers the newer version after a 412", async () => {
    renderForm(new ApiProblem(412, null));
    await userEvent.click(screen.getByRole("button", { name: "Opslaan" }));
    expect(await screen.findByRole("button", { name: "Nieuwste versie laden" })).toBeVisible();
  });
});
