//! Status badges: a tone for colour and always a text (and a mark for the tones that warn), so no
//! state is told by colour alone.

/// What a badge's colour means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Done, normal, low risk.
    Ok,
    /// Needs attention soon, medium risk.
    Warn,
    /// Overdue, failed, high risk.
    Danger,
    /// In progress, informational.
    Info,
    /// Closed, disabled, cancelled.
    Muted,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Ok => "badge-ok",
            Tone::Warn => "badge-warn",
            Tone::Danger => "badge-danger",
            Tone::Info => "badge-info",
            Tone::Muted => "badge-muted",
        }
    }

    /// A mark that carries the meaning for people who cannot tell the colours apart.
    pub fn mark(self) -> &'static str {
        match self {
            Tone::Ok => "✓",
            Tone::Warn => "!",
            Tone::Danger => "▲",
            Tone::Info => "●",
            Tone::Muted => "–",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Badge {
    pub tone: Tone,
    pub text: String,
}

impl Badge {
    pub fn new(tone: Tone, text: impl Into<String>) -> Self {
        Badge {
            tone,
            text: text.into(),
        }
    }
}
