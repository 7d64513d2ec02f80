//! UTC days: the counter's unit of history, of unique visitors and of salts.
//! Pure functions of a time; the clock itself is injected ([`Clock`]).

use std::sync::Arc;

use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

/// The current time. Tests pin it; the Lambda uses the system clock.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The system clock, in UTC.
pub fn system_clock() -> Clock {
    Arc::new(OffsetDateTime::now_utc)
}

/// The UTC date of `now`.
pub fn utc_date(now: OffsetDateTime) -> Date {
    now.to_offset(UtcOffset::UTC).date()
}

/// `YYYY-MM-DD` of `now` in UTC.
pub fn day_of(now: OffsetDateTime) -> String {
    date_text(utc_date(now))
}

/// `YYYY-MM-DD` of `date`.
pub fn date_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The `days` days that end with `last`, as `YYYY-MM-DD`, oldest first.
pub fn days_ending(last: Date, days: u16) -> Vec<String> {
    let mut dates = Vec::with_capacity(usize::from(days));
    let mut date = last;
    for _ in 0..days {
        dates.push(date_text(date));
        date = date.previous_day().unwrap_or(date);
    }
    dates.reverse();
    dates
}

/// The end of the UTC day after `now`'s, in epoch seconds: when something
/// that must outlive its own day (a seen-today marker, a day's salt) may go,
/// whatever TTL's delay.
pub fn end_of_next_day(now: OffsetDateTime) -> i64 {
    let midnight = now.to_offset(UtcOffset::UTC).replace_time(Time::MIDNIGHT);
    (midnight + Duration::days(2)).unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn days_are_utc_and_listed_oldest_first() {
        let t = datetime!(2025-03-09 23:30 -02:00); // 01:30 UTC on the 10th
        assert_eq!(day_of(t), "2025-03-10");
        assert_eq!(
            end_of_next_day(t),
            datetime!(2025-03-12 00:00 UTC).unix_timestamp()
        );
        assert_eq!(date_text(date!(2025 - 01 - 02)), "2025-01-02");
        assert_eq!(
            days_ending(date!(2025 - 03 - 01), 3),
            ["2025-02-27", "2025-02-28", "2025-03-01"]
        );
        assert!(days_ending(date!(2025 - 03 - 01), 0).is_empty());
    }
}
