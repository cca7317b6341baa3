//! Request bodies are read as sent, in time, and never beyond the configured size.
//!
//! - A body with a content coding (`Content-Encoding: gzip`, `zstd`, anything but `identity`)
//!   is refused with 415 before a byte of it is read: inflating it first would let a 60 KB
//!   request grow into gigabytes of memory, and no client of a JSON API needs to compress
//!   bodies of at most 64 KiB.
//! - A body must arrive within the body deadline (`SAMSPILL_BODY_TIMEOUT_SECONDS`), counted
//!   from the end of the headers; a client that trickles it in is answered 408 and
//!   disconnected, instead of holding a connection for as long as it likes.

use crate::error::ApiError;
use actix_web::{
    Error, HttpMessage,
    body::{BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    http::header::{self, HeaderMap},
    middleware::Next,
    web::{Bytes, BytesMut},
};
use futures_util::{Stream, StreamExt};
use std::{
    cell::{Cell, RefCell},
    future::Future,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
    time::Duration,
};
use tokio::time::{Instant, Sleep};

/// How long a request may take to send its body, shared with the middleware.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Duration);

/// Refuses bodies with a content coding; install with `actix_web::middleware::from_fn`.
pub async fn refuse_encoded_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if let Some(coding) = content_coding(req.headers()) {
        crate::metrics::refused("content_encoding");
        return Ok(req.error_response(ApiError::UnsupportedEncoding(coding)));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Puts the body deadline on the request body; install with `actix_web::middleware::from_fn`
/// outside every middleware that replaces answer bodies, so that the answer it marks reaches
/// the HTTP/1 layer as it left.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !has_body(req.headers()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let allowed = req
        .app_data::<BodyDeadline>()
        .map_or(Duration::from_secs(10), |d| d.0);
    let inner = Rc::new(RefCell::new(req.take_payload()));
    let progress = Rc::new(Cell::new(Progress::Reading));
    let timed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Deadline {
        inner: inner.clone(),
        deadline: Instant::now() + allowed,
        timer: None,
        progress: progress.clone(),
    });
    req.set_payload(Payload::Stream { payload: timed });
    let mut response = next.call(req).await?.map_into_boxed_body();
    if progress.get() == Progress::Expired {
        crate::metrics::refused("body_timeout");
    }
    if progress.get() != Progress::Done {
        // The body was cut off, or answered without being read. The HTTP/1 layer closes a
        // connection whose body is unread when the answer has gone out, but keeps reading
        // (and discarding) a chunked body that was dropped before, for as long as the client
        // trickles it. The answer holds on to the body until it is sent, so that the body
        // counts as unread and the connection is closed.
        response = response.map_body(|_, body| {
            BoxBody::new(Holding {
                body,
                _request_body: inner,
            })
        });
    }
    Ok(response)
}

/// An answer's body that keeps the request's unread body alive until it has been sent.
struct Holding {
    body: BoxBody,
    _request_body: Rc<RefCell<Payload>>,
}

impl MessageBody for Holding {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// The first content coding other than `identity`, if the request names one.
fn content_coding(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::CONTENT_ENCODING)
        .flat_map(|value| match value.to_str() {
            Ok(text) => text
                .split(',')
                .map(|coding| coding.trim().to_owned())
                .collect::<Vec<_>>(),
            Err(_) => vec!["(unreadable)".to_owned()],
        })
        .find(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
}

/// Whether the request announces a body (a transfer coding, or a length that is not zero).
fn has_body(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.to_str().map_or(true, |v| v.trim() != "0"))
}

/// How far a request body has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    /// Not to its end (or not at all).
    Reading,
    /// To its end.
    Done,
    /// Cut off at the deadline.
    Expired,
}

/// A body stream that fails once its deadline has passed.
struct Deadline {
    inner: Rc<RefCell<Payload>>,
    deadline: Instant,
    /// Started the first time the body is waited for, so fast bodies never arm a timer.
    timer: Option<Pin<Box<Sleep>>>,
    progress: Rc<Cell<Progress>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.progress.get() == Progress::Expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = this.inner.borrow_mut().poll_next_unpin(cx) {
            if item.is_none() {
                this.progress.set(Progress::Done);
            }
            return Poll::Ready(item);
        }
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(this.deadline)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.progress.set(Progress::Expired);
                Poll::Ready(Some(Err(timed_out())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The error a body stream ends with when its deadline has passed.
fn timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body did not arrive in time",
    ))
}

/// Whether a body-reading error is the deadline's.
pub fn is_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// Reads a whole body of at most `limit` bytes.
pub async fn read_limited(mut payload: Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| payload_error(&error, limit))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Maps a failure to read the body to its answer.
pub fn payload_error(error: &PayloadError, limit: usize) -> ApiError {
    match error {
        PayloadError::Overflow => ApiError::PayloadTooLarge(limit),
        error if is_timeout(error) => ApiError::RequestTimeout,
        _ => ApiError::BadRequest {
            detail: "The request body could not be read.".to_owned(),
            errors: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn any_coding_but_identity_is_named() {
        assert_eq!(content_coding(&headers(&[])), None);
        assert_eq!(
            content_coding(&headers(&[("content-encoding", "identity")])),
            None
        );
        assert_eq!(
            content_coding(&headers(&[("content-encoding", "gzip")])).as_deref(),
            Some("gzip")
        );
        assert_eq!(
            content_coding(&headers(&[("content-encoding", "identity, zstd")])).as_deref(),
            Some("zstd")
        );
        assert_eq!(
            content_coding(&headers(&[
                ("content-encoding", "identity"),
                ("content-encoding", "foo")
            ]))
            .as_deref(),
            Some("foo")
        );
    }

    #[test]
    fn only_requests_that_announce_a_body_have_one() {
        assert!(!has_body(&headers(&[])));
        assert!(!has_body(&headers(&[("content-length", "0")])));
        assert!(has_body(&headers(&[("content-length", "12")])));
        assert!(has_body(&headers(&[("transfer-encoding", "chunked")])));
    }

    #[actix_web::test]
    async fn a_body_that_does_not_arrive_in_time_fails_with_a_timeout() {
        let mut stream = Deadline {
            inner: Rc::new(RefCell::new(Payload::Stream {
                payload: Box::pin(futures_util::stream::pending()),
            })),
            deadline: Instant::now() + Duration::from_millis(20),
            timer: None,
            progress: Rc::new(Cell::new(Progress::Reading)),
        };
        let first = stream.next().await;
        assert!(matches!(&first, Some(Err(error)) if is_timeout(error)));
        assert!(stream.next().await.is_none());
    }
}
