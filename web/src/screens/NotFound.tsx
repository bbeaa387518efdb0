import { Heading1, Paragraph } from "@gemeente-denhaag/typography";
import { Link } from "react-router-dom";

export function NotFound() {
  return (
    <>
      <Heading1>Pagina niet gevonden</Heading1>
      <Paragraph>
        Deze pagina bestaat niet. Ga naar de <Link to="/">werkvoorraad</Link>.
      </Paragraph>
    </>
  );
}
