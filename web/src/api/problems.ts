// How a problem from the API reads in Dutch, and where its parts belong on a form.
import type { ApiProblem, Problem } from "./client";

/** `invalidParams` by field name (`effects[5].score`), each with its reason. */
export function problemsByField(problem: Problem | null): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const param of problem?.invalidParams ?? []) {
    const known = fields[param.name];
    fields[param.name] = known ? `${known} ${param.reason}` : param.reason;
  }
  return fields;
}

/** A sentence for a person, by status: what went wrong and what they can do. */
export function plainDutch(error: ApiProblem): string {
  switch (error.status) {
    case 400:
      return "Niet alle velden zijn goed ingevuld. Bekijk de meldingen bij de velden.";
    case 401:
      return "Uw sessie is verlopen. Log opnieuw in.";
    case 403:
      return "U mag dit niet doen met uw rol. Vraag het aan wie hierover gaat.";
    case 404:
      return "Dit bestaat niet, of u mag het niet inzien.";
    case 409:
      return `Dit kan nu niet: ${error.problem?.detail ?? "de toestand laat het niet toe"}.`;
    case 412:
      return "Iemand anders heeft dit intussen gewijzigd. Laad de nieuwste versie en probeer het opnieuw.";
    case 428:
      return "De versie ontbreekt bij deze wijziging. Laad de pagina opnieuw.";
    case 429:
      return "Te veel verzoeken tegelijk. Probeer het zo opnieuw.";
    default:
      return error.status >= 500
        ? "Er ging iets mis bij wijkregie. Probeer het later opnieuw."
        : (error.problem?.detail ?? `Onbekende fout (${error.status}).`);
  }
}
