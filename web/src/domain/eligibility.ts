// The assessment's rule (DESIGN §4), shown while the user scores: at least 3 of the six effects
// substantial (score 2) and sustainability at least 1. For display only; the service decides.

export const REQUIRED_SUBSTANTIAL = 3;

export interface Eligibility {
  substantial: number;
  eligible: boolean;
  reasons: string[];
}

export function eligibility(scores: (number | null)[], sustainability: number | null): Eligibility {
  const substantial = scores.filter((s) => s === 2).length;
  const reasons: string[] = [];
  if (substantial < REQUIRED_SUBSTANTIAL) {
    reasons.push(`${substantial} van de vereiste ${REQUIRED_SUBSTANTIAL} effecten substantieel`);
  }
  if (sustainability === null || sustainability < 1) {
    reasons.push("geen plan voor duurzaamheid gescoord");
  }
  return { substantial, eligible: reasons.length === 0, reasons };
}

/** `effects[5].score` (the API's name) as the form's `effects.5.score`. */
export function formPath(apiName: string): string {
  return apiName.replace(/\[(\d+)\]/g, ".$1");
}
