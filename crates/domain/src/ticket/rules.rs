//! Who may move a ticket, per kind of ticket.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{Action, State, TransitionError, UnknownCode, keys, transition};

/// A person's relation to one ticket. The platform works it out from the
/// ticket and the user (their unit, area and level); the rules only see the
/// relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    /// Who reported it: a grid worker, an inspector, a citizen.
    Reporter,
    /// The unit that files and dispatches (指挥中心, 12345 hotline, 网格中心).
    Dispatcher,
    /// The handling unit or person (承办单位 / 责任人).
    Owner,
    /// Who checks the work: the inspector's unit for a rectification,
    /// the reporting grid worker for a grid event.
    Verifier,
    /// The dispatcher's superior level, which approves and supervises (督办).
    Approver,
    /// The platform itself: jobs (escalation, resuming a timed pause).
    System,
}

impl Party {
    pub const ALL: [Party; 6] = [
        Party::Reporter,
        Party::Dispatcher,
        Party::Owner,
        Party::Verifier,
        Party::Approver,
        Party::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Party::Reporter => "reporter",
            Party::Dispatcher => "dispatcher",
            Party::Owner => "owner",
            Party::Verifier => "verifier",
            Party::Approver => "approver",
            Party::System => "system",
        }
    }

    pub fn parse(code: &str) -> Result<Party, UnknownCode> {
        Party::ALL
            .into_iter()
            .find(|p| p.as_str() == code.trim())
            .ok_or_else(|| UnknownCode {
                key: keys::UNKNOWN_PARTY,
                code: code.to_string(),
            })
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Party::Reporter => "上报人",
            Party::Dispatcher => "派遣单位",
            Party::Owner => "承办单位",
            Party::Verifier => "核查单位",
            Party::Approver => "上级审批单位",
            Party::System => "系统",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartySet(u8);

impl PartySet {
    pub const NONE: PartySet = PartySet(0);

    pub fn of(parties: &[Party]) -> PartySet {
        PartySet(parties.iter().fold(0, |bits, p| bits | p.bit()))
    }

    pub fn contains(self, party: Party) -> bool {
        self.0 & party.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Party> {
        Party::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

/// What a move needs to know beyond the state and the party.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// The reason typed by the user (return, reopen, cancel, pause, extend).
    pub reason: Option<&'a str>,
    /// The callback (回访) to the reporting citizen is recorded.
    pub callback_done: bool,
    /// For an extension: the deadline now in force, if any.
    pub current_due: Option<DateTime<Utc>>,
    /// For an extension: the deadline asked for.
    pub new_due: Option<DateTime<Utc>>,
}

/// The rules of one kind of ticket. Build on a preset with `allow`,
/// `verification`, `callback` and `reasons`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    allowed: [PartySet; Action::ALL.len()],
    requires_verification: bool,
    requires_callback: bool,
    reasons_required: bool,
}

impl Default for Rules {
    /// The grid event loop (数字城管): the dispatcher files, dispatches and
    /// closes; the owner accepts, handles or returns; a verifier (the
    /// reporting grid worker or an inspector) verifies or sends the work
    /// back; the dispatcher's superior level approves pauses and
    /// extensions with the dispatcher; the system and superiors escalate.
    /// Verification is required, the callback is not, reasons are.
    fn default() -> Rules {
        use Party::*;
        Rules {
            allowed: [PartySet::NONE; Action::ALL.len()],
            requires_verification: true,
            requires_callback: false,
            reasons_required: true,
        }
        .allow(Action::File, &[Dispatcher])
        .allow(Action::Dispatch, &[Dispatcher])
        .allow(Action::Accept, &[Owner])
        .allow(Action::Handle, &[Owner])
        .allow(Action::Verify, &[Verifier])
        .allow(Action::Close, &[Dispatcher])
        .allow(Action::Return, &[Owner, Dispatcher])
        .allow(Action::Reopen, &[Verifier, Dispatcher, Approver])
        .allow(Action::Cancel, &[Dispatcher, Approver])
        .allow(Action::Pause, &[Dispatcher, Approver])
        .allow(Action::Resume, &[Dispatcher, Approver, System])
        .allow(Action::Extend, &[Dispatcher, Approver])
        .allow(Action::Escalate, &[Approver, System])
    }
}

impl Rules {
    /// A rectification order after a failed inspection (整改通知): the
    /// inspector's unit is the verifier and the only one to verify and to
    /// close (销号), so the inspected party's owner cannot close its own
    /// order; verification is required.
    pub fn rectification() -> Rules {
        use Party::*;
        Rules::default()
            .verification(true)
            .allow(Action::Verify, &[Verifier])
            .allow(Action::Close, &[Verifier])
            .allow(Action::Reopen, &[Verifier, Approver])
    }

    /// A complaint from the public (12345 hotline): no separate
    /// verification — the handled complaint is closed by the dispatcher
    /// (the hotline) only once the callback (回访) to the citizen is
    /// recorded; the citizen (reporter) may withdraw it.
    pub fn complaint() -> Rules {
        use Party::*;
        Rules::default()
            .verification(false)
            .callback(true)
            .allow(Action::Verify, &[Dispatcher])
            .allow(Action::Close, &[Dispatcher])
            .allow(Action::Reopen, &[Dispatcher, Approver])
            .allow(Action::Cancel, &[Dispatcher, Reporter])
    }

    /// Who may perform `action` from now on (replacing the previous set).
    pub fn allow(mut self, action: Action, parties: &[Party]) -> Rules {
        self.allowed[action.index()] = PartySet::of(parties);
        self
    }

    /// Whether a handled ticket must be verified before it is closed.
    pub fn verification(mut self, required: bool) -> Rules {
        self.requires_verification = required;
        self
    }

    /// Whether closing needs the callback (回访) recorded.
    pub fn callback(mut self, required: bool) -> Rules {
        self.requires_callback = required;
        self
    }

    /// Whether return, reopen, cancel, pause and extend need a reason.
    pub fn reasons(mut self, required: bool) -> Rules {
        self.reasons_required = required;
        self
    }

    pub fn allowed(&self, action: Action) -> PartySet {
        self.allowed[action.index()]
    }

    pub fn may(&self, action: Action, party: Party) -> bool {
        self.allowed(action).contains(party)
    }

    pub fn requires_verification(&self) -> bool {
        self.requires_verification
    }

    pub fn requires_callback(&self) -> bool {
        self.requires_callback
    }

    pub fn reasons_required(&self) -> bool {
        self.reasons_required
    }

    /// The actions `party` may take on a ticket in `state` as far as the
    /// state and the party go (reasons and other facts are checked on the
    /// move): what a page offers as buttons.
    pub fn available(&self, state: State, party: Party) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| self.may(*a, party) && self.shape_allows(state, *a))
            .collect()
    }

    /// The move a service makes: the state after `action` by `party`, or
    /// why not. Checked in order: the state machine, the party, the reason,
    /// verification and callback before closing, the new deadline of an
    /// extension.
    pub fn check(
        &self,
        state: State,
        action: Action,
        party: Party,
        facts: &Facts<'_>,
    ) -> Result<State, TransitionError> {
        let next = transition(state, action)?;
        if action == Action::Close && state == State::Handled && self.requires_verification {
            return Err(TransitionError::VerificationRequired);
        }
        if !self.may(action, party) {
            return Err(TransitionError::NotAllowed { action, party });
        }
        if self.reasons_required
            && action.needs_reason()
            && facts.reason.is_none_or(|r| r.trim().is_empty())
        {
            return Err(TransitionError::ReasonRequired(action));
        }
        if action == Action::Close && self.requires_callback && !facts.callback_done {
            return Err(TransitionError::CallbackRequired);
        }
        if action == Action::Extend {
            let new_due = facts.new_due.ok_or(TransitionError::DeadlineRequired)?;
            if facts.current_due.is_some_and(|current| new_due <= current) {
                return Err(TransitionError::DeadlineNotLater);
            }
        }
        Ok(next)
    }

    fn shape_allows(&self, state: State, action: Action) -> bool {
        transition(state, action).is_ok()
            && !(action == Action::Close && state == State::Handled && self.requires_verification)
    }
}
