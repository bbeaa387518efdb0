// Dutch names for the API's values, and formats for dates and money.
import type { Schemas } from "../api/client";

export const PROJECT_STATUS: Record<Schemas["ProjectStatus"], string> = {
  draft: "Concept",
  submitted: "Ingediend",
  in_dialogue: "In gesprek",
  under_assessment: "In toetsing",
  approved: "Goedgekeurd",
  rejected: "Afgewezen",
  running: "Loopt",
  completed: "Afgerond",
  stopped: "Gestopt",
  evaluated: "Geëvalueerd",
};

/**
 * The status machine of DESIGN §3, for the buttons on a project page. The API does not say
 * which of these the caller may take; a refusal comes back as a 403 or 409 in plain Dutch.
 */
export const PROJECT_NEXT: Record<Schemas["ProjectStatus"], Schemas["ProjectStatus"][]> = {
  draft: ["submitted"],
  submitted: ["in_dialogue", "draft"],
  in_dialogue: ["under_assessment", "draft"],
  under_assessment: ["approved", "rejected", "draft"],
  approved: ["running"],
  rejected: [],
  running: ["completed", "stopped"],
  completed: ["evaluated"],
  stopped: [],
  evaluated: [],
};

/** Transitions that need a reason. */
export const NEEDS_REASON: Schemas["ProjectStatus"][] = ["draft", "rejected", "stopped"];

export const PROJECT_ACTION: Record<Schemas["ProjectStatus"], string> = {
  draft: "Terug naar concept",
  submitted: "Indienen",
  in_dialogue: "Gesprek starten",
  under_assessment: "Ter toetsing",
  approved: "Goedkeuren",
  rejected: "Afwijzen",
  running: "Starten",
  completed: "Afronden",
  stopped: "Stoppen",
  evaluated: "Evaluatie afsluiten",
};

export const EFFECTS: Record<Schemas["Effect"], string> = {
  social_cohesion: "Sociale samenhang",
  positive_image: "Positief imago",
  access_to_services: "Toegang tot voorzieningen",
  safety: "Veiligheid",
  employment: "Werk en participatie",
  ownership: "Eigenaarschap",
};

export const SIGNAL_STATUS: Record<Schemas["SignalStatus"], string> = {
  received: "Ontvangen",
  acknowledged: "In behandeling genomen",
  in_progress: "Wordt aan gewerkt",
  answered: "Beantwoord",
  closed: "Gesloten",
  reopened: "Heropend",
};

export const SIGNAL_NEXT: Record<Schemas["SignalStatus"], Schemas["SignalStatus"][]> = {
  received: ["acknowledged"],
  acknowledged: ["in_progress"],
  in_progress: ["answered"],
  answered: ["closed", "reopened"],
  closed: ["reopened"],
  reopened: ["in_progress"],
};

export const SIGNAL_SOURCE: Record<Schemas["SignalSource"], string> = {
  resident: "Bewoner",
  partner: "Partner",
  wijkmanager: "Wijkmanager",
  community_worker: "Opbouwwerker",
  school: "School",
  department: "Vakdienst",
  other: "Anders",
};

export const POLICY_STATUS: Record<Schemas["PolicyIssueStatusValue"], string> = {
  draft: "Concept",
  raised: "Voorgelegd",
  responded: "Beantwoord",
  closed: "Gesloten",
};

export const POSITION: Record<Schemas["PolicyPositionValue"], string> = {
  will_adjust: "Wij passen het beleid aan",
  under_review: "Wij onderzoeken het",
  no_change: "Geen wijziging",
  already_addressed: "Al opgepakt",
};

export const SPEAKER: Record<Schemas["SpeakerRole"], string> = {
  resident: "Bewoner",
  volunteer: "Vrijwilliger",
  partner_staff: "Medewerker partner",
  professional: "Professional",
};

export const CONTINUATION: Record<Schemas["Continuation"], string> = {
  continued_by_partner: "Voortgezet door de partner",
  continued_by_department: "Voortgezet door een vakdienst",
  follow_up_project: "Vervolgproject",
  ended: "Beëindigd",
};

export const ADVICE: Record<Schemas["Advice"], string> = {
  positive: "Positief",
  conditional: "Onder voorwaarden",
  negative: "Negatief",
};

export function date(value: string | null | undefined): string {
  if (!value) return "–";
  return new Date(value).toLocaleDateString("nl-NL", { day: "numeric", month: "long", year: "numeric" });
}

export function euros(cents: number): string {
  return (cents / 100).toLocaleString("nl-NL", { style: "currency", currency: "EUR" });
}

export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? "–" : `${Math.round(ratio * 100)} %`;
}

export const ADVICE_REQUEST_STATUS: Record<Schemas["AdviceRequestStatusValue"], string> = {
  open: "open",
  given: "advies gegeven",
  withdrawn: "ingetrokken",
};
