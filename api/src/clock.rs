//! The service's clock. Everything that asks "what day is it" for a rule (clearance dates,
//! visits ahead, placements re-checked) reads it here, so tests can move it instead of waiting
//! for a date; in production it is the system clock.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// The system clock, moved by an offset that only tests set.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::microseconds(self.offset_micros.load(Ordering::Relaxed))
    }

    /// Today's date (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves the clock by `by` (tests only; every copy of this clock moves).
    pub fn advance(&self, by: TimeDelta) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advanced_clock_moves_every_copy() {
        let clock = Clock::system();
        let copy = clock.clone();
        let before = copy.today();
        clock.advance(TimeDelta::days(10));
        assert!(copy.today() >= before + chrono::Days::new(10));
    }
}
