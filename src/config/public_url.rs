//! `WIJKREGIE_PUBLIC_URL`: the address people and systems outside reach the service at.

/// The service's public base URL, without a final `/`. Links in e-mails and the OpenAPI
/// document's servers are built on it: absolute, and nothing that would need escaping in HTML.
pub fn public_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/').to_owned();
    let absolute = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .is_some_and(|rest| !rest.is_empty());
    if !absolute || url.contains(|c: char| c.is_whitespace() || "\"'<>&`{}".contains(c)) {
        return Err(format!(
            "'{url}' is not an absolute URL like https://wijkregie.denhaag.nl"
        ));
    }
    Ok(url)
}
