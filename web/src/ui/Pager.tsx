// Keyset paging: the API's opaque `nextCursor`, with the cursors already followed kept so the
// reader can go back.
import { useState } from "react";
import Button from "@gemeente-denhaag/button";

export function useCursor() {
  const [trail, setTrail] = useState<string[]>([]);
  return {
    cursor: trail[trail.length - 1],
    page: trail.length + 1,
    next: (cursor: string) => setTrail((t) => [...t, cursor]),
    back: () => setTrail((t) => t.slice(0, -1)),
    reset: () => setTrail([]),
  };
}

export function Pager({
  paging,
  nextCursor,
}: {
  paging: ReturnType<typeof useCursor>;
  nextCursor: string | null | undefined;
}) {
  if (paging.page === 1 && !nextCursor) return null;
  return (
    <nav className="werkbank-pager" aria-label="Paginering">
      <Button type="button" variant="secondary-action" disabled={paging.page === 1} onClick={paging.back}>
        Vorige pagina
      </Button>
      <span>Pagina {paging.page}</span>
      <Button
        type="button"
        variant="secondary-action"
        disabled={!nextCursor}
        onClick={() => nextCursor && paging.next(nextCursor)}
      >
        Volgende pagina
      </Button>
    </nav>
  );
}
