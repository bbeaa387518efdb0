// Logging in: through the identity provider when the service names one, else with a token
// printed by `wijkregie serve --demo` (development and the demo).
import { useForm } from "react-hook-form";
import Button from "@gemeente-denhaag/button";
import { Heading1, Paragraph } from "@gemeente-denhaag/typography";
import { useSession } from "../auth/session";
import { Field } from "../ui/forms";

export function Login() {
  const session = useSession();
  const form = useForm<{ token: string }>({ defaultValues: { token: "" } });
  const submit = form.handleSubmit(({ token }) => {
    if (!session.loginWithToken(token)) {
      form.setError("token", {
        message: "Dit is geen geldig token. Plak één regel uit de uitvoer van wijkregie serve --demo.",
      });
    }
  });
  return (
    <main id="inhoud" className="werkbank-main werkbank-login">
      <Heading1>Werkbank wijkregie</Heading1>
      {session.oidc ? (
        <>
          <Paragraph>Log in met uw account van de gemeente.</Paragraph>
          <Button type="button" onClick={() => void session.oidc?.signinRedirect()}>
            Inloggen
          </Button>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <Paragraph>
            Plak een token, bijvoorbeeld een van de tokens die <code>wijkregie serve --demo</code>{" "}
            toont. Het token blijft alleen in dit tabblad bewaard.
          </Paragraph>
          <Field label="Token" error={form.formState.errors.token?.message}>
            {(props) => (
              <textarea
                {...props}
                className="utrecht-textarea werkbank-token"
                rows={4}
                autoComplete="off"
                spellCheck={false}
                {...form.register("token", { required: "Vul een token in." })}
              />
            )}
          </Field>
          <Button type="submit">Inloggen</Button>
        </form>
      )}
    </main>
  );
}
