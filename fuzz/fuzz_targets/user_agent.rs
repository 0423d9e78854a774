//! Any user agent and Client Hints: labelling never panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use signedin::{ClientHints, DeviceLabeler};

fn labeler() -> &'static DeviceLabeler {
    static LABELER: OnceLock<DeviceLabeler> = OnceLock::new();
    LABELER.get_or_init(|| DeviceLabeler::new().expect("rules"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(6, '\n');
    let user_agent = parts.next().unwrap_or_default();
    let hints = ClientHints::from_headers(parts.next(), parts.next(), parts.next(), parts.next(), parts.next());
    let label = labeler().label(user_agent, &hints);
    assert!(!label.label.is_empty());
});
