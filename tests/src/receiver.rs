//! A webhook receiver on a loopback port: it records every request and answers with the statuses
//! a test scripts (then 200), so tests see exactly what the service sent.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, dev::ServerHandle, web};
use std::{
    collections::VecDeque,
    net::TcpListener,
    sync::{Arc, Mutex},
    time::Duration,
};

/// One request the receiver got, and what it answered.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// The status answered.
    pub status: u16,
}

impl Received {
    /// The value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<(u16, Option<String>)>,
    received: Vec<Received>,
}

/// A running receiver; stopped when dropped.
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hooks`.
    pub url: String,
    state: Arc<Mutex<State>>,
    handle: ServerHandle,
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let Ok(mut state) = state.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    let (status, retry_after) = state.script.pop_front().unwrap_or((200, None));
    state.received.push(Received {
        headers: request
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        status,
    });
    let mut response = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    );
    if let Some(retry_after) = retry_after {
        response.insert_header(("Retry-After", retry_after));
    }
    response.finish()
}

impl Receiver {
    /// Starts a receiver on a free loopback port.
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = web::Data::new(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap_or_else(|e| panic!("listen: {e}"))
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hooks"),
            state,
            handle,
        }
    }

    /// Answers the next requests with `statuses`, in order; 200 after them.
    pub fn answer_with(&self, statuses: &[u16]) {
        if let Ok(mut state) = self.state.lock() {
            state.script.extend(statuses.iter().map(|s| (*s, None)));
        }
    }

    /// Answers the next request with `status` and a `Retry-After` header.
    pub fn answer_with_retry_after(&self, status: u16, retry_after: &str) {
        if let Ok(mut state) = self.state.lock() {
            state
                .script
                .push_back((status, Some(retry_after.to_owned())));
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state
            .lock()
            .map(|state| state.received.clone())
            .unwrap_or_default()
    }

    /// Waits (up to 20 seconds) until at least `count` requests have arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let received = self.received();
        panic!(
            "expected {count} webhook requests, got {}: {received:?}",
            received.len()
        );
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
