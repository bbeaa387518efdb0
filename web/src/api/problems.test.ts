import { describe, expect, it } from "vitest";
import { ApiProblem, type Problem } from "./client";
import { plainDutch, problemsByField } from "./problems";

const problem: Problem = {
  type: "about:blank",
  title: "Invalid input",
  status: 400,
  code: "invalid_input",
  detail: "2 problems",
  invalidParams: [
    { name: "title", code: "required", reason: "is required" },
    { name: "effects[5].score", code: "out_of_range", reason: "must be 0, 1 or 2" },
    { name: "title", code: "too_long", reason: "is too long" },
  ],
};

describe("problemsByField", () => {
  it("puts every problem at its field, several at one field together", () => {
    expect(problemsByField(problem)).toEqual({
      title: "is required is too long",
      "effects[5].score": "must be 0, 1 or 2",
    });
  });
});

describe("plainDutch", () => {
  it("explains 403, 404 and 412 in plain Dutch", () => {
    expect(plainDutch(new ApiProblem(403, null))).toMatch(/mag dit niet/);
    expect(plainDutch(new ApiProblem(404, null))).toMatch(/bestaat niet/);
    expect(plainDutch(new ApiProblem(412, null))).toMatch(/nieuwste versie/);
  });
});
