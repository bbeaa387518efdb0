// The progress report: headline figures on screen, and the council page (HTML) and the CSV as
// downloads. Both need the token, so they are fetched through the client and saved, not linked.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import Button from "@gemeente-denhaag/button";
import { Heading1, Heading2, Paragraph } from "@gemeente-denhaag/typography";
import { ApiProblem, api, data } from "../api/client";
import { plainDutch } from "../api/problems";
import { LoadError, Loading } from "../ui/forms";
import { date, euros } from "../ui/labels";

async function download(kind: "text/html" | "text/csv", name: string): Promise<void> {
  const { data: blob, response } = await api.GET("/reports/progress", {
    params: { query: {} },
    headers: { Accept: kind },
    parseAs: "blob",
  });
  if (!response.ok || !blob) throw new ApiProblem(response.status, null);
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Report() {
  const [message, setMessage] = useState<string | null>(null);
  const report = useQuery({
    queryKey: ["report"],
    queryFn: () => data(api.GET("/reports/progress", { params: { query: {} } })),
  });
  const save = (kind: "text/html" | "text/csv", name: string) => {
    setMessage(null);
    download(kind, name).then(
      () => setMessage(`${name} is gedownload.`),
      (e: unknown) => setMessage(e instanceof ApiProblem ? plainDutch(e) : "Downloaden mislukte."),
    );
  };
  return (
    <>
      <Heading1>Voortgang van het programma</Heading1>
      {report.error && <LoadError error={report.error} />}
      {!report.data ? (
        !report.error && <Loading />
      ) : (
        <>
          <Paragraph>
            Periode {date(report.data.period.from)} tot {date(report.data.period.to)}.
          </Paragraph>
          <dl className="werkbank-facts">
            <dt>Projecten</dt>
            <dd>{report.data.total.projects.count}</dd>
            <dt>Budget</dt>
            <dd>{euros(report.data.total.projects.budget.totalCents)}</dd>
            <dt>Signalen ontvangen</dt>
            <dd>{report.data.total.signals.received}</dd>
            <dt>Op tijd beantwoord</dt>
            <dd>{report.data.total.signals.answeredOnTimePercentage ?? "–"} %</dd>
            <dt>Nu over de termijn</dt>
            <dd>{report.data.total.signals.overdueNow}</dd>
          </dl>
        </>
      )}
      <Heading2>Voor de gemeenteraad</Heading2>
      <div className="werkbank-actions">
        <Button type="button" onClick={() => save("text/html", "voortgang-raad.html")}>
          Raadspagina downloaden (HTML)
        </Button>
        <Button type="button" variant="secondary-action" onClick={() => save("text/csv", "voortgang.csv")}>
          Cijfers downloaden (CSV)
        </Button>
      </div>
      <p className="utrecht-paragraph" role="status">
        {message}
      </p>
    </>
  );
}
