//! Reading and writing the two cookies the platform sets (session and language).

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// The value of cookie `name` in the request, if present.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, `Secure` when configured.
pub fn set(name: &str, value: &str, max_age_seconds: u64, secure: bool, http_only: bool) -> String {
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear(name: &str, secure: bool) -> String {
    set(name, "", 0, secure, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, "a=1; tongxin_session=abc; b=2".parse().unwrap());
        assert_eq!(get(&headers, "tongxin_session").as_deref(), Some("abc"));
        assert_eq!(get(&headers, "missing"), None);
    }
}
