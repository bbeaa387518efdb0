import { describe, expect, it } from "vitest";
import { countLabel, worklistRoute, WORKLIST_KINDS } from "./worklist";

const links = (resource: string, project?: string | null) => ({ resource, project });

describe("worklistRoute", () => {
  it("leads a project, signal or policy issue to its own page", () => {
    expect(worklistRoute({ resourceType: "project", resourceId: "p1", links: links("/api/v1/projects/p1") })).toBe("/projecten/p1");
    expect(worklistRoute({ resourceType: "signal", resourceId: "s1", links: links("/api/v1/signals/s1") })).toBe("/signalen/s1");
    expect(worklistRoute({ resourceType: "policy_issue", resourceId: "i1", links: links("/api/v1/policy-issues/i1") })).toBe("/beleid/i1");
  });

  it("leads an advice request to the page of the project it is about", () => {
    expect(
      worklistRoute({
        resourceType: "advice_request",
        resourceId: "a1",
        links: links("/api/v1/advice-requests/a1", "https://wijkregie.denhaag.nl/api/v1/projects/p9"),
      }),
    ).toBe("/projecten/p9");
    expect(worklistRoute({ resourceType: "advice_request", resourceId: "a1", links: links("/api/v1/advice-requests/a1", null) })).toBeNull();
  });

  it("gives a delivery no screen", () => {
    expect(worklistRoute({ resourceType: "delivery", resourceId: "s/1", links: links("/api/v1/subscriptions/s/deliveries") })).toBeNull();
  });
});

describe("countLabel", () => {
  it("names the overdue part only when there is one", () => {
    expect(countLabel({ total: 3, overdue: 1 })).toBe("3 open, 1 te laat");
    expect(countLabel({ total: 2, overdue: 0 })).toBe("2 open");
    expect(countLabel(undefined)).toBe("0 open");
  });

  it("names all seven kinds of DESIGN §16", () => {
    expect(WORKLIST_KINDS).toHaveLength(7);
  });
});
