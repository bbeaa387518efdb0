//! The werkbank, the web client in `web/` (DESIGN §17): where its built files are
//! (`WIJKREGIE_WERKBANK_DIR`) and which identity provider it logs in with.

use std::path::PathBuf;

/// Serving the werkbank at `/werkbank/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WerkbankSettings {
    /// The folder `npm run build` made (`web/dist`), holding `index.html` and `assets/`.
    pub dir: PathBuf,
    /// OpenID Connect login; `None`: the token page (development, the demo).
    pub oidc: Option<WerkbankOidc>,
}

/// The public OIDC client the werkbank logs in as (authorization code with PKCE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WerkbankOidc {
    /// The issuer (`WIJKREGIE_OIDC_ISSUER`), where discovery starts.
    pub authority: String,
    /// `WIJKREGIE_WERKBANK_CLIENT_ID`: the public client registered for the werkbank.
    pub client_id: String,
    /// `WIJKREGIE_WERKBANK_SCOPE`, default `openid profile`.
    pub scope: String,
}

impl WerkbankOidc {
    /// The issuer's origin (`https://login.example.nl`), which the werkbank's
    /// Content-Security-Policy lets it connect to and frame for silent renewal.
    pub fn origin(&self) -> String {
        let rest = self
            .authority
            .split_once("://")
            .map_or(self.authority.as_str(), |(_, rest)| rest);
        let host = rest.split('/').next().unwrap_or(rest);
        let scheme = self.authority.split_once("://").map_or("https", |(s, _)| s);
        format!("{scheme}://{host}")
    }
}

/// Reads the werkbank's variables; `issuer` is `WIJKREGIE_OIDC_ISSUER` when that is how tokens
/// are verified.
pub(super) fn werkbank_settings(
    var: &impl Fn(&str) -> Option<String>,
    issuer: Option<&str>,
    problems: &mut Vec<String>,
) -> Option<WerkbankSettings> {
    let client_id = var("WIJKREGIE_WERKBANK_CLIENT_ID");
    let dir = var("WIJKREGIE_WERKBANK_DIR").map(PathBuf::from);
    let Some(dir) = dir else {
        if client_id.is_some() {
            problems.push(
                "WIJKREGIE_WERKBANK_CLIENT_ID is set but WIJKREGIE_WERKBANK_DIR is not".to_owned(),
            );
        }
        return None;
    };
    if !dir.join("index.html").is_file() {
        problems.push(format!(
            "WIJKREGIE_WERKBANK_DIR '{}' holds no index.html (run `npm run build` in web/)",
            dir.display()
        ));
    }
    let oidc = match (client_id, issuer) {
        (None, _) => None,
        (Some(client_id), Some(issuer)) => Some(WerkbankOidc {
            authority: issuer.trim_end_matches('/').to_owned(),
            client_id,
            scope: var("WIJKREGIE_WERKBANK_SCOPE").unwrap_or_else(|| "openid profile".to_owned()),
        }),
        (Some(_), None) => {
            problems.push(
                "WIJKREGIE_WERKBANK_CLIENT_ID needs WIJKREGIE_OIDC_ISSUER (the provider the \
                 werkbank logs in with)"
                    .to_owned(),
            );
            None
        }
    };
    Some(WerkbankSettings { dir, oidc })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        pairs: &[(&str, &str)],
        issuer: Option<&str>,
    ) -> (Option<WerkbankSettings>, Vec<String>) {
        let lookup = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        };
        let mut problems = Vec::new();
        let settings = werkbank_settings(&lookup, issuer, &mut problems);
        (settings, problems)
    }

    #[test]
    fn a_folder_without_index_html_is_refused() {
        let (_, problems) = read(&[("WIJKREGIE_WERKBANK_DIR", "/nonexistent/dist")], None);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("index.html"));
    }

    #[test]
    fn a_client_id_needs_the_oidc_issuer_and_gives_its_origin() {
        let dir = std::env::temp_dir();
        let dir = dir.to_str().unwrap_or("/tmp");
        let pairs = [
            ("WIJKREGIE_WERKBANK_DIR", dir),
            ("WIJKREGIE_WERKBANK_CLIENT_ID", "werkbank"),
        ];
        let (_, problems) = read(&pairs, None);
        assert!(problems.iter().any(|p| p.contains("WIJKREGIE_OIDC_ISSUER")));
        let (settings, _) = read(&pairs, Some("https://login.example.nl/realms/denhaag/"));
        let oidc = settings.and_then(|s| s.oidc);
        assert_eq!(
            oidc.as_ref().map(|o| o.authority.as_str()),
            Some("https://login.example.nl/realms/denhaag")
        );
        assert_eq!(
            oidc.map(|o| o.origin()).as_deref(),
            Some("https://login.example.nl")
        );
    }
}
