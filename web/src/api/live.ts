// Live updates (DESIGN §16): the scoped event feed as Server-Sent Events, read with a
// fetch-based reader so the token travels in the Authorization header, never in the URL. Each
// event refreshes what is on screen. A server that answers the feed as JSON (no stream yet)
// gets the screen refreshed every 15 seconds instead.
import { useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { API_BASE, currentAccessToken } from "./client";

export type LiveState = "connecting" | "live" | "polling";

const POLL_MS = 15_000;

class NoStream extends Error {}
class Ended extends Error {}

export function useLiveUpdates(): LiveState {
  const queries = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");

  useEffect(() => {
    const stop = new AbortController();
    let timer: ReturnType<typeof setInterval> | undefined;
    const poll = () => {
      setState("polling");
      timer = setInterval(() => void queries.invalidateQueries(), POLL_MS);
    };
    const token = currentAccessToken();
    void fetchEventSource(`${API_BASE}/events`, {
      signal: stop.signal,
      headers: {
        Accept: "text/event-stream",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      openWhenHidden: true,
      async onopen(response) {
        const type = response.headers.get("content-type") ?? "";
        if (!response.ok || !type.startsWith("text/event-stream")) throw new NoStream();
        setState("live");
      },
      onmessage() {
        void queries.invalidateQueries();
      },
      onclose() {
        // The stream ends when the token expires; the reader reconnects (with Last-Event-ID).
        throw new Ended();
      },
      onerror(error) {
        if (error instanceof NoStream) throw error;
        return 5_000;
      },
    }).catch(() => {
      if (!stop.signal.aborted) poll();
    });
    return () => {
      stop.abort();
      if (timer) clearInterval(timer);
    };
  }, [queries]);

  return state;
}
