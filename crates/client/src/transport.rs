//! How a signed call reaches its server, for the org API and the exchange alike:
//! [`checked_base`] accepts a base URL only over https, or over plain http on this machine; and
//! [`http_client`] never follows a redirect. A followed redirect would carry the `API-Key`, the
//! `API-Sign` and the member's code to whatever address the answer names.
//!
//! A server with a certificate no authority signed (a sandbox shared across machines, which
//! makes its own) is reached through a [`CertPin`]: the SHA-256 of the one certificate accepted,
//! as `countersign sandbox serve` prints it. A pinned client accepts that certificate and no
//! other, whoever signed it.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use reqwest::Url;

/// Why a base URL is refused, in words naming the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlProblem {
    /// Not an http(s) URL a path can be joined to.
    #[error("{0:?} is not an http(s) URL")]
    Unusable(String),
    /// Plain http to another machine: keys, signatures and codes would cross the network in
    /// the clear.
    #[error(
        "{0} uses plain http: a remote server must be reached over https (plain http is allowed only on this machine: 127.0.0.1, ::1 or localhost)"
    )]
    PlainHttp(String),
}

/// `text` as a base URL a signed client may call: `https`, or `http` to a loopback address.
pub fn checked_base(text: &str) -> Result<Url, BaseUrlProblem> {
    let base = Url::parse(text).map_err(|_| BaseUrlProblem::Unusable(text.to_owned()))?;
    if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
        return Err(BaseUrlProblem::Unusable(text.to_owned()));
    }
    if base.scheme() == "http" && !is_loopback(&base) {
        return Err(BaseUrlProblem::PlainHttp(text.to_owned()));
    }
    Ok(base)
}

/// Whether `url` names this machine.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

/// The SHA-256 of the one server certificate a client accepts, whoever signed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertPin([u8; 32]);

/// Why a pin could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a certificate's SHA-256: expected 64 hexadecimal digits (colons allowed), as `countersign sandbox serve` prints it"
)]
pub struct BadPin(pub String);

impl CertPin {
    /// Reads 64 hex digits, upper or lower case, with or without colons between bytes.
    pub fn parse(text: &str) -> Result<Self, BadPin> {
        let digits: String = text.trim().chars().filter(|c| *c != ':').collect();
        let bad = || BadPin(text.to_owned());
        if digits.len() != 64 || !digits.is_ascii() {
            return Err(bad());
        }
        let mut pin = [0u8; 32];
        for (i, byte) in pin.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(pin))
    }

    /// The pin of `cert` (DER).
    pub fn of(cert: &[u8]) -> Self {
        Self(Sha256::digest(cert).into())
    }
}

impl std::fmt::Display for CertPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Accepts the pinned certificate and no other; the handshake's signatures are still checked,
/// so only the holder of its private key passes.
#[derive(Debug)]
struct PinnedVerifier {
    pin: CertPin,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = CertPin::of(end_entity);
        if presented == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the server's certificate (SHA-256 {presented}) is not the pinned one ({})",
                self.pin
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The HTTP client of every signed call: `timeout` per call, and no redirect ever followed (a
/// 3xx answer comes back as it is, and the caller refuses it: [`redirect_target`]). With a
/// `pin`, the server's certificate must be the pinned one (and no authority is consulted).
pub(crate) fn http_client(
    timeout: Duration,
    pin: Option<&CertPin>,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("countersign/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pin) = pin {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier {
                pin: pin.clone(),
                provider,
            }))
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        builder = builder.use_preconfigured_tls(tls);
    }
    builder.build().map_err(|e| e.to_string())
}

/// What went wrong with a call that got no answer, with its causes (reqwest's own words stop
/// at "error sending request"; the cause says a certificate is not the pinned one, or the
/// connection was refused), and without the URL, which the caller names.
pub(crate) fn explain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut words = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let said = c.to_string();
        if !words.contains(&said) {
            words.push_str(": ");
            words.push_str(&said);
        }
        cause = c.source();
    }
    words
}

/// Where a redirect answer points (`Some`, even when it names no location), or `None` for any
/// other answer.
pub(crate) fn redirect_target(response: &reqwest::Response) -> Option<String> {
    response.status().is_redirection().then(|| {
        response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no location")
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_plain_http_only_on_this_machine() {
        for ok in [
            "https://org.example",
            "https://api.kraken.com/",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://[::1]:9000",
            "http://localhost:1234",
            "http://sandbox.localhost",
        ] {
            assert!(checked_base(ok).is_ok(), "{ok}");
        }
        for plain in [
            "http://org.example",
            "http://10.0.0.5:8080",
            "http://[2001:db8::1]",
            "http://localhost.example.com",
        ] {
            assert_eq!(
                checked_base(plain),
                Err(BaseUrlProblem::PlainHttp(plain.to_owned())),
                "{plain}"
            );
        }
        for unusable in ["ftp://org.example", "not a url", "mailto:ops@example.com"] {
            assert_eq!(
                checked_base(unusable),
                Err(BaseUrlProblem::Unusable(unusable.to_owned()))
            );
        }
        let words = checked_base("http://org.example")
            .expect_err("plain http")
            .to_string();
        assert!(
            words.contains("https") && words.contains("http://org.example"),
            "{words}"
        );
    }

    #[test]
    fn a_pin_reads_as_sandbox_serve_prints_it_with_or_without_colons() {
        let pin = CertPin::of(b"a certificate");
        let printed = pin.to_string();
        assert_eq!(printed.len(), 64);
        assert_eq!(CertPin::parse(&printed), Ok(pin.clone()));
        assert_eq!(CertPin::parse(&printed.to_uppercase()), Ok(pin.clone()));
        let colons: Vec<&str> = (0..32).map(|i| &printed[2 * i..2 * i + 2]).collect();
        assert_eq!(CertPin::parse(&colons.join(":")), Ok(pin));
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"é".repeat(32)] {
            assert_eq!(CertPin::parse(bad), Err(BadPin(bad.to_owned())), "{bad}");
        }
    }
}
