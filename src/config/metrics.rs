//! Where Prometheus scrapes the metrics (DESIGN §14): nowhere unless `WIJKREGIE_METRICS_BIND`
//! names an address, and then on a listener of its own, apart from the API.

use super::resolve;

/// `WIJKREGIE_METRICS_BIND`: the address of the metrics listener; unset or blank, there is no
/// listener and no metrics are kept.
pub(super) fn metrics_bind(
    var: &impl Fn(&str) -> Option<String>,
    api_bind: &str,
    problems: &mut Vec<String>,
) -> Option<String> {
    let bind = var("WIJKREGIE_METRICS_BIND")?.trim().to_owned();
    if let Err(e) = resolve(&bind) {
        problems.push(format!(
            "WIJKREGIE_METRICS_BIND '{bind}' is not a host:port to listen on, like 127.0.0.1:9464: {e}"
        ));
    } else if bind == api_bind && !bind.ends_with(":0") {
        problems.push(format!(
            "WIJKREGIE_METRICS_BIND '{bind}' is the API's own address (WIJKREGIE_BIND); the \
             metrics need a port of their own, like 127.0.0.1:9464"
        ));
    }
    Some(bind)
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings;

    #[test]
    fn metrics_are_off_unless_an_address_is_given() {
        let bind = |pairs: &[(&str, &str)]| settings(pairs).map(|s| s.metrics_bind);
        assert_eq!(bind(&[]), Ok(None));
        assert_eq!(bind(&[("WIJKREGIE_METRICS_BIND", "  ")]), Ok(None));
        assert_eq!(
            bind(&[("WIJKREGIE_METRICS_BIND", "127.0.0.1:9464")]),
            Ok(Some("127.0.0.1:9464".to_owned()))
        );
    }

    #[test]
    fn a_metrics_address_that_cannot_be_listened_on_is_refused_at_start() {
        let problems = settings(&[("WIJKREGIE_METRICS_BIND", "9464")])
            .err()
            .unwrap_or_default();
        assert!(
            problems.len() == 1
                && problems[0].starts_with("WIJKREGIE_METRICS_BIND '9464' is not a host:port"),
            "{problems:?}"
        );
        let problems = settings(&[
            ("WIJKREGIE_BIND", "127.0.0.1:8080"),
            ("WIJKREGIE_METRICS_BIND", "127.0.0.1:8080"),
        ])
        .err()
        .unwrap_or_default();
        assert!(
            problems.len() == 1 && problems[0].contains("the API's own address"),
            "{problems:?}"
        );
    }
}
