// Routes and providers. Every screen is a route under /werkbank/; without a session the
// login page shows instead.
import { useState } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import { ApiProblem } from "./api/client";
import { SessionProvider, useSession } from "./auth/session";
import { Shell } from "./ui/Shell";
import { Login } from "./screens/Login";
import { Worklist } from "./screens/Worklist";
import { Projects } from "./screens/Projects";
import { ProjectPage } from "./screens/ProjectPage";
import { NewProject } from "./screens/NewProject";
import { AssessmentForm } from "./screens/AssessmentForm";
import { EvaluationForm } from "./screens/EvaluationForm";
import { Signals } from "./screens/Signals";
import { SignalPage } from "./screens/SignalPage";
import { NewSignal } from "./screens/NewSignal";
import { PolicyIssues } from "./screens/PolicyIssues";
import { PolicyIssuePage } from "./screens/PolicyIssuePage";
import { NewPolicyIssue } from "./screens/NewPolicyIssue";
import { Report } from "./screens/Report";
import { NotFound } from "./screens/NotFound";

/** One cache per mounted werkbank, so nothing one session read is shown to the next. */
const newQueryClient = () =>
  new QueryClient({
    defaultOptions: {
      queries: {
        // A 403 or 404 will not change by asking again.
        retry: (count, error) => !(error instanceof ApiProblem && error.status < 500) && count < 2,
        staleTime: 10_000,
      },
    },
  });

function Screens() {
  const session = useSession();
  if (!session.ready) return null;
  if (!session.token) return <Login />;
  return (
    <Shell>
      <Routes>
        <Route path="/" element={<Worklist />} />
        <Route path="/projecten" element={<Projects />} />
        <Route path="/projecten/nieuw" element={<NewProject />} />
        <Route path="/projecten/:projectId" element={<ProjectPage />} />
        <Route path="/projecten/:projectId/toetsing" element={<AssessmentForm />} />
        <Route path="/projecten/:projectId/evaluatie" element={<EvaluationForm />} />
        <Route path="/signalen" element={<Signals />} />
        <Route path="/signalen/nieuw" element={<NewSignal />} />
        <Route path="/signalen/:signalId" element={<SignalPage />} />
        <Route path="/beleid" element={<PolicyIssues />} />
        <Route path="/beleid/nieuw" element={<NewPolicyIssue />} />
        <Route path="/beleid/:policyIssueId" element={<PolicyIssuePage />} />
        <Route path="/rapportage" element={<Report />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Shell>
  );
}

export function App() {
  const [queries] = useState(newQueryClient);
  return (
    <QueryClientProvider client={queries}>
      <SessionProvider>
        <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, "")}>
          <Screens />
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}
