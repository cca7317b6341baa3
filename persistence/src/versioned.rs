//! Optimistic concurrency: every mutable row has a version that each change raises.

use crate::error::RepoError;

/// Refuses a change made against another version than the one stored.
pub fn check_version(current: i32, expected: Option<i32>) -> Result<(), RepoError> {
    match expected {
        Some(expected) if expected != current => Err(RepoError::VersionMismatch { current }),
        _ => Ok(()),
    }
}
