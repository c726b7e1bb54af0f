//! The client's address, for the audit log and sign-in throttling. Behind a load balancer every
//! connection comes from the balancer, so when the peer is one of `Config::trusted_proxies` the
//! address is taken from `X-Forwarded-For` instead: the rightmost entry that is not itself a
//! trusted proxy. From anyone else the header is ignored, so a client cannot choose its address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The request's client address, as `resolve` found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    pub fn text(self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

/// The middleware: puts a `ClientIp` in every request.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let ip = client_ip(peer, &forwarded, &state.config().trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

/// The client behind `peer`, given the `X-Forwarded-For` list and the trusted proxies.
pub fn client_ip(peer: Option<IpAddr>, forwarded: &str, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = forwarded
        .split(',')
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    Some(
        hops.iter()
            .rev()
            .find(|hop| !trusted.contains(hop))
            .or(hops.first())
            .copied()
            .unwrap_or(peer),
    )
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp(None)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let lb = ip("10.0.0.5");
        let trusted = [lb, ip("10.0.0.6")];
        // A direct client: the header is ignored, whatever it claims.
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), "198.51.100.1", &trusted),
            Some(ip("203.0.113.9"))
        );
        // Through the balancer: the rightmost hop it did not add itself.
        assert_eq!(
            client_ip(Some(lb), "198.51.100.1, 203.0.113.9", &trusted),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(Some(lb), "203.0.113.9, 10.0.0.6", &trusted),
            Some(ip("203.0.113.9"))
        );
        // The balancer without a header: the balancer.
        assert_eq!(client_ip(Some(lb), "", &trusted), Some(lb));
        assert_eq!(client_ip(None, "198.51.100.1", &trusted), None);
    }
}
