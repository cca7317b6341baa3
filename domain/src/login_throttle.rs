//! Slowing down password guessing per account: every login attempt is counted before the
//! password is checked, a successful login forgets the count, and after a number of attempts
//! each further one must wait, longer each time.
//!
//! Attempts are counted by the name typed, whether or not an account has it, so that the
//! answer never tells a guesser which accounts exist.

use chrono::{DateTime, TimeDelta, Utc};

/// How many attempts are free and how long the waits grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Attempts without a wait; the attempt that reaches this count starts the first wait.
    pub free_attempts: u32,
    /// The first wait; each further attempt doubles it.
    pub first_delay: TimeDelta,
    /// The longest wait.
    pub max_delay: TimeDelta,
    /// Attempts older than this are forgotten.
    pub forget_after: TimeDelta,
}

/// What is known about one login name's recent attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    /// Attempts since the last success (or since they were forgotten).
    pub attempts: u32,
    /// When the last attempt was made.
    pub last_attempt_at: DateTime<Utc>,
    /// No attempt is taken before this moment.
    pub blocked_until: Option<DateTime<Utc>>,
}

/// The verdict on a new attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Check the password; store this state (a success forgets it again).
    Allowed(ThrottleState),
    /// Refused without looking at the password; try again in this many seconds (at least 1).
    Refused {
        /// Whole seconds to wait, rounded up.
        retry_after_seconds: i64,
    },
}

impl ThrottlePolicy {
    /// Decides an attempt at `now`, given what was stored before (`None`: nothing recent).
    pub fn attempt(&self, before: Option<ThrottleState>, now: DateTime<Utc>) -> Attempt {
        if let Some(until) = before.and_then(|state| state.blocked_until)
            && until > now
        {
            let wait = until - now;
            let seconds = wait.num_seconds() + i64::from(wait.subsec_nanos() > 0);
            return Attempt::Refused {
                retry_after_seconds: seconds.max(1),
            };
        }
        let earlier = before
            .filter(|state| now - state.last_attempt_at <= self.forget_after)
            .map_or(0, |state| state.attempts);
        let attempts = earlier.saturating_add(1);
        let blocked_until = (attempts >= self.free_attempts.max(1)).then(|| {
            let doublings = (attempts - self.free_attempts.max(1)).min(30);
            let delay = self
                .first_delay
                .checked_mul(1_i32 << doublings)
                .unwrap_or(self.max_delay)
                .min(self.max_delay);
            now + delay
        });
        Attempt::Allowed(ThrottleState {
            attempts,
            last_attempt_at: now,
            blocked_until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: ThrottlePolicy = ThrottlePolicy {
        free_attempts: 3,
        first_delay: TimeDelta::seconds(30),
        max_delay: TimeDelta::seconds(100),
        forget_after: TimeDelta::hours(24),
    };

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    /// Makes attempts at the given seconds, storing each allowed state; returns the verdicts.
    fn run(times: &[i64]) -> Vec<Attempt> {
        let mut state = None;
        times
            .iter()
            .map(|&t| {
                let verdict = POLICY.attempt(state, at(t));
                if let Attempt::Allowed(next) = verdict {
                    state = Some(next);
                }
                verdict
            })
            .collect()
    }

    #[test]
    fn attempts_below_the_threshold_wait_for_nothing() {
        let verdicts = run(&[0, 1]);
        assert!(verdicts.iter().all(|v| matches!(
            v,
            Attempt::Allowed(ThrottleState {
                blocked_until: None,
                ..
            })
        )));
    }

    #[test]
    fn the_attempt_reaching_the_threshold_starts_a_wait_that_refuses_the_next() {
        let verdicts = run(&[0, 1, 2, 3]);
        assert_eq!(
            verdicts[2],
            Attempt::Allowed(ThrottleState {
                attempts: 3,
                last_attempt_at: at(2),
                blocked_until: Some(at(32)),
            })
        );
        assert_eq!(
            verdicts[3],
            Attempt::Refused {
                retry_after_seconds: 29
            }
        );
    }

    #[test]
    fn each_attempt_after_a_wait_doubles_it_up_to_the_longest() {
        let verdicts = run(&[0, 1, 2, 40, 110, 300]);
        let waits: Vec<i64> = verdicts
            .iter()
            .zip([0, 1, 2, 40, 110, 300])
            .filter_map(|(v, t)| match v {
                Attempt::Allowed(ThrottleState {
                    blocked_until: Some(until),
                    ..
                }) => Some((*until - at(t)).num_seconds()),
                _ => None,
            })
            .collect();
        assert_eq!(waits, [30, 60, 100, 100]);
    }

    #[test]
    fn old_attempts_are_forgotten() {
        let day = 24 * 3600;
        let verdicts = run(&[0, 1, 2, day + 100]);
        assert!(matches!(
            verdicts[3],
            Attempt::Allowed(ThrottleState {
                attempts: 1,
                blocked_until: None,
                ..
            })
        ));
    }

    #[test]
    fn a_refused_attempt_does_not_lengthen_the_wait() {
        let verdicts = run(&[0, 1, 2, 10, 20, 31]);
        assert!(matches!(verdicts[3], Attempt::Refused { .. }));
        assert!(matches!(verdicts[4], Attempt::Refused { .. }));
        assert!(matches!(
            verdicts[5],
            Attempt::Refused {
                retry_after_seconds: 1
            }
        ));
    }
}
