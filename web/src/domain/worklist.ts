// The worklist's items as the werkbank shows them (DESIGN §16): a Dutch name per kind, and the
// werkbank screen an item leads to, taken from the item's API links.
import type { Schemas } from "../api/client";

export type WorklistItem = Schemas["WorklistItem"];
export type WorklistKind = Schemas["WorklistKind"];

export const WORKLIST_KIND: Record<WorklistKind, string> = {
  idea_answer: "Eerste antwoord op een idee",
  advice: "Advies",
  decision: "Besluit na toetsing",
  signal_answer: "Antwoord op een signaal",
  policy_response: "Reactie op een beleidsvraagstuk",
  evaluation: "Evaluatie",
  delivery: "Mislukte webhook-levering",
};

/** The kinds in the order the filter lists them. */
export const WORKLIST_KINDS = Object.keys(WORKLIST_KIND) as WorklistKind[];

const API_PREFIX = /^(?:https?:\/\/[^/]+)?\/api\/v1/;

/** The id at the end of an API path such as `/api/v1/projects/{id}`. */
function lastSegment(path: string | null | undefined): string | null {
  if (!path) return null;
  const segments = path.replace(API_PREFIX, "").split("/").filter(Boolean);
  return segments.length >= 2 ? decodeURIComponent(segments[segments.length - 1]!) : null;
}

/**
 * The werkbank route of an item: the project, signal or policy issue it is about; an advice
 * request leads to its project's page (where advice requests are listed). Deliveries have no
 * screen in the werkbank: `null`.
 */
export function worklistRoute(item: Pick<WorklistItem, "resourceType" | "resourceId" | "links">): string | null {
  switch (item.resourceType) {
    case "project":
      return `/projecten/${item.resourceId}`;
    case "signal":
      return `/signalen/${item.resourceId}`;
    case "policy_issue":
      return `/beleid/${item.resourceId}`;
    case "advice_request": {
      const project = lastSegment(item.links.project);
      return project ? `/projecten/${project}` : null;
    }
    case "delivery":
      return null;
  }
}

/** "3 open, 1 te laat" for a count. */
export function countLabel(count: Schemas["WorklistCount"] | undefined): string {
  if (!count) return "0 open";
  return count.overdue > 0 ? `${count.total} open, ${count.overdue} te laat` : `${count.total} open`;
}
