//! Where a live window's counts come from. A window is the `minutes` before an evaluation, to
//! the evaluation itself; the rollups count whole hours and whole days, so a window is cut into
//! whole hours (up to 48 hours, which is how long hourly rollups are kept) or whole days with
//! whole hours after them, and the ragged ends are counted from the scores themselves (each end
//! under an hour, or under a day for the start of a window of days). So every window counts
//! exactly its own minutes, as the backtest does.

use chrono::{DateTime, Duration, DurationRound, Utc};

/// How long hourly rollups are kept; longer windows use daily ones.
pub const HOURLY_MINUTES: i64 = 48 * 60;

/// A part of a window: a half-open range `[from, to)` and where to count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Scores { from: DateTime<Utc>, to: DateTime<Utc> },
    Hours { from: DateTime<Utc>, to: DateTime<Utc> },
    Days { from: DateTime<Utc>, to: DateTime<Utc> },
}

fn floor(t: DateTime<Utc>, unit: Duration) -> DateTime<Utc> {
    t.duration_trunc(unit).unwrap_or(t)
}

fn ceil(t: DateTime<Utc>, unit: Duration) -> DateTime<Utc> {
    let down = floor(t, unit);
    if down == t {
        t
    } else {
        down + unit
    }
}

/// The parts of the window of `minutes` ending at `now` (included), in time order, none empty.
pub fn parts(now: DateTime<Utc>, minutes: i64) -> Vec<Part> {
    let start = now - Duration::minutes(minutes);
    // `now` is in the window: the last range ends just after it.
    let end = now + Duration::microseconds(1);
    let (hour, day) = (Duration::hours(1), Duration::days(1));
    let mut cuts: Vec<Part> = Vec::new();
    let last_hour = floor(now, hour);
    if minutes < 60 || ceil(start, hour) >= last_hour {
        cuts.push(Part::Scores { from: start, to: end });
    } else if minutes <= HOURLY_MINUTES {
        let first_hour = ceil(start, hour);
        cuts.push(Part::Scores {
            from: start,
            to: first_hour,
        });
        cuts.push(Part::Hours {
            from: first_hour,
            to: last_hour,
        });
        cuts.push(Part::Scores {
            from: last_hour,
            to: end,
        });
    } else {
        let (first_day, last_day) = (ceil(start, day), floor(now, day));
        cuts.push(Part::Scores {
            from: start,
            to: first_day,
        });
        cuts.push(Part::Days {
            from: first_day,
            to: last_day,
        });
        cuts.push(Part::Hours {
            from: last_day,
            to: last_hour,
        });
        cuts.push(Part::Scores {
            from: last_hour,
            to: end,
        });
    }
    cuts.retain(|part| {
        let (Part::Scores { from, to } | Part::Hours { from, to } | Part::Days { from, to }) = *part;
        from < to
    });
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }

    fn end(t: DateTime<Utc>) -> DateTime<Utc> {
        t + Duration::microseconds(1)
    }

    #[test]
    fn short_windows_and_windows_within_an_hour_boundary_count_scores() {
        assert_eq!(
            parts(at(25, 12, 1), 30),
            vec![Part::Scores {
                from: at(25, 11, 31),
                to: end(at(25, 12, 1))
            }]
        );
        // 60 minutes at 12:01 spans 11:01..12:01: no whole hour inside.
        assert_eq!(
            parts(at(25, 12, 1), 60),
            vec![Part::Scores {
                from: at(25, 11, 1),
                to: end(at(25, 12, 1))
            }]
        );
    }

    #[test]
    fn hour_windows_are_whole_hours_between_two_ragged_ends() {
        // 3 hours at 12:20: 09:20..10:00 from scores, 10:00..12:00 from hours, 12:00..12:20 from scores.
        assert_eq!(
            parts(at(25, 12, 20), 180),
            vec![
                Part::Scores {
                    from: at(25, 9, 20),
                    to: at(25, 10, 0)
                },
                Part::Hours {
                    from: at(25, 10, 0),
                    to: at(25, 12, 0)
                },
                Part::Scores {
                    from: at(25, 12, 0),
                    to: end(at(25, 12, 20))
                },
            ]
        );
        // On the hour there is no ragged start.
        assert_eq!(
            parts(at(25, 12, 0), 120),
            vec![
                Part::Hours {
                    from: at(25, 10, 0),
                    to: at(25, 12, 0)
                },
                Part::Scores {
                    from: at(25, 12, 0),
                    to: end(at(25, 12, 0))
                },
            ]
        );
    }

    #[test]
    fn day_windows_are_whole_days_then_whole_hours_between_ragged_ends() {
        // 3 days at the 25th 12:20: from the 22nd 12:20.
        assert_eq!(
            parts(at(25, 12, 20), 3 * 1440),
            vec![
                Part::Scores {
                    from: at(22, 12, 20),
                    to: at(23, 0, 0)
                },
                Part::Days {
                    from: at(23, 0, 0),
                    to: at(25, 0, 0)
                },
                Part::Hours {
                    from: at(25, 0, 0),
                    to: at(25, 12, 0)
                },
                Part::Scores {
                    from: at(25, 12, 0),
                    to: end(at(25, 12, 20))
                },
            ]
        );
        // Every part is contiguous and the whole covers exactly the window.
        for minutes in [5, 59, 60, 61, 119, 2879, 2880, 2881, 10080] {
            let now = at(25, 7, 43);
            let cut = parts(now, minutes);
            let bounds = |p: &Part| match *p {
                Part::Scores { from, to } | Part::Hours { from, to } | Part::Days { from, to } => (from, to),
            };
            assert_eq!(bounds(&cut[0]).0, now - Duration::minutes(minutes), "{minutes}");
            assert_eq!(bounds(cut.last().unwrap()).1, end(now), "{minutes}");
            assert!(
                cut.windows(2).all(|w| bounds(&w[0]).1 == bounds(&w[1]).0),
                "{minutes}: {cut:?}"
            );
        }
    }
}
