//! The TLS set-up of every outbound connection (webhook deliveries, an identity provider's
//! keys): rustls over ring with the webpki roots compiled in, so certificates are verified without system
//! libraries. Depends on nothing in the crate.

use std::sync::Arc;

/// A client configuration with the safe default protocol versions and the webpki roots.
pub fn client_config() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("cannot set up TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}
