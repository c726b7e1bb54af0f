use super::*;

/// A moment in Beijing time.
fn bj(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    china_offset()
        .with_ymd_and_hms(y, m, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn cal() -> WorkCalendar {
    WorkCalendar::official()
}

fn due_of(start: DateTime<Utc>, limit: &str) -> Due {
    due(
        start,
        TimeLimit::parse(limit).unwrap(),
        &cal(),
        &WorkingHours::default(),
    )
}

fn paused(start: DateTime<Utc>, limit: &str, pauses: &[Pause]) -> Option<Due> {
    due_with_pauses(
        start,
        TimeLimit::parse(limit).unwrap(),
        pauses,
        &cal(),
        &WorkingHours::default(),
    )
}

#[test]
fn limits_parse_in_english_and_chinese_and_print_back() {
    let cases = [
        ("13 working days", TimeLimit::WorkingDays(13)),
        ("1 working day", TimeLimit::WorkingDays(1)),
        ("13个工作日", TimeLimit::WorkingDays(13)),
        (" １３ 个工作日 ", TimeLimit::WorkingDays(13)),
        ("3 working hours", TimeLimit::WorkingHours(3)),
        ("3个工作小时", TimeLimit::WorkingHours(3)),
        ("24 Hours", TimeLimit::Hours(24)),
        ("24小时", TimeLimit::Hours(24)),
        ("same day", TimeLimit::SameDay),
        ("当日", TimeLimit::SameDay),
        ("当天", TimeLimit::SameDay),
    ];
    for (text, limit) in cases {
        assert_eq!(TimeLimit::parse(text), Ok(limit), "{text}");
        assert_eq!(TimeLimit::parse(&limit.to_string()), Ok(limit));
        assert_eq!(TimeLimit::parse(&limit.to_zh()), Ok(limit));
    }
    assert_eq!(TimeLimit::WorkingDays(13).to_string(), "13 working days");
    assert_eq!(TimeLimit::WorkingHours(1).to_string(), "1 working hour");
    assert_eq!(TimeLimit::Hours(24).to_zh(), "24小时");
    let key = |text: &str| TimeLimit::parse(text).unwrap_err().key();
    assert_eq!(key(""), keys::TIME_LIMIT_EMPTY);
    assert_eq!(key("13 days"), keys::TIME_LIMIT_FORMAT);
    assert_eq!(key("working days"), keys::TIME_LIMIT_FORMAT);
    assert_eq!(key("-3 hours"), keys::TIME_LIMIT_FORMAT);
    assert_eq!(key("0 hours"), keys::TIME_LIMIT_RANGE);
    assert_eq!(key("3651个工作日"), keys::TIME_LIMIT_RANGE);
    assert_eq!(key("99999999999 hours"), keys::TIME_LIMIT_FORMAT);
}

#[test]
fn office_hours_parse_and_refuse_disorder() {
    let hours = WorkingHours::parse("08:30-12:00，14:30～18:00").unwrap();
    assert_eq!(hours.to_string(), "08:30-12:00, 14:30-18:00");
    assert_eq!(
        WorkingHours::default().to_string(),
        "09:00-12:00, 13:30-17:30"
    );
    let key = |text: &str| WorkingHours::parse(text).unwrap_err().key();
    assert_eq!(key("nine to five"), keys::WORKING_HOURS_FORMAT);
    assert_eq!(key("09:00-12:00, 11:00-17:00"), keys::WORKING_HOURS_ORDER);
    assert_eq!(key("12:00-09:00"), keys::WORKING_HOURS_ORDER);
}

#[test]
fn a_working_day_after_23_january_2020_was_3_february() {
    // The Spring Festival holiday, extended to 2 February that year.
    let due = due_of(bj(2020, 1, 23, 10, 0), "1个工作日");
    assert_eq!(due, Reckoned::covered(bj(2020, 2, 3, 17, 30)));
}

#[test]
fn a_complaint_of_13_working_days_ends_at_the_close_of_the_13th() {
    // Monday 2 March 2020: 13 working days later is Thursday 19 March.
    let due = due_of(bj(2020, 3, 2, 15, 0), "13 working days");
    assert_eq!(due.value, bj(2020, 3, 19, 17, 30));
}

#[test]
fn national_day_week_and_the_shifted_saturday_after_it() {
    // 2020: 1–8 October off; Saturday 10 October a working day.
    assert_eq!(
        due_of(bj(2020, 9, 30, 10, 0), "3 working days").value,
        bj(2020, 10, 12, 17, 30)
    );
    // 2024: 1–7 October off.
    assert_eq!(
        due_of(bj(2024, 9, 30, 10, 0), "1 working day").value,
        bj(2024, 10, 8, 17, 30)
    );
    // Friday 9 October 2020, 16:00, three working hours: one and a half on
    // Friday, the rest on the shifted Saturday.
    assert_eq!(
        due_of(bj(2020, 10, 9, 16, 0), "3 working hours").value,
        bj(2020, 10, 10, 10, 30)
    );
}

#[test]
fn a_start_on_a_holiday_counts_from_the_next_working_period() {
    // Saturday 3 October 2020 is inside the National Day holiday.
    let start = bj(2020, 10, 3, 14, 0);
    assert_eq!(due_of(start, "当日").value, bj(2020, 10, 9, 17, 30));
    assert_eq!(
        due_of(start, "2 working hours").value,
        bj(2020, 10, 9, 11, 0)
    );
    // The day the clock starts is 9 October; the next working day is the
    // shifted Saturday.
    assert_eq!(
        due_of(start, "1 working day").value,
        bj(2020, 10, 10, 17, 30)
    );
}

#[test]
fn a_start_outside_office_hours_counts_from_the_next_period() {
    // Thursday 5 November 2020, 18:00: the clock starts on Friday morning.
    assert_eq!(
        due_of(bj(2020, 11, 5, 18, 0), "1 working day").value,
        bj(2020, 11, 9, 17, 30)
    );
    // Over lunch.
    assert_eq!(
        due_of(bj(2020, 11, 5, 12, 30), "3 working hours").value,
        bj(2020, 11, 5, 16, 30)
    );
    assert_eq!(
        due_of(bj(2020, 11, 5, 11, 0), "3 working hours").value,
        bj(2020, 11, 5, 15, 30)
    );
    // Before opening, and ending exactly at a period's end.
    assert_eq!(
        due_of(bj(2020, 11, 5, 7, 0), "3 working hours").value,
        bj(2020, 11, 5, 12, 0)
    );
    assert_eq!(
        due_of(bj(2020, 11, 5, 10, 0), "same day").value,
        bj(2020, 11, 5, 17, 30)
    );
}

#[test]
fn clock_hours_run_through_nights_and_weekends() {
    assert_eq!(
        due_of(bj(2020, 11, 6, 10, 0), "24小时").value,
        bj(2020, 11, 7, 10, 0)
    );
    let pause = [(bj(2020, 11, 6, 12, 0), Some(bj(2020, 11, 6, 14, 0)))];
    assert_eq!(
        paused(bj(2020, 11, 6, 10, 0), "24 hours", &pause).map(|d| d.value),
        Some(bj(2020, 11, 7, 12, 0))
    );
}

#[test]
fn a_pause_across_a_weekend_stops_only_the_office_time_inside_it() {
    // Thursday 5 November 2020 09:00, 3 working days: due Tuesday 10th.
    let start = bj(2020, 11, 5, 9, 0);
    assert_eq!(
        due_of(start, "3 working days").value,
        bj(2020, 11, 10, 17, 30)
    );
    // Paused Friday 17:00 to Monday 10:00: half an hour on Friday and an
    // hour on Monday are given back, so the due moment is Wednesday 10:30.
    let pause = [(bj(2020, 11, 6, 17, 0), Some(bj(2020, 11, 9, 10, 0)))];
    assert_eq!(
        paused(start, "3 working days", &pause),
        Some(Reckoned::covered(bj(2020, 11, 11, 10, 30)))
    );
    // Overlapping and unsorted pauses count once.
    let overlapping = [
        (bj(2020, 11, 7, 12, 0), Some(bj(2020, 11, 9, 10, 0))),
        (bj(2020, 11, 6, 17, 0), Some(bj(2020, 11, 8, 0, 0))),
    ];
    assert_eq!(
        paused(start, "3 working days", &overlapping).map(|d| d.value),
        Some(bj(2020, 11, 11, 10, 30))
    );
    // A pause over the weekend only gives nothing back.
    let weekend = [(bj(2020, 11, 7, 0, 0), Some(bj(2020, 11, 9, 0, 0)))];
    assert_eq!(
        paused(start, "3 working days", &weekend).map(|d| d.value),
        Some(bj(2020, 11, 10, 17, 30))
    );
    // A pause that began before the start.
    let before = [(bj(2020, 11, 4, 9, 0), Some(bj(2020, 11, 5, 10, 0)))];
    assert_eq!(
        paused(start, "3 working days", &before).map(|d| d.value),
        Some(bj(2020, 11, 11, 10, 0))
    );
}

#[test]
fn an_open_pause_leaves_no_due_moment_unless_the_limit_ran_out_first() {
    let start = bj(2020, 11, 5, 9, 0);
    let open = [(bj(2020, 11, 6, 12, 0), None)];
    assert_eq!(paused(start, "3 working days", &open), None);
    assert_eq!(paused(start, "48 hours", &open), None);
    // Twenty-four clock hours end on Friday 09:00, before the pause.
    assert_eq!(
        paused(start, "24 hours", &open).map(|d| d.value),
        Some(bj(2020, 11, 6, 9, 0))
    );
    let late = [(bj(2020, 11, 20, 9, 0), None)];
    assert_eq!(
        paused(start, "3 working days", &late).map(|d| d.value),
        Some(bj(2020, 11, 10, 17, 30))
    );
}

#[test]
fn working_time_measures_time_left_and_overdue() {
    let due = bj(2020, 11, 10, 17, 30);
    let between = |a, b| working_time_between(a, b, &cal(), &WorkingHours::default());
    assert_eq!(
        between(bj(2020, 11, 9, 15, 30), due),
        Reckoned::covered(TimeDelta::hours(9))
    );
    assert_eq!(
        between(bj(2020, 11, 11, 10, 0), due).value,
        -TimeDelta::hours(1)
    );
    // Over the National Day week only 9 and 10 October count.
    assert_eq!(
        between(bj(2020, 9, 30, 17, 30), bj(2020, 10, 11, 0, 0)).value,
        TimeDelta::hours(14)
    );
    assert_eq!(between(due, due).value, TimeDelta::zero());
}

#[test]
fn beyond_the_covered_years_weekdays_are_assumed_and_flagged() {
    // Thursday 31 December 2026, 1 working day: Friday 1 January 2027 is
    // assumed a working day until the 2027 notice is loaded.
    let start = bj(2026, 12, 31, 10, 0);
    let assumed = due_of(start, "1 working day");
    assert_eq!(assumed.value, bj(2027, 1, 1, 17, 30));
    assert!(!assumed.covered);
    let with_2027 = cal()
        .extended_with(
            r#"{"years": {"2027": {"holidays": [
                {"date": "2027-01-01", "name": "元旦"},
                {"date": "2027-01-02", "name": "元旦"},
                {"date": "2027-01-03", "name": "元旦"}]}}}"#,
        )
        .unwrap();
    let known = due(
        start,
        TimeLimit::WorkingDays(1),
        &with_2027,
        &WorkingHours::default(),
    );
    assert_eq!(known, Reckoned::covered(bj(2027, 1, 4, 17, 30)));
    assert!(
        !working_time_between(
            start,
            bj(2027, 1, 5, 0, 0),
            &cal(),
            &WorkingHours::default()
        )
        .covered
    );
}

#[test]
fn other_office_hours_and_offsets() {
    let hours = WorkingHours::parse("08:00-12:00, 14:00-18:00").unwrap();
    let start = bj(2020, 11, 5, 17, 0);
    let due = due(start, TimeLimit::WorkingHours(2), &cal(), &hours);
    assert_eq!(due.value, bj(2020, 11, 6, 9, 0));
    // The same local hours one hour west of Beijing end an hour later in UTC.
    let west = hours.at_offset(FixedOffset::east_opt(7 * 3600).unwrap());
    let later = super::due(start, TimeLimit::SameDay, &cal(), &west);
    assert_eq!(later.value, bj(2020, 11, 5, 19, 0));
}
