// End-to-end: a real `wijkregie serve --demo` serving the built werkbank, driven in Debian's
// Chromium by playwright-core. Three people's flows, each once with the mouse and once by
// keyboard alone; axe-core on every screen (0 serious or critical violations); a screenshot of
// every screen in .ci/artefacts/werkbank/.
//
//   npm run build && WIJKREGIE_BIN=…/debug/wijkregie npm run e2e
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = process.env.WIJKREGIE_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "debug/wijkregie");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = resolve(ROOT, process.env.WERKBANK_ARTEFACTS ?? ".ci/artefacts/werkbank");

function freePort() {
  return new Promise((ok) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Starts the service with the demo programme; its address and the tokens it prints. */
async function startWijkregie(dataDir) {
  const port = await freePort();
  const child = spawn(BIN, ["serve", "--demo"], {
    env: {
      ...process.env,
      DATABASE_URL: join(dataDir, "wijkregie.db"),
      WIJKREGIE_BIND: `127.0.0.1:${port}`,
      WIJKREGIE_WERKBANK_DIR: resolve(import.meta.dirname, "../dist"),
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const tokens = await new Promise((ok, fail) => {
    child.on("exit", (code) => fail(new Error(`wijkregie exited with ${code}:\n${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (!out.includes("Then, for example")) return;
      const found = {};
      for (const [, role, token] of out.matchAll(/# (\w+) [^\n]*\n\s*export TOKEN=(\S+)/g)) found[role] = token;
      ok(found);
    });
  });
  return { base: `http://127.0.0.1:${port}`, tokens, child };
}

const problems = [];
let screenNo = 0;

/** axe on the screen as it is, and its screenshot. */
async function screen(page, name) {
  await page.waitForLoadState("networkidle");
  await page.getByText("Laden…").first().waitFor({ state: "detached", timeout: 5000 }).catch(() => {});
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) {
    problems.push(`${name}: axe ${v.impact} ${v.id} (${v.nodes.length}×): ${v.help} — ${v.nodes[0]?.target}`);
  }
  screenNo += 1;
  await page.screenshot({ path: join(SHOTS, `${String(screenNo).padStart(2, "0")}-${name}.png`), fullPage: true });
  console.log(`  screen ${name}: ${result.violations.length} axe findings, ${bad.length} serious or critical`);
}

/** The actions of a flow, with the mouse or by keyboard alone. */
function actor(page, mode) {
  const keyboard = mode === "keyboard";
  async function tabTo(locator) {
    await locator.waitFor();
    for (let i = 0; i < 400; i += 1) {
      if (await locator.evaluate((el) => el === document.activeElement)) return;
      await page.keyboard.press("Tab");
    }
    throw new Error(`could not reach ${locator} with Tab`);
  }
  return {
    async fill(label, text) {
      const field = page.getByLabel(label, { exact: true });
      if (!keyboard) return field.fill(text);
      await tabTo(field);
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.type(text);
    },
    async choose(label, option) {
      const field = page.getByLabel(label, { exact: true });
      await field.locator("option", { hasText: option }).first().waitFor({ state: "attached" });
      if (!keyboard) return field.selectOption({ label: option });
      await tabTo(field);
      // Type-ahead: a focused select picks the option that starts with what is typed.
      await page.keyboard.type(option);
      const chosen = await field.evaluate((el) => el.selectedOptions[0]?.textContent ?? "");
      if (!chosen.includes(option)) throw new Error(`typing ${option} in ${label} chose ${chosen}`);
    },
    async date(label, iso) {
      const field = page.getByLabel(label, { exact: true });
      if (!keyboard) return field.fill(iso);
      await tabTo(field);
      // Chromium's date field (en-US): month, day, year, each segment moving on when full.
      const [year, month, day] = iso.split("-");
      await page.keyboard.type(`${month}${day}${year}`);
      const value = await field.inputValue();
      if (value !== iso) throw new Error(`typing ${iso} in ${label} gave ${value}`);
    },
    async check(label) {
      const box = page.getByLabel(label);
      if (!keyboard) return box.check();
      await tabTo(box);
      if (!(await box.isChecked())) await page.keyboard.press("Space");
    },
    async score(legend, value) {
      const group = page.getByRole("group", { name: legend });
      if (!keyboard) return group.getByRole("radio").nth(value).check();
      await tabTo(group.getByRole("radio").first());
      if (value === 0) await page.keyboard.press("Space");
      for (let i = 0; i < value; i += 1) await page.keyboard.press("ArrowDown");
    },
    async press(name) {
      const button = page.getByRole("button", { name, exact: true });
      if (!keyboard) return button.click();
      await tabTo(button);
      await page.keyboard.press("Enter");
    },
    async follow(name) {
      const link = page.getByRole("link", { name, exact: true }).first();
      if (!keyboard) return link.click();
      await tabTo(link);
      await page.keyboard.press("Enter");
    },
  };
}

async function login(context, base, token, mode, name) {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${name}: page error ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) problems.push(`${name}: console ${m.text()}`);
  });
  await page.goto(`${base}/werkbank/`);
  await page.getByLabel("Token").waitFor();
  await screen(page, `${name}-inloggen`);
  const act = actor(page, mode);
  await act.fill("Token", token);
  await act.press("Inloggen");
  await page.getByRole("heading", { name: "Werkvoorraad" }).waitFor();
  return { page, act };
}

/** Opens an address inside the app, as a link from elsewhere in it would (a reload would drop
 * the token, which lives in memory only). */
async function open(page, path) {
  await page.evaluate((to) => {
    window.history.pushState(null, "", to);
    window.dispatchEvent(new PopStateEvent("popstate"));
  }, `/werkbank${path}`);
}

async function expectText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
}

/** A partner submits an idea; its title. */
async function partnerSubmits(browser, base, tokens, mode) {
  const context = await browser.newContext();
  const { page, act } = await login(context, base, tokens.partner, mode, `partner-${mode}`);
  await expectText(page.getByTestId("wie"), "Partner");
  await screen(page, `partner-${mode}-werkvoorraad`);
  await act.follow("Projecten");
  await page.getByRole("heading", { name: "Projecten" }).waitFor();
  await screen(page, `partner-${mode}-projecten`);
  await act.follow("Een idee indienen");
  const title = `Buurtmoestuin ${mode} ${Date.now()}`;
  await act.press("Opslaan");
  await expectText(page.getByRole("alert"), "Niet alle velden");
  await screen(page, `partner-${mode}-idee-fouten`);
  await act.fill("Titel", title);
  await act.fill("Samenvatting", "Bewoners maken samen een moestuin bij het buurthuis.");
  await act.choose("Wijk", "Moerwijk");
  await act.press("Opslaan");
  await expectText(page.getByTestId("projectstatus"), "Ingediend");
  await screen(page, `partner-${mode}-idee-ingediend`);
  await context.close();
  return title;
}

/** The partner sees the bureau's answer: the decision and the bureau's note. */
async function partnerSeesAnswer(browser, base, tokens, mode, title) {
  const context = await browser.newContext();
  const { page, act } = await login(context, base, tokens.partner, mode, `partner-${mode}-antwoord`);
  await act.follow("Projecten");
  await act.follow(title);
  await expectText(page.getByTestId("projectstatus"), "Goedgekeurd");
  await expectText(page.getByRole("listitem"), "Welkom in het programma");
  await screen(page, `partner-${mode}-antwoord`);
  await context.close();
}

/** The partner keeps the idea's page open: it follows the bureau's steps live (DESIGN §16's
 * stream through the fetch-based reader), without a reload. */
async function partnerWatches(browser, base, tokens, title) {
  const context = await browser.newContext();
  const { page, act } = await login(context, base, tokens.partner, "mouse", "partner-live");
  await page.getByText("Live bijgewerkt").waitFor({ timeout: 10_000 });
  await act.follow("Projecten");
  await act.follow(title);
  await expectText(page.getByTestId("projectstatus"), "Ingediend");
  return { page, context };
}

/** A day `days` from now, as yyyy-mm-dd. */
const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The bureau answers the idea, takes it to assessment and asks ocw for advice (and asks szw,
 * then withdraws that request with a reason). */
async function bureauAsksAdvice(browser, base, tokens, mode, title) {
  const context = await browser.newContext();
  const { page, act } = await login(context, base, tokens.programmabureau, mode, `bureau-${mode}`);
  await screen(page, `bureau-${mode}-werkvoorraad`);
  await act.follow("Projecten");
  await act.follow(title);
  await page.getByRole("heading", { name: title }).waitFor();
  await screen(page, `bureau-${mode}-project`);
  await act.fill("Nieuwe notitie", "Welkom in het programma: we gaan graag met u in gesprek.");
  await act.press("Notitie toevoegen");
  await expectText(page.getByRole("listitem"), "Welkom in het programma");
  await act.choose("Stap", "Gesprek starten");
  await act.press("Stap zetten");
  await expectText(page.getByTestId("projectstatus"), "In gesprek");
  await act.choose("Stap", "Ter toetsing");
  await act.press("Stap zetten");
  await expectText(page.getByTestId("projectstatus"), "In toetsing");
  for (const [department, question] of [
    ["Sociale Zaken en Werkgelegenheid", "Kunnen deelnemers met een uitkering meedoen?"],
    ["Onderwijs, Cultuur en Welzijn", "Past de moestuin bij het onderwijsbeleid van de wijk?"],
  ]) {
    await act.choose("Vakdienst", department);
    await act.fill("Vraag", question);
    await act.date("Advies uiterlijk op", inDays(14));
    await act.press("Advies vragen");
    await expectText(page.getByTestId("adviesvraag"), question);
  }
  await screen(page, `bureau-${mode}-adviesvragen`);
  await act.fill("Reden van intrekken (szw)", "De vraag is al beantwoord door het wijkteam.");
  await act.press("Adviesvraag aan szw intrekken");
  await expectText(page.getByTestId("adviesvraag"), "ingetrokken");
  await context.close();
}

/** The asked department finds the request in its Werkvoorraad and gives the advice through its
 * advisory assessment, which settles the request. */
async function departmentAdvises(browser, base, tokens, mode, title) {
  const context = await browser.newContext();
  const { page, act } = await login(context, base, tokens.vakdienst, mode, `vakdienst-${mode}-advies`);
  await act.choose("Soort", "Advies");
  await expectText(page.getByRole("row"), title);
  await screen(page, `vakdienst-${mode}-werkvoorraad-advies`);
  await act.follow(title);
  await page.getByRole("heading", { name: title }).waitFor();
  await act.follow("Advies geven");
  await page.getByRole("heading", { name: "Advies geven" }).waitFor();
  for (const effect of ["Sociale samenhang", "Positief imago", "Toegang tot voorzieningen", "Veiligheid", "Werk en participatie", "Eigenaarschap"]) {
    await act.score(`${effect}: score`, 1);
    await act.fill(`${effect}: motivatie`, "Vanuit de vakdienst gezien.");
  }
  await act.score("Duurzaamheid: score", 1);
  await act.fill("Duurzaamheid: motivatie", "Past in het beleid.");
  await act.choose("Advies", "Onder voorwaarden");
  await act.fill("Toelichting", "Alleen met een vaste beheerder.");
  await screen(page, `vakdienst-${mode}-adviesformulier`);
  await act.press("Advies opslaan");
  await expectText(page.getByRole("listitem"), "Advies ocw");
  await expectText(page.getByTestId("adviesvraag"), "advies gegeven");
  await screen(page, `vakdienst-${mode}-advies`);
  await context.close();
}

/** The bureau scores the idea, with the advice in view, and decides; and raises a policy issue
 * for ocw. */
async function bureauDecides(browser, base, tokens, mode, title) {
  const context = await browser.newContext();
  const { page, act } = await login(context, base, tokens.programmabureau, mode, `bureau-${mode}-besluit`);
  await act.follow("Projecten");
  await act.follow(title);
  await page.getByRole("heading", { name: title }).waitFor();
  await expectText(page.getByRole("listitem"), "Advies ocw");
  await act.follow("Toetsen");
  await page.getByRole("heading", { name: "Toetsen" }).waitFor();
  const effects = ["Sociale samenhang", "Positief imago", "Toegang tot voorzieningen", "Veiligheid", "Werk en participatie", "Eigenaarschap"];
  const scores = [2, 2, 1, 0, 2, 1];
  for (const [i, effect] of effects.entries()) {
    await act.score(`${effect}: score`, scores[i]);
    await act.fill(`${effect}: motivatie`, `Onderbouwing voor ${effect.toLowerCase()}.`);
  }
  await expectText(page.getByRole("status"), "komt (nog) niet in aanmerking");
  await act.score("Duurzaamheid: score", 1);
  await act.fill("Duurzaamheid: motivatie", "Het buurthuis neemt de tuin over.");
  await expectText(page.getByRole("status"), "3 van de 6 effecten substantieel — komt in aanmerking");
  await act.fill("Toelichting", "Past goed bij de wijkaanpak.");
  await screen(page, `bureau-${mode}-toetsing`);
  await act.press("Toetsing opslaan");
  await page.getByRole("heading", { name: title }).waitFor();
  await expectText(page.getByRole("listitem"), "Toetsing bureau");
  await act.choose("Stap", "Goedkeuren");
  await act.press("Stap zetten");
  await expectText(page.getByTestId("projectstatus"), "Goedgekeurd");
  await screen(page, `bureau-${mode}-besluit`);

  await act.follow("Beleidsvraagstukken");
  await screen(page, `bureau-${mode}-beleid`);
  await act.follow("Signalen bundelen tot een vraagstuk");
  await act.fill("Titel", `Te weinig ruimte in buurthuizen (${mode})`);
  await act.fill("Omschrijving", "Meerdere signalen over volle buurthuizen.");
  await act.choose("Thema", "Welzijn en buurthuizen");
  const first = page.getByRole("group", { name: "Signalen met beleidsfeedback" }).getByRole("checkbox").first();
  await first.waitFor();
  if (mode === "keyboard") {
    await first.focus();
    await page.keyboard.press("Space");
  } else {
    await first.check();
  }
  await screen(page, `bureau-${mode}-bundelen`);
  await act.press("Vraagstuk aanmaken");
  await expectText(page.getByTestId("vraagstukstatus"), "Concept");
  await act.press("Voorleggen aan de vakdienst");
  await expectText(page.getByTestId("vraagstukstatus"), "Voorgelegd");
  await screen(page, `bureau-${mode}-voorgelegd`);
  await context.close();
}

/** The department answers a signal and responds to the policy issue. */
async function departmentAnswers(browser, base, tokens, mode, signalId) {
  const context = await browser.newContext();
  const { page, act } = await login(context, base, tokens.vakdienst, mode, `vakdienst-${mode}`);
  await expectText(page.getByTestId("wie"), "Vakdienst ocw");
  await screen(page, `vakdienst-${mode}-werkvoorraad`);
  await act.follow("Signalen");
  await screen(page, `vakdienst-${mode}-signalen`);
  await open(page, `/signalen/${signalId}`);
  for (const step of ["In behandeling genomen", "Wordt aan gewerkt"]) {
    await act.choose("Stap", step);
    await act.press("Stap zetten");
    await expectText(page.getByTestId("signaalstatus"), step);
  }
  await act.choose("Stap", "Beantwoord");
  await act.fill("Antwoord", "De container staat sinds vandaag op een andere plek.");
  await screen(page, `vakdienst-${mode}-signaal`);
  await act.press("Stap zetten");
  await expectText(page.getByTestId("signaalstatus"), "Beantwoord");

  await act.follow("Beleidsvraagstukken");
  await act.follow(`Te weinig ruimte in buurthuizen (${mode})`);
  await act.choose("Standpunt", "Wij onderzoeken het");
  await act.fill("Toelichting", "We bekijken de openingstijden van de buurthuizen.");
  await screen(page, `vakdienst-${mode}-reageren`);
  await act.press("Reactie versturen");
  await expectText(page.getByTestId("vraagstukstatus"), "Beantwoord");

  await context.close();
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "werkbank-e2e-"));
  const service = await startWijkregie(dataDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const { tokens, base } = service;
    for (const role of ["programmabureau", "vakdienst", "partner"]) {
      if (!tokens[role]) throw new Error(`wijkregie serve --demo printed no ${role} token`);
    }
    // Targets for the department: open signals assigned to ocw.
    const call = async (path) =>
      (await fetch(`${base}/api/v1${path}`, { headers: { Authorization: `Bearer ${tokens.vakdienst}` } })).json();
    const signals = (await call("/signals?status=received&assignedDepartmentId=ocw&limit=2")).items;
    for (const [i, mode] of ["mouse", "keyboard"].entries()) {
      console.log(`flows with the ${mode === "mouse" ? "mouse" : "keyboard alone"}:`);
      const title = await partnerSubmits(browser, base, tokens, mode);
      const watcher = mode === "mouse" ? await partnerWatches(browser, base, tokens, title) : null;
      await bureauAsksAdvice(browser, base, tokens, mode, title);
      await departmentAdvises(browser, base, tokens, mode, title);
      await bureauDecides(browser, base, tokens, mode, title);
      if (watcher) {
        await expectText(watcher.page.getByTestId("projectstatus"), "Goedgekeurd");
        await screen(watcher.page, "partner-live-bijgewerkt");
        console.log("  the partner's open page followed the decision live");
        await watcher.context.close();
      }
      await departmentAnswers(browser, base, tokens, mode, signals[i].id);
      await partnerSeesAnswer(browser, base, tokens, mode, title);
    }
  } finally {
    await browser.close();
    service.child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`${screenNo} screens checked; screenshots in ${SHOTS}`);
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
