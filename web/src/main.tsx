import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@gemeente-denhaag/design-tokens-components/dist/index.css";
import "@utrecht/component-library-css/dist/index.css";
import "@gemeente-denhaag/icons/index.css";
import "@gemeente-denhaag/button/index.css";
import "@gemeente-denhaag/link/index.css";
import "@gemeente-denhaag/typography/index.css";
import "./werkbank.css";
import { App } from "./App";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
