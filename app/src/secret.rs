//! `Secret`: a password or token passing through a request type, never printed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A password or token in a request or response type. On the wire it is a plain string;
/// `Debug` (which `#[server]` and `tracing` reach for) shows `[redacted]`, so a logged
/// request never carries it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text itself, for the one call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_a_plain_string_on_the_wire_and_redacted_in_debug() {
        let secret: Secret = serde_json::from_str("\"hunter2 hunter2\"").unwrap();
        assert_eq!(secret.expose(), "hunter2 hunter2");
        assert_eq!(
            serde_json::to_string(&secret).unwrap(),
            "\"hunter2 hunter2\""
        );
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret:#?}"), "[redacted]");
    }
}
