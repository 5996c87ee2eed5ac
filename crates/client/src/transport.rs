//! How a signed call reaches its server, for the org API and the exchange alike:
//! [`checked_base`] accepts a base URL only over https, or over plain http on this machine; and
//! [`http_client`] never follows a redirect. A followed redirect would carry the `API-Key`, the
//! `API-Sign` and the member's code to whatever address the answer names.

use std::net::IpAddr;
use std::time::Duration;

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

/// The HTTP client of every signed call: `timeout` per call, and no redirect ever followed (a
/// 3xx answer comes back as it is, and the caller refuses it: [`redirect_target`]).
pub(crate) fn http_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("countersign/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
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
}
