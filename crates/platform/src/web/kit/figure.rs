//! Figure cards: a named number with its unit, its change against an earlier value, and where to
//! drill down.

#[derive(Clone, Debug)]
pub struct Trend {
    /// Change since the comparison point, already formatted ("+12", "−3.5").
    pub delta: String,
    /// 1 up, -1 down, 0 unchanged.
    pub direction: i8,
    /// What it compares with ("较昨日").
    pub label: String,
}

impl Trend {
    pub fn between(current: f64, previous: f64, label: impl Into<String>) -> Self {
        let diff = current - previous;
        let direction = if diff > 0.0 {
            1
        } else if diff < 0.0 {
            -1
        } else {
            0
        };
        let magnitude = diff.abs();
        let number = if magnitude.fract() == 0.0 {
            format!("{magnitude:.0}")
        } else {
            format!("{magnitude:.1}")
        };
        let delta = match direction {
            1 => format!("+{number}"),
            -1 => format!("−{number}"),
            _ => "0".to_string(),
        };
        Trend {
            delta,
            direction,
            label: label.into(),
        }
    }

    pub fn arrow(&self) -> &'static str {
        match self.direction {
            1 => "↑",
            -1 => "↓",
            _ => "→",
        }
    }

    pub fn class(&self) -> &'static str {
        match self.direction {
            1 => "trend-up",
            -1 => "trend-down",
            _ => "trend-flat",
        }
    }
}

#[derive(Clone, Debug)]
pub struct FigureCard {
    pub label: String,
    pub value: String,
    pub unit: String,
    pub trend: Option<Trend>,
    /// The breakdown behind the number, if there is a page for it.
    pub href: Option<String>,
}

impl FigureCard {
    pub fn new(label: impl Into<String>, value: f64, unit: impl Into<String>) -> Self {
        let value = if value.fract() == 0.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}")
        };
        FigureCard {
            label: label.into(),
            value,
            unit: unit.into(),
            trend: None,
            href: None,
        }
    }

    pub fn with_trend(mut self, trend: Trend) -> Self {
        self.trend = Some(trend);
        self
    }

    pub fn linked(mut self, href: impl Into<String>) -> Self {
        self.href = Some(href.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_says_up_down_or_flat_with_a_signed_delta() {
        let up = Trend::between(12.0, 10.0, "较昨日");
        assert_eq!((up.delta.as_str(), up.arrow()), ("+2", "↑"));
        let down = Trend::between(7.5, 10.0, "较昨日");
        assert_eq!((down.delta.as_str(), down.arrow()), ("−2.5", "↓"));
        assert_eq!(Trend::between(3.0, 3.0, "").arrow(), "→");
    }
}
