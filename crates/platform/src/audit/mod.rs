//! The audit log: an append-only, hash-chained record of every write and every reveal or export of
//! personal data — who (`Actor`), when, from where, which record, what changed, why.
//!
//! An entry is appended with `append(&mut tx, &actor, event)` inside the same `Tx` as the change it
//! records, so both commit or neither does. Appends are serialized across nodes by the `audit_head`
//! row (`FOR UPDATE` on PostgreSQL; SQLite's write transactions are serialized already), which
//! keeps `seq` gap-free and the chain unforked. Append last in a transaction: the head stays
//! locked until commit. `verify` walks the chain (`tongxin audit verify`); auditors read it at
//! `/audit` and `GET /api/v1/audit`.

pub mod api;
mod chain;
pub mod pages;
pub mod repo;
mod verify;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::Value;

pub use chain::{Entry, GENESIS, append, append_raw, canonical_form};
pub use verify::{Problem, Verdict, verify};

use crate::auth::CurrentUser;
use crate::error::AppError;

/// Who did it: a signed-in user, an API token, the command line, or an anonymous caller (a
/// refused sign-in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The user's id; `None` for tokens, the command line and anonymous callers.
    pub user_id: Option<i64>,
    /// User name, `token:NAME`, `cli:OS-USER`, `system:WHAT` or `anonymous`.
    pub name: String,
    /// The client's IP address, when there is a client.
    pub client_addr: Option<String>,
}

impl Actor {
    pub fn user(user: &CurrentUser, client_addr: Option<String>) -> Actor {
        Actor {
            user_id: if user.is_token() { None } else { Some(user.id) },
            name: user.username.clone(),
            client_addr,
        }
    }

    /// The operator at the server's shell.
    pub fn cli() -> Actor {
        let os_user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor {
            user_id: None,
            name: format!("cli:{os_user}"),
            client_addr: None,
        }
    }

    /// The platform itself: `system:demo`.
    pub fn system(what: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("system:{what}"),
            client_addr: None,
        }
    }

    pub fn anonymous(client_addr: Option<String>) -> Actor {
        Actor {
            user_id: None,
            name: "anonymous".into(),
            client_addr,
        }
    }
}

/// Handlers behind the guard take `Actor` to record who acted and from which address.
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let user = parts
            .extensions
            .get::<CurrentUser>()
            .ok_or_else(AppError::unauthenticated)?;
        Ok(Actor::user(user, crate::auth::client_ip(parts)))
    }
}

/// What happened, to be appended by `append`.
#[derive(Clone, Debug, Default)]
pub struct Event {
    /// `noun.verb`: `user.create`, `session.login`, `pii.reveal`.
    pub action: String,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    /// Area of the record, so auditors of a subtree see it.
    pub area_code: Option<String>,
    pub reason: Option<String>,
    /// The record's fields before and after an edit (never secrets, personal data masked).
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Event {
    pub fn new(action: &str) -> Event {
        Event {
            action: action.to_string(),
            ..Event::default()
        }
    }

    pub fn record(mut self, kind: &str, id: impl ToString) -> Event {
        self.record_kind = Some(kind.to_string());
        self.record_id = Some(id.to_string());
        self
    }

    pub fn area(mut self, code: &str) -> Event {
        self.area_code = Some(code.to_string());
        self
    }

    pub fn reason(mut self, reason: &str) -> Event {
        self.reason = Some(reason.to_string());
        self
    }

    pub fn before(mut self, value: Value) -> Event {
        self.before = Some(value);
        self
    }

    pub fn after(mut self, value: Value) -> Event {
        self.after = Some(value);
        self
    }
}
