//! Answers written while they are read from the database: a JSON export, a CSV of a whole
//! list. The rows are read on the blocking pool inside one read-only, repeatable-read
//! transaction (one consistent snapshot) a page at a time, and handed to the response through a
//! small bounded channel, so memory stays the same however long the answer is and a slow
//! client slows the reading down (one that reads nothing for a minute is given up). A failure
//! half-way ends the answer with an error, so that the client sees it broken off rather than
//! complete, and is logged.

use crate::error::ApiError;
use actix_web::web::Bytes;
use futures_util::Stream;
use samspill_persistence::{DbPool, PgConnection, RepoError};
use tokio::sync::mpsc;

/// Bytes gathered before they are handed to the response.
const CHUNK: usize = 32 * 1024;
/// Chunks waiting for the client at most.
const QUEUE: usize = 4;
/// How long a client may read nothing before the answer is given up (and its database
/// connection and snapshot released).
const STALL: std::time::Duration = std::time::Duration::from_secs(60);

/// Why writing stopped early.
#[derive(Debug)]
pub enum Stop {
    /// The client went away; nothing to report.
    ClientGone,
    /// Reading failed.
    Failed(String),
}

impl From<diesel::result::Error> for Stop {
    fn from(error: diesel::result::Error) -> Self {
        Stop::Failed(RepoError::from(error).to_string())
    }
}

impl From<RepoError> for Stop {
    fn from(error: RepoError) -> Self {
        Stop::Failed(error.to_string())
    }
}

impl From<ApiError> for Stop {
    fn from(error: ApiError) -> Self {
        Stop::Failed(error.to_string())
    }
}

/// The answer being written: text gathered into chunks, each handed on once full.
pub struct Out {
    buffer: String,
    to: mpsc::Sender<Result<Bytes, std::io::Error>>,
    runtime: tokio::runtime::Handle,
}

impl Out {
    /// Adds `text`; waits while the client has not read the chunks before.
    pub fn push(&mut self, text: &str) -> Result<(), Stop> {
        self.buffer.push_str(text);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stop> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            String::with_capacity(CHUNK * 2),
        ));
        match self
            .runtime
            .block_on(tokio::time::timeout(STALL, self.to.send(Ok(chunk))))
        {
            Ok(Ok(())) => Ok(()),
            // Gone, or reading nothing for a minute.
            Ok(Err(_)) | Err(_) => Err(Stop::ClientGone),
        }
    }
}

/// The answer `write` writes, as a stream of bytes; `what` names it in the log.
pub fn stream<F>(
    pool: DbPool,
    what: &'static str,
    write: F,
) -> impl Stream<Item = Result<Bytes, std::io::Error>>
where
    F: FnOnce(&mut PgConnection, &mut Out) -> Result<(), Stop> + Send + 'static,
{
    let (to, from) = mpsc::channel(QUEUE);
    let runtime = tokio::runtime::Handle::current();
    // Set once the whole answer is handed on: a stream that ends without it was cut short, and
    // ends in an error, so that the client sees the answer broken off, not complete.
    let complete = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = complete.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = Out {
            buffer: String::with_capacity(CHUNK * 2),
            to: to.clone(),
            runtime,
        };
        let written = pool
            .get()
            .map_err(|e| Stop::from(RepoError::from(e)))
            .and_then(|mut conn| {
                conn.build_transaction()
                    .read_only()
                    .repeatable_read()
                    .run(|conn| write(conn, &mut out))
            })
            .and_then(|()| out.flush());
        match written {
            Ok(()) => finished.store(true, std::sync::atomic::Ordering::Release),
            Err(Stop::Failed(error)) => {
                tracing::error!(%error, what, "a streamed answer stopped half-way");
            }
            Err(Stop::ClientGone) => {}
        }
    });
    futures_util::stream::unfold(Some(from), move |from| {
        let complete = complete.clone();
        async move {
            let mut from = from?;
            match from.recv().await {
                Some(item) => Some((item, Some(from))),
                None if complete.load(std::sync::atomic::Ordering::Acquire) => None,
                None => Some((
                    Err(std::io::Error::other("the answer stopped half-way")),
                    None,
                )),
            }
        }
    })
}
