//! Reading Server-Sent Events from a streaming response, for the live-stream tests (shared
//! with the faults suite through `#[path]`).

#![allow(dead_code)]

use std::time::Duration;

use reqwest::Response;
use serde_json::Value;

/// One event block: its fields as sent (`event`, `id`, `data`, `retry`), or a comment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub id: Option<String>,
    pub data: Option<String>,
    pub retry: Option<u64>,
    pub comment: bool,
}

impl SseEvent {
    pub fn name(&self) -> &str {
        self.event.as_deref().unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(self.data.as_deref().unwrap_or("null")).expect("JSON data")
    }
}

/// What came next on the stream.
#[derive(Debug, PartialEq)]
pub enum Next {
    Event(SseEvent),
    /// The server ended the stream.
    Ended,
    /// Nothing within the time given.
    Quiet,
}

pub struct SseStream {
    response: Response,
    buffer: String,
}

impl SseStream {
    pub fn new(response: Response) -> Self {
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next block of any kind (heartbeat comments and the `retry` hint included).
    pub async fn next_block(&mut self, within: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Next::Event(parse_block(&block));
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return Next::Quiet,
                Ok(Ok(Some(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(Ok(None)) | Ok(Err(_)) => return Next::Ended,
            }
        }
    }

    /// The next named event (`change`, `touch`, `resync`, `signed_out`), skipping heartbeats
    /// and the `retry` hint.
    pub async fn next_event(&mut self, within: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_block(left).await {
                Next::Event(event) if event.event.is_none() => continue,
                other => return other,
            }
        }
    }

    /// The next named event, which must come within `within`.
    pub async fn expect_event(&mut self, within: Duration) -> SseEvent {
        match self.next_event(within).await {
            Next::Event(event) => event,
            other => panic!("expected an event within {within:?}, got {other:?}"),
        }
    }
}

impl SseStream {
    /// Drops what arrives within `quiet`: on PostgreSQL a change committed just before the
    /// stream opened may still be on its way through `NOTIFY`.
    pub async fn settle(&mut self, quiet: Duration) {
        while let Next::Event(event) = self.next_event(quiet).await {
            assert_eq!(
                event.name(),
                "change",
                "only stale changes settle: {event:?}"
            );
        }
    }

    /// The next event named `name`, skipping changes told before it (see `settle`).
    pub async fn expect_named(&mut self, name: &str, within: Duration) -> SseEvent {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.expect_event(left).await;
            if event.name() == name {
                return event;
            }
            assert_eq!(event.name(), "change", "expected {name}, got {event:?}");
        }
    }
}

fn parse_block(block: &str) -> SseEvent {
    let mut event = SseEvent::default();
    for line in block.lines().filter(|line| !line.is_empty()) {
        if line.starts_with(':') {
            event.comment = true;
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
        match field {
            "event" => event.event = Some(value),
            "id" => event.id = Some(value),
            "data" => event.data = Some(value),
            "retry" => event.retry = value.parse().ok(),
            _ => {}
        }
    }
    event
}
