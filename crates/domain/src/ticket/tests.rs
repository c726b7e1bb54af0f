use chrono::{TimeZone, Utc};

use super::*;

/// The expected outcome of every (state, action) pair. The matches have no
/// wildcard, so a new state or action does not compile until its row here
/// is written.
fn expected(state: State, action: Action) -> Option<State> {
    use Action as A;
    use State as S;
    let same = Some(state);
    match state {
        S::Reported => match action {
            A::File => Some(S::Filed),
            A::Cancel => Some(S::Cancelled),
            A::Escalate => same,
            A::Dispatch | A::Accept | A::Handle | A::Verify | A::Close | A::Return => None,
            A::Reopen | A::Pause | A::Resume | A::Extend => None,
        },
        S::Filed => match action {
            A::Dispatch => Some(S::Dispatched),
            A::Cancel => Some(S::Cancelled),
            A::Escalate => same,
            A::File | A::Accept | A::Handle | A::Verify | A::Close | A::Return => None,
            A::Reopen | A::Pause | A::Resume | A::Extend => None,
        },
        S::Dispatched => match action {
            A::Accept => Some(S::InProgress),
            A::Return => Some(S::Returned),
            A::Cancel => Some(S::Cancelled),
            A::Pause => Some(S::Paused(Resume::Dispatched)),
            A::Extend | A::Escalate => same,
            A::File | A::Dispatch | A::Handle | A::Verify | A::Close => None,
            A::Reopen | A::Resume => None,
        },
        S::InProgress => match action {
            A::Handle => Some(S::Handled),
            A::Return => Some(S::Returned),
            A::Cancel => Some(S::Cancelled),
            A::Pause => Some(S::Paused(Resume::InProgress)),
            A::Extend | A::Escalate => same,
            A::File | A::Dispatch | A::Accept | A::Verify | A::Close => None,
            A::Reopen | A::Resume => None,
        },
        S::Handled => match action {
            A::Verify => Some(S::Verified),
            A::Close => Some(S::Closed),
            A::Reopen => Some(S::InProgress),
            A::Escalate => same,
            A::File | A::Dispatch | A::Accept | A::Handle | A::Return => None,
            A::Cancel | A::Pause | A::Resume | A::Extend => None,
        },
        S::Verified => match action {
            A::Close => Some(S::Closed),
            A::Reopen => Some(S::Dispatched),
            A::Escalate => same,
            A::File | A::Dispatch | A::Accept | A::Handle | A::Verify | A::Return => None,
            A::Cancel | A::Pause | A::Resume | A::Extend => None,
        },
        S::Closed => match action {
            A::Reopen => Some(S::Dispatched),
            A::File | A::Dispatch | A::Accept | A::Handle | A::Verify | A::Close => None,
            A::Return | A::Cancel | A::Pause | A::Resume | A::Extend | A::Escalate => None,
        },
        S::Returned => match action {
            A::Dispatch => Some(S::Dispatched),
            A::Cancel => Some(S::Cancelled),
            A::Extend | A::Escalate => same,
            A::File | A::Accept | A::Handle | A::Verify | A::Close | A::Return => None,
            A::Reopen | A::Pause | A::Resume => None,
        },
        S::Cancelled => match action {
            A::File | A::Dispatch | A::Accept | A::Handle | A::Verify | A::Close => None,
            A::Return | A::Reopen | A::Cancel | A::Pause | A::Resume => None,
            A::Extend | A::Escalate => None,
        },
        S::Paused(resume) => match action {
            A::Resume => Some(resume.state()),
            A::Cancel => Some(S::Cancelled),
            A::Escalate => same,
            A::File | A::Dispatch | A::Accept | A::Handle | A::Verify | A::Close => None,
            A::Return | A::Reopen | A::Pause | A::Extend => None,
        },
    }
}

/// Every state appears in `State::ALL` (each pause once per resume target).
fn state_slot(state: State) -> usize {
    match state {
        State::Reported => 0,
        State::Filed => 1,
        State::Dispatched => 2,
        State::InProgress => 3,
        State::Handled => 4,
        State::Verified => 5,
        State::Closed => 6,
        State::Returned => 7,
        State::Cancelled => 8,
        State::Paused(Resume::Dispatched) => 9,
        State::Paused(Resume::InProgress) => 10,
    }
}

#[test]
fn the_lists_of_states_and_actions_are_complete() {
    let mut slots: Vec<usize> = State::ALL.iter().map(|s| state_slot(*s)).collect();
    slots.sort();
    assert_eq!(slots, (0..State::ALL.len()).collect::<Vec<_>>());
    for (i, action) in Action::ALL.into_iter().enumerate() {
        assert_eq!(action.index(), i);
    }
}

#[test]
fn every_state_and_action_pair_has_its_expected_outcome() {
    for state in State::ALL {
        for action in Action::ALL {
            let got = transition(state, action);
            match expected(state, action) {
                Some(next) => assert_eq!(got, Ok(next), "{state} {action}"),
                None => assert_eq!(
                    got,
                    Err(TransitionError::WrongState { state, action }),
                    "{state} {action}"
                ),
            }
        }
    }
}

#[test]
fn a_pause_resumes_to_the_state_it_was_taken_in() {
    for from in [State::Dispatched, State::InProgress] {
        let paused = transition(from, Action::Pause).unwrap();
        assert_eq!(paused.as_str(), "paused");
        assert_eq!(paused.paused_from().map(Resume::state), Some(from));
        assert_eq!(transition(paused, Action::Resume), Ok(from));
    }
}

#[test]
fn the_whole_life_cycle_walks_through() {
    let rules = Rules::default();
    let reason = Facts {
        reason: Some("等待专家意见"),
        ..Facts::default()
    };
    let steps = [
        (Action::File, Party::Dispatcher, State::Filed),
        (Action::Dispatch, Party::Dispatcher, State::Dispatched),
        (Action::Accept, Party::Owner, State::InProgress),
        (
            Action::Pause,
            Party::Approver,
            State::Paused(Resume::InProgress),
        ),
        (Action::Resume, Party::System, State::InProgress),
        (Action::Handle, Party::Owner, State::Handled),
        (Action::Reopen, Party::Verifier, State::InProgress),
        (Action::Handle, Party::Owner, State::Handled),
        (Action::Verify, Party::Verifier, State::Verified),
        (Action::Close, Party::Dispatcher, State::Closed),
    ];
    let mut state = State::Reported;
    for (action, party, next) in steps {
        state = rules.check(state, action, party, &reason).unwrap();
        assert_eq!(state, next, "{action} by {party}");
    }
    assert!(state.is_terminal());
}

/// Who may do what under each preset: `parties(preset, action)`, written out
/// in full with no wildcard.
fn parties(preset: &str, action: Action) -> Vec<Party> {
    use Party::*;
    match (preset, action) {
        (_, Action::File) => vec![Dispatcher],
        (_, Action::Dispatch) => vec![Dispatcher],
        (_, Action::Accept) => vec![Owner],
        (_, Action::Handle) => vec![Owner],
        ("complaint", Action::Verify) => vec![Dispatcher],
        (_, Action::Verify) => vec![Verifier],
        ("rectification", Action::Close) => vec![Verifier],
        (_, Action::Close) => vec![Dispatcher],
        (_, Action::Return) => vec![Dispatcher, Owner],
        ("rectification", Action::Reopen) => vec![Verifier, Approver],
        ("complaint", Action::Reopen) => vec![Dispatcher, Approver],
        (_, Action::Reopen) => vec![Dispatcher, Verifier, Approver],
        ("complaint", Action::Cancel) => vec![Reporter, Dispatcher],
        (_, Action::Cancel) => vec![Dispatcher, Approver],
        (_, Action::Pause) => vec![Dispatcher, Approver],
        (_, Action::Resume) => vec![Dispatcher, Approver, System],
        (_, Action::Extend) => vec![Dispatcher, Approver],
        (_, Action::Escalate) => vec![Approver, System],
    }
}

fn presets() -> [(&'static str, Rules); 3] {
    [
        ("default", Rules::default()),
        ("rectification", Rules::rectification()),
        ("complaint", Rules::complaint()),
    ]
}

/// A state in which `action` applies and passes every check but the party.
fn facts_for_any() -> Facts<'static> {
    Facts {
        reason: Some("理由"),
        callback_done: true,
        current_due: None,
        new_due: Some(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()),
    }
}

#[test]
fn every_party_rule_of_every_preset() {
    for (name, rules) in presets() {
        for action in Action::ALL {
            let expected = parties(name, action);
            assert_eq!(
                rules.allowed(action).iter().collect::<Vec<_>>(),
                expected,
                "{name} {action}"
            );
            let state = State::ALL
                .into_iter()
                .find(|s| rules.available(*s, expected[0]).contains(&action))
                .unwrap_or_else(|| panic!("{name}: {action} applies nowhere"));
            for party in Party::ALL {
                let result = rules.check(state, action, party, &facts_for_any());
                if expected.contains(&party) {
                    assert!(result.is_ok(), "{name} {action} by {party}: {result:?}");
                } else {
                    assert_eq!(
                        result,
                        Err(TransitionError::NotAllowed { action, party }),
                        "{name} {action} by {party}"
                    );
                }
            }
        }
    }
}

#[test]
fn reasons_are_required_for_return_reopen_cancel_pause_and_extend() {
    let rules = Rules::default();
    let cases = [
        (State::InProgress, Action::Return, Party::Owner),
        (State::Closed, Action::Reopen, Party::Dispatcher),
        (State::Filed, Action::Cancel, Party::Dispatcher),
        (State::InProgress, Action::Pause, Party::Approver),
        (State::InProgress, Action::Extend, Party::Approver),
    ];
    for (state, action, party) in cases {
        for reason in [None, Some(""), Some("  ")] {
            let facts = Facts {
                reason,
                ..facts_for_any()
            };
            assert_eq!(
                rules.check(state, action, party, &facts),
                Err(TransitionError::ReasonRequired(action)),
                "{action} with {reason:?}"
            );
        }
        assert!(rules.check(state, action, party, &facts_for_any()).is_ok());
        let lenient = Rules::default().reasons(false);
        let facts = Facts {
            reason: None,
            ..facts_for_any()
        };
        assert!(lenient.check(state, action, party, &facts).is_ok());
    }
    let needing: Vec<_> = Action::ALL
        .into_iter()
        .filter(|a| a.needs_reason())
        .collect();
    assert_eq!(needing, cases.map(|c| c.1).to_vec());
}

#[test]
fn a_rectification_is_closed_only_after_the_inspectors_unit_verifies() {
    let rules = Rules::rectification();
    let none = Facts::default();
    assert_eq!(
        rules.check(State::Handled, Action::Close, Party::Verifier, &none),
        Err(TransitionError::VerificationRequired)
    );
    assert_eq!(
        rules.check(State::Handled, Action::Verify, Party::Owner, &none),
        Err(TransitionError::NotAllowed {
            action: Action::Verify,
            party: Party::Owner
        })
    );
    let verified = rules
        .check(State::Handled, Action::Verify, Party::Verifier, &none)
        .unwrap();
    assert_eq!(
        rules.check(verified, Action::Close, Party::Owner, &none),
        Err(TransitionError::NotAllowed {
            action: Action::Close,
            party: Party::Owner
        })
    );
    assert_eq!(
        rules.check(verified, Action::Close, Party::Verifier, &none),
        Ok(State::Closed)
    );
    assert!(
        !rules
            .available(State::Handled, Party::Verifier)
            .contains(&Action::Close)
    );
}

#[test]
fn a_complaint_is_closed_only_after_the_callback() {
    let rules = Rules::complaint();
    let before = Facts::default();
    assert_eq!(
        rules.check(State::Handled, Action::Close, Party::Dispatcher, &before),
        Err(TransitionError::CallbackRequired)
    );
    let after = Facts {
        callback_done: true,
        ..Facts::default()
    };
    assert_eq!(
        rules.check(State::Handled, Action::Close, Party::Dispatcher, &after),
        Ok(State::Closed)
    );
    // The citizen may withdraw a complaint, with a reason.
    let withdraw = Facts {
        reason: Some("问题已自行解决"),
        ..Facts::default()
    };
    assert_eq!(
        rules.check(
            State::Dispatched,
            Action::Cancel,
            Party::Reporter,
            &withdraw
        ),
        Ok(State::Cancelled)
    );
}

#[test]
fn an_extension_needs_a_later_deadline() {
    let rules = Rules::default();
    let due = Utc.with_ymd_and_hms(2020, 3, 2, 9, 30, 0).unwrap();
    let facts = |new_due| Facts {
        reason: Some("需要第三方检测"),
        current_due: Some(due),
        new_due,
        ..Facts::default()
    };
    let extend = |f| rules.check(State::InProgress, Action::Extend, Party::Dispatcher, &f);
    assert_eq!(extend(facts(None)), Err(TransitionError::DeadlineRequired));
    assert_eq!(
        extend(facts(Some(due))),
        Err(TransitionError::DeadlineNotLater)
    );
    assert_eq!(
        extend(facts(Some(due + chrono::TimeDelta::days(3)))),
        Ok(State::InProgress)
    );
}

#[test]
fn a_wrong_state_is_reported_before_the_party() {
    let rules = Rules::default();
    assert_eq!(
        rules.check(
            State::Closed,
            Action::Handle,
            Party::Reporter,
            &Facts::default()
        ),
        Err(TransitionError::WrongState {
            state: State::Closed,
            action: Action::Handle
        })
    );
}

#[test]
fn codes_round_trip_and_inconsistent_pairs_are_refused() {
    for state in State::ALL {
        let from = state.paused_from().map(Resume::as_str);
        assert_eq!(State::parse(state.as_str(), from), Ok(state));
        assert!(!state.name_zh().is_empty());
    }
    assert_eq!(
        State::parse("paused", None).unwrap_err().key,
        keys::UNKNOWN_STATE
    );
    assert!(State::parse("paused", Some("handled")).is_err());
    assert!(State::parse("dispatched", Some("dispatched")).is_err());
    assert!(State::parse("open", None).is_err());
    for action in Action::ALL {
        assert_eq!(Action::parse(action.as_str()), Ok(action));
        assert!(!action.name_zh().is_empty());
    }
    assert_eq!(Action::parse("close ").unwrap(), Action::Close);
    assert_eq!(
        Action::parse("destroy").unwrap_err().key,
        keys::UNKNOWN_ACTION
    );
    for party in Party::ALL {
        assert_eq!(Party::parse(party.as_str()), Ok(party));
        assert!(!party.name_zh().is_empty());
    }
    assert_eq!(Party::parse("mayor").unwrap_err().key, keys::UNKNOWN_PARTY);
}

#[test]
fn terminal_and_open_states() {
    for state in State::ALL {
        let terminal = matches!(state, State::Closed | State::Cancelled);
        assert_eq!(state.is_terminal(), terminal, "{state}");
        assert_eq!(state.is_open(), !terminal, "{state}");
    }
    assert!(State::Dispatched.clock_runs());
    assert!(!State::Paused(Resume::InProgress).clock_runs());
    assert!(!State::Handled.clock_runs());
}

#[test]
fn every_error_has_a_listed_key() {
    let errors = [
        TransitionError::WrongState {
            state: State::Closed,
            action: Action::File,
        },
        TransitionError::NotAllowed {
            action: Action::File,
            party: Party::Owner,
        },
        TransitionError::ReasonRequired(Action::Cancel),
        TransitionError::VerificationRequired,
        TransitionError::CallbackRequired,
        TransitionError::DeadlineRequired,
        TransitionError::DeadlineNotLater,
    ];
    let mut listed: Vec<_> = errors.iter().map(TransitionError::key).collect();
    listed.extend([
        keys::UNKNOWN_STATE,
        keys::UNKNOWN_ACTION,
        keys::UNKNOWN_PARTY,
    ]);
    assert_eq!(listed, all_error_keys());
    assert_eq!(
        errors[1].to_string(),
        "ticket.error.not_allowed action=file party=owner"
    );
}
