import { describe, expect, it } from "vitest";
import { eligibility, formPath } from "./eligibility";

describe("eligibility", () => {
  it("needs three substantial effects and a sustainability score of at least 1", () => {
    expect(eligibility([2, 2, 2, 0, 1, 0], 1)).toEqual({ substantial: 3, eligible: true, reasons: [] });
  });

  it("names each missing part, as the service does", () => {
    const result = eligibility([2, 2, 1, 1, null, 0], 0);
    expect(result.eligible).toBe(false);
    expect(result.substantial).toBe(2);
    expect(result.reasons).toEqual([
      "2 van de vereiste 3 effecten substantieel",
      "geen plan voor duurzaamheid gescoord",
    ]);
  });

  it("counts an unscored sustainability as missing", () => {
    expect(eligibility([2, 2, 2, 2, 2, 2], null).reasons).toEqual(["geen plan voor duurzaamheid gescoord"]);
  });
});

describe("formPath", () => {
  it("turns the API's indexed names into the form's paths", () => {
    expect(formPath("effects[5].score")).toBe("effects.5.score");
    expect(formPath("voices[0].consent")).toBe("voices.0.consent");
    expect(formPath("title")).toBe("title");
  });
});
