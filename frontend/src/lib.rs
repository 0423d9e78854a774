//! The hydrate entry: wakes the server-rendered page up in the browser. Only the interactive islands of each page (`#[island]` in the app crate) are compiled into
//! the bundle and hydrated; everything else stays plain server-rendered HTML.

// Links the islands in: each one registers itself for `hydrate_islands` to find.
#[allow(unused_imports)]
use app::*;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}
