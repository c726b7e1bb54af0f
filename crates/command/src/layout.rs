//! What the command screen shows, by figure key: headline figures per campaign and the trends.
//! Keys of modules not built yet are listed too — the screen marks them unavailable — so the
//! screen grows as campaigns land without changing here.

/// A section of headline figures.
pub struct Section {
    /// Catalog key of the section's title.
    pub label_key: &'static str,
    pub figures: &'static [&'static str],
}

pub const SECTIONS: &[Section] = &[
    Section {
        label_key: "command.section.epidemic",
        figures: &[
            "epidemic.screenings",
            "epidemic.screenings_abroad",
            "epidemic.key_persons_managed",
            "epidemic.in_centralized_quarantine",
            "epidemic.in_home_quarantine",
            "epidemic.risk_areas.high",
            "epidemic.risk_areas.medium",
            "epidemic.checks_missed",
            "epidemic.fevers",
            "epidemic.positives_today",
            "epidemic.coverage_rate",
        ],
    },
    Section {
        label_key: "command.section.economy",
        figures: &[
            "economy.enterprises_resumed",
            "economy.resumption_rate",
            "economy.above_size_resumed",
            "economy.workers_on_duty",
            "economy.workforce_rate",
            "economy.capacity_utilisation",
        ],
    },
    Section {
        label_key: "command.section.services",
        figures: &[
            "services.complaints_open",
            "services.complaints_overdue",
            "services.hazards_open",
        ],
    },
];

/// Figures drawn as a line over the last `TREND_DAYS` days.
pub const TRENDS: &[&str] = &[
    "epidemic.screenings",
    "epidemic.key_persons_new",
    "epidemic.positives_today",
    "economy.resumption_rate",
];

pub const TREND_DAYS: u64 = 14;
