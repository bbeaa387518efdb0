//! The workloads: which endpoints the benchmark measures, in which order, and as which role.

use crate::Options;

/// Who calls an endpoint in a workload.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Caller {
    Programmabureau,
    Stadsdeel(&'static str),
    Vakdienst(&'static str),
}

impl Caller {
    pub(crate) fn token_args(self) -> Vec<String> {
        match self {
            Self::Programmabureau => vec!["--role".into(), "programmabureau".into()],
            Self::Stadsdeel(d) => vec![
                "--role".into(),
                "stadsdeel".into(),
                "--district".into(),
                d.into(),
            ],
            Self::Vakdienst(d) => vec![
                "--role".into(),
                "vakdienst".into(),
                "--department".into(),
                d.into(),
            ],
        }
    }

    pub(crate) fn label(self) -> String {
        match self {
            Self::Programmabureau => "programmabureau".to_owned(),
            Self::Stadsdeel(d) => format!("stadsdeel {d}"),
            Self::Vakdienst(d) => format!("vakdienst {d}"),
        }
    }
}

/// Which random ids a path takes (`{id}` in the path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ids {
    None,
    Signals,
    Projects,
}

/// One workload: an endpoint, the role that calls it, and what pgbench measures beside it.
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub(crate) name: &'static str,
    pub(crate) method: &'static str,
    /// Below /api/v1; `{id}` is replaced by a random id of `ids`.
    pub(crate) path: &'static str,
    pub(crate) caller: Caller,
    pub(crate) body: Option<&'static str>,
    pub(crate) ids: Ids,
    /// Whether each request carries a fresh `Idempotency-Key` (the pgbench side runs the SQL
    /// captured without one: compare the API figures of the keyed and the plain workload).
    pub(crate) idempotency_key: bool,
    /// Concurrent connections on both sides, when not `--connections` (`--threads` at most).
    connections: Option<u32>,
}

impl Workload {
    /// (connections, threads) of both load generators for this workload.
    pub(crate) fn concurrency(&self, o: &Options) -> (u32, u32) {
        let connections = self.connections.unwrap_or(o.connections);
        (connections, o.threads.min(connections))
    }
}

/// The workloads, in run order. Writes come last, so they do not change what the reads see.
/// Adding one is adding an entry here.
pub(crate) fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "list signals (vakdienst)",
            method: "GET",
            path: "/signals?limit=50",
            caller: Caller::Vakdienst("ocw"),
            body: None,
            ids: Ids::None,
            idempotency_key: false,
            connections: None,
        },
        Workload {
            name: "list overdue signals (vakdienst)",
            method: "GET",
            path: "/signals?overdue=true&limit=50",
            caller: Caller::Vakdienst("ocw"),
            body: None,
            ids: Ids::None,
            idempotency_key: false,
            connections: None,
        },
        Workload {
            name: "list running projects (stadsdeel)",
            method: "GET",
            path: "/projects?status=running&districtId=escamp&limit=50",
            caller: Caller::Stadsdeel("escamp"),
            body: None,
            ids: Ids::None,
            idempotency_key: false,
            connections: None,
        },
        Workload {
            name: "get signal",
            method: "GET",
            path: "/signals/{id}",
            caller: Caller::Programmabureau,
            body: None,
            ids: Ids::Signals,
            idempotency_key: false,
            connections: None,
        },
        Workload {
            name: "get project",
            method: "GET",
            path: "/projects/{id}",
            caller: Caller::Programmabureau,
            body: None,
            ids: Ids::Projects,
            idempotency_key: false,
            connections: None,
        },
        Workload {
            name: "worklist (vakdienst)",
            method: "GET",
            path: "/worklist?limit=50",
            caller: Caller::Vakdienst("ocw"),
            body: None,
            ids: Ids::None,
            idempotency_key: false,
            connections: None,
        },
        Workload {
            name: "progress report",
            method: "GET",
            path: "/reports/progress",
            caller: Caller::Programmabureau,
            body: None,
            ids: Ids::None,
            idempotency_key: false,
            // Its target is the time one report takes: one at a time, on both sides.
            connections: Some(1),
        },
        Workload {
            name: "create signal",
            method: "POST",
            path: "/signals",
            caller: Caller::Stadsdeel("escamp"),
            body: Some(
                r#"{"title":"Losliggende stoeptegels bij de school","description":"Gemeld tijdens het spreekuur in de wijk.","neighbourhoodId":"moerwijk","source":"resident","themeId":"public_space","reporter":{"name":"Melder"}}"#,
            ),
            ids: Ids::None,
            idempotency_key: false,
            connections: None,
        },
        Workload {
            name: "create signal (Idempotency-Key)",
            method: "POST",
            path: "/signals",
            caller: Caller::Stadsdeel("escamp"),
            body: Some(
                r#"{"title":"Losliggende stoeptegels bij de school","description":"Gemeld tijdens het spreekuur in de wijk.","neighbourhoodId":"moerwijk","source":"resident","themeId":"public_space","reporter":{"name":"Melder"}}"#,
            ),
            ids: Ids::None,
            idempotency_key: true,
            connections: None,
        },
    ]
}
