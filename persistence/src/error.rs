//! The one error repositories return, with database failures sorted by what the caller can do.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use samspill_domain::ParseError;

/// Why a repository call failed.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// No such row in the caller's scope.
    #[error("not found")]
    NotFound,
    /// The caller's `If-Match` version is not the stored one.
    #[error("version mismatch: stored version is {current}")]
    VersionMismatch {
        /// The version now stored.
        current: i32,
    },
    /// A unique constraint refused the write.
    #[error("conflicts with an existing row ({constraint})")]
    Duplicate {
        /// The constraint's name.
        constraint: String,
    },
    /// A foreign key refused the write: something refers to this row, or it refers to nothing.
    #[error("reference constraint {constraint}")]
    Reference {
        /// The constraint's name.
        constraint: String,
    },
    /// Domain rules refused the change: each field path with what is wrong.
    #[error("invalid: {0:?}")]
    Invalid(Vec<(String, ParseError)>),
    /// The database cannot be reached right now.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a corrupt row. Logged, never shown.
    #[error("database error: {0}")]
    Internal(String),
}

impl From<DieselError> for RepoError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => RepoError::NotFound,
            DieselError::DatabaseError(kind, info) => {
                let constraint = info.constraint_name().unwrap_or("unknown").to_owned();
                match kind {
                    DatabaseErrorKind::UniqueViolation => RepoError::Duplicate { constraint },
                    DatabaseErrorKind::ForeignKeyViolation => RepoError::Reference { constraint },
                    DatabaseErrorKind::ClosedConnection
                    | DatabaseErrorKind::UnableToSendCommand => {
                        RepoError::Unavailable(info.message().to_owned())
                    }
                    DatabaseErrorKind::SerializationFailure => {
                        RepoError::Unavailable("concurrent transaction, try again".to_owned())
                    }
                    // Two transactions waited for each other and PostgreSQL broke the tie: the
                    // request that lost may simply be sent again.
                    _ if info.message().starts_with("deadlock detected") => RepoError::Unavailable(
                        "deadlock with a concurrent change, try again".to_owned(),
                    ),
                    // A date, time or number the column cannot hold (SQLSTATE 22008, 22003):
                    // the input's fault. Routes check their ranges first; this names the value
                    // when one slipped through.
                    _ if info.message().contains("out of range")
                        || info.message().starts_with("numeric field overflow") =>
                    {
                        RepoError::invalid(
                            "body",
                            ParseError::new(
                                "out_of_range",
                                "a date, time or number is outside what can be stored",
                            ),
                        )
                    }
                    _ => RepoError::Internal(format!("{kind:?}: {}", info.message())),
                }
            }
            DieselError::BrokenTransactionManager => {
                RepoError::Unavailable("connection lost during a transaction".to_owned())
            }
            other => RepoError::Internal(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for RepoError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        RepoError::Unavailable(error.to_string())
    }
}

impl RepoError {
    /// One field refused by a rule.
    pub fn invalid(field: &str, error: ParseError) -> Self {
        RepoError::Invalid(vec![(field.to_owned(), error)])
    }
}

/// A stored value that no longer parses: the row was written around the domain rules.
pub(crate) fn corrupt(what: &str, error: impl std::fmt::Display) -> RepoError {
    RepoError::Internal(format!("stored {what} does not parse: {error}"))
}
