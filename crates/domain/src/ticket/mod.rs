//! The ledger ticket's life cycle (台账事项): one state machine for every kind
//! of ticket — rectification orders, complaints, hazards, alerts — and the
//! per-kind rules saying who may move a ticket and what a move needs.
//!
//! ```text
//! file      reported → filed            reopen   handled → in_progress (verification failed)
//! dispatch  filed | returned → dispatched        verified | closed → dispatched
//! accept    dispatched → in_progress    cancel   reported | filed | dispatched | in_progress
//! handle    in_progress → handled                | returned | paused → cancelled
//! verify    handled → verified          pause    dispatched | in_progress → paused(that state)
//! close     verified | handled → closed resume   paused(s) → s
//! return    dispatched | in_progress    extend   dispatched | in_progress | returned (stays)
//!           → returned                  escalate any open state (stays)
//! ```
//!
//! - `transition(state, action)` is the machine: which action applies in which
//!   state and where it leads. It knows nothing of people.
//! - `Rules::check(state, action, party, facts)` is what a service calls: the
//!   machine, then the kind's rules — which `Party` may act, reasons, the
//!   verification and callback (回访) requirements, a later deadline for an
//!   extension. `Rules::default()`, `Rules::rectification()` and
//!   `Rules::complaint()` are the presets.
//!
//! A paused ticket remembers where it resumes (`State::Paused(Resume)`), so a
//! pause without a way back cannot be represented. The platform stores the
//! state in two columns: `State::as_str()` ("paused" for every pause) and
//! `State::paused_from()`; `State::parse` takes both back and refuses an
//! inconsistent pair.
//!
//! Escalation (督办) and extension do not change the state: they are
//! recorded as events and flags on the ticket (an escalation level, a new
//! deadline), and the machine only says in which states they are allowed.

mod rules;
#[cfg(test)]
mod tests;

use std::fmt;

pub use rules::{Facts, Party, PartySet, Rules};

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// 上报: reported (by a grid worker, an inspector, the public, a rule).
    Reported,
    /// 立案 / 受理: accepted as a ticket.
    Filed,
    /// 派遣 / 派单: given to an owner; the clock runs from here.
    Dispatched,
    /// 办理中: the owner has started work.
    InProgress,
    /// 已处置: the owner reports the work done.
    Handled,
    /// 已核查: a verifier confirmed the work.
    Verified,
    /// 已销号: closed. Only `reopen` leaves it.
    Closed,
    /// 已退回: the owner or the dispatcher sent it back for dispatch.
    Returned,
    /// 已撤销: cancelled with a reason. Final.
    Cancelled,
    /// 已暂停 (挂起): the clock is stopped; `resume` goes back to the state
    /// the ticket was paused in.
    Paused(Resume),
}

/// The states a ticket can be paused in, and so resumed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resume {
    Dispatched,
    InProgress,
}

/// What someone (or the system) does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// reported → filed.
    File,
    /// filed or returned → dispatched.
    Dispatch,
    /// dispatched → in progress: the owner takes it on.
    Accept,
    /// in progress → handled.
    Handle,
    /// handled → verified.
    Verify,
    /// verified (or handled, for kinds without verification) → closed (销号).
    Close,
    /// dispatched or in progress → returned: not this owner's, or not
    /// workable as dispatched. Needs a reason.
    Return,
    /// handled → in progress (verification failed: the owner works on);
    /// verified or closed → dispatched (the dispatcher decides who redoes
    /// it). Needs a reason.
    Reopen,
    /// Any state before handling → cancelled. Needs a reason.
    Cancel,
    /// dispatched or in progress → paused. Needs a reason; performing it is
    /// the approval, so only approving parties may.
    Pause,
    /// paused → the state it was paused in.
    Resume,
    /// A later deadline; the state stays. Needs a reason and the new
    /// deadline; performing it is the approval.
    Extend,
    /// 督办: raise to the owner's superior level; the state stays.
    Escalate,
}

/// Why a move was refused. Each has a message-catalog key
/// (`ticket.error.*`, translated in `platform/i18n/*/ticket.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The action does not apply in this state.
    WrongState { state: State, action: Action },
    /// This party may not perform the action for this kind.
    NotAllowed { action: Action, party: Party },
    /// The action needs a reason and none (or only spaces) was given.
    ReasonRequired(Action),
    /// The kind needs verification before closing.
    VerificationRequired,
    /// The kind closes only after the callback (回访).
    CallbackRequired,
    /// An extension needs the new deadline.
    DeadlineRequired,
    /// An extension's new deadline must be later than the current one.
    DeadlineNotLater,
}

pub mod keys {
    pub const WRONG_STATE: &str = "ticket.error.wrong_state";
    pub const NOT_ALLOWED: &str = "ticket.error.not_allowed";
    pub const REASON_REQUIRED: &str = "ticket.error.reason_required";
    pub const VERIFICATION_REQUIRED: &str = "ticket.error.verification_required";
    pub const CALLBACK_REQUIRED: &str = "ticket.error.callback_required";
    pub const DEADLINE_REQUIRED: &str = "ticket.error.deadline_required";
    pub const DEADLINE_NOT_LATER: &str = "ticket.error.deadline_not_later";
    pub const UNKNOWN_STATE: &str = "ticket.error.unknown_state";
    pub const UNKNOWN_ACTION: &str = "ticket.error.unknown_action";
    pub const UNKNOWN_PARTY: &str = "ticket.error.unknown_party";
}

/// Every catalog key this module can return, for the catalog tests.
pub fn all_error_keys() -> &'static [&'static str] {
    &[
        keys::WRONG_STATE,
        keys::NOT_ALLOWED,
        keys::REASON_REQUIRED,
        keys::VERIFICATION_REQUIRED,
        keys::CALLBACK_REQUIRED,
        keys::DEADLINE_REQUIRED,
        keys::DEADLINE_NOT_LATER,
        keys::UNKNOWN_STATE,
        keys::UNKNOWN_ACTION,
        keys::UNKNOWN_PARTY,
    ]
}

impl TransitionError {
    /// The catalog key of the user-facing message. The messages take the
    /// placeholders `{state}`, `{action}` and `{party}` (see `args`).
    pub fn key(&self) -> &'static str {
        match self {
            TransitionError::WrongState { .. } => keys::WRONG_STATE,
            TransitionError::NotAllowed { .. } => keys::NOT_ALLOWED,
            TransitionError::ReasonRequired(_) => keys::REASON_REQUIRED,
            TransitionError::VerificationRequired => keys::VERIFICATION_REQUIRED,
            TransitionError::CallbackRequired => keys::CALLBACK_REQUIRED,
            TransitionError::DeadlineRequired => keys::DEADLINE_REQUIRED,
            TransitionError::DeadlineNotLater => keys::DEADLINE_NOT_LATER,
        }
    }

    /// Machine codes of the values in the message, for `{state}`,
    /// `{action}` and `{party}` placeholders (the platform translates them
    /// with its `ticket.state.*`, `ticket.action.*`, `ticket.party.*` keys).
    pub fn args(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            TransitionError::WrongState { state, action } => {
                vec![("state", state.as_str()), ("action", action.as_str())]
            }
            TransitionError::NotAllowed { action, party } => {
                vec![("action", action.as_str()), ("party", party.as_str())]
            }
            TransitionError::ReasonRequired(action) => vec![("action", action.as_str())],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())?;
        for (name, value) in self.args() {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransitionError {}

/// A code that names no state, action or party; carries the catalog key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub key: &'static str,
    pub code: String,
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.code)
    }
}

impl std::error::Error for UnknownCode {}

impl State {
    /// Every state, a paused one per resume target.
    pub const ALL: [State; 11] = [
        State::Reported,
        State::Filed,
        State::Dispatched,
        State::InProgress,
        State::Handled,
        State::Verified,
        State::Closed,
        State::Returned,
        State::Cancelled,
        State::Paused(Resume::Dispatched),
        State::Paused(Resume::InProgress),
    ];

    /// The stored code; "paused" for every pause (see `paused_from`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Reported => "reported",
            State::Filed => "filed",
            State::Dispatched => "dispatched",
            State::InProgress => "in_progress",
            State::Handled => "handled",
            State::Verified => "verified",
            State::Closed => "closed",
            State::Returned => "returned",
            State::Cancelled => "cancelled",
            State::Paused(_) => "paused",
        }
    }

    /// For a paused ticket, the state it resumes to (stored beside the state).
    pub fn paused_from(self) -> Option<Resume> {
        match self {
            State::Paused(resume) => Some(resume),
            _ => None,
        }
    }

    /// The state from its stored code and, for "paused" only, the stored
    /// state it resumes to. Refuses a pause without that state and that
    /// state on anything but a pause.
    pub fn parse(code: &str, paused_from: Option<&str>) -> Result<State, UnknownCode> {
        let unknown = |code: &str| UnknownCode {
            key: keys::UNKNOWN_STATE,
            code: code.to_string(),
        };
        let state = match code.trim() {
            "reported" => State::Reported,
            "filed" => State::Filed,
            "dispatched" => State::Dispatched,
            "in_progress" => State::InProgress,
            "handled" => State::Handled,
            "verified" => State::Verified,
            "closed" => State::Closed,
            "returned" => State::Returned,
            "cancelled" => State::Cancelled,
            "paused" => {
                let from = paused_from.ok_or_else(|| unknown(code))?;
                return Resume::parse(from)
                    .map(State::Paused)
                    .ok_or_else(|| unknown(&format!("paused:{from}")));
            }
            _ => return Err(unknown(code)),
        };
        match paused_from {
            None => Ok(state),
            Some(from) => Err(unknown(&format!("{code}:{from}"))),
        }
    }

    /// The Chinese name shown in ledgers.
    pub fn name_zh(self) -> &'static str {
        match self {
            State::Reported => "已上报",
            State::Filed => "已立案",
            State::Dispatched => "已派遣",
            State::InProgress => "办理中",
            State::Handled => "已处置",
            State::Verified => "已核查",
            State::Closed => "已销号",
            State::Returned => "已退回",
            State::Cancelled => "已撤销",
            State::Paused(_) => "已暂停",
        }
    }

    /// Closed or cancelled: nobody needs to do anything (a closed ticket
    /// may still be reopened).
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Closed | State::Cancelled)
    }

    /// Not terminal: someone still has to act; counts in "open" figures.
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// The deadline clock runs (dispatched until handled, returned
    /// included); it stops when handled, paused or final.
    pub fn clock_runs(self) -> bool {
        matches!(
            self,
            State::Dispatched | State::InProgress | State::Returned
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Paused(from) => write!(f, "paused({})", from.as_str()),
            other => f.write_str(other.as_str()),
        }
    }
}

impl Resume {
    pub const ALL: [Resume; 2] = [Resume::Dispatched, Resume::InProgress];

    pub fn as_str(self) -> &'static str {
        self.state().as_str()
    }

    pub fn parse(code: &str) -> Option<Resume> {
        Resume::ALL.into_iter().find(|r| r.as_str() == code.trim())
    }

    pub fn state(self) -> State {
        match self {
            Resume::Dispatched => State::Dispatched,
            Resume::InProgress => State::InProgress,
        }
    }
}

impl Action {
    pub const ALL: [Action; 13] = [
        Action::File,
        Action::Dispatch,
        Action::Accept,
        Action::Handle,
        Action::Verify,
        Action::Close,
        Action::Return,
        Action::Reopen,
        Action::Cancel,
        Action::Pause,
        Action::Resume,
        Action::Extend,
        Action::Escalate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::File => "file",
            Action::Dispatch => "dispatch",
            Action::Accept => "accept",
            Action::Handle => "handle",
            Action::Verify => "verify",
            Action::Close => "close",
            Action::Return => "return",
            Action::Reopen => "reopen",
            Action::Cancel => "cancel",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Extend => "extend",
            Action::Escalate => "escalate",
        }
    }

    pub fn parse(code: &str) -> Result<Action, UnknownCode> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == code.trim())
            .ok_or_else(|| UnknownCode {
                key: keys::UNKNOWN_ACTION,
                code: code.to_string(),
            })
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Action::File => "立案",
            Action::Dispatch => "派遣",
            Action::Accept => "接单",
            Action::Handle => "处置",
            Action::Verify => "核查",
            Action::Close => "销号",
            Action::Return => "退回",
            Action::Reopen => "重办",
            Action::Cancel => "撤销",
            Action::Pause => "暂停",
            Action::Resume => "恢复",
            Action::Extend => "延期",
            Action::Escalate => "督办",
        }
    }

    /// Actions that need a written reason (unless a kind's rules waive
    /// reasons).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Action::Return | Action::Reopen | Action::Cancel | Action::Pause | Action::Extend
        )
    }

    /// The state stays; the action is recorded as an event (and a flag or
    /// a new deadline on the ticket).
    pub fn keeps_state(self) -> bool {
        matches!(self, Action::Extend | Action::Escalate)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state machine: where `action` leads from `state`, whoever performs
/// it. Kind rules (`Rules::check`) narrow this further — for instance a
/// handled ticket may be closed here, but not under rules that require
/// verification.
pub fn transition(state: State, action: Action) -> Result<State, TransitionError> {
    use State::*;
    let next = match (action, state) {
        (Action::File, Reported) => Some(Filed),
        (Action::Dispatch, Filed | Returned) => Some(Dispatched),
        (Action::Accept, Dispatched) => Some(InProgress),
        (Action::Handle, InProgress) => Some(Handled),
        (Action::Verify, Handled) => Some(Verified),
        (Action::Close, Handled | Verified) => Some(Closed),
        (Action::Return, Dispatched | InProgress) => Some(Returned),
        (Action::Reopen, Handled) => Some(InProgress),
        (Action::Reopen, Verified | Closed) => Some(Dispatched),
        (Action::Cancel, Reported | Filed | Dispatched | InProgress | Returned | Paused(_)) => {
            Some(Cancelled)
        }
        (Action::Pause, Dispatched) => Some(Paused(Resume::Dispatched)),
        (Action::Pause, InProgress) => Some(Paused(Resume::InProgress)),
        (Action::Resume, Paused(resume)) => Some(resume.state()),
        (Action::Extend, Dispatched | InProgress | Returned) => Some(state),
        (Action::Escalate, s) if s.is_open() => Some(s),
        _ => None,
    };
    next.ok_or(TransitionError::WrongState { state, action })
}
