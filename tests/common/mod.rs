//! Test harness shared by the domain and store suites: a real database (a fresh SQLite
//! file, or a fresh PostgreSQL database on the server `TEST_DATABASE_URL` names), a session
//! service on a clock the test controls, and the device contexts tests sign in from.

#![allow(dead_code)]

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use signedin::{
    ClientHints, DeviceContext, DeviceLabeler, FixedClock, Geo, Policy, RateLimiter, RateLimits,
    ServiceParts, SessionService, Store, StoreOptions, Timestamp,
};
#[path = "../support/postgres.rs"]
pub mod postgres;
#[path = "../support/stores.rs"]
pub mod stores;

pub use stores::TestDb;

pub const PASSWORD: &str = "correct horse battery staple";
pub const SECRET: &str = "test secret, long enough for HMAC-SHA256 keys";

/// The rules compiled once per test binary: building them takes a while.
pub fn labeler() -> Arc<DeviceLabeler> {
    static LABELER: std::sync::OnceLock<Arc<DeviceLabeler>> = std::sync::OnceLock::new();
    LABELER
        .get_or_init(|| Arc::new(DeviceLabeler::new().expect("uap rules")))
        .clone()
}

/// The geolocation databases the set-up installs, when present (never the server's
/// SIGNEDIN_GEOIP_DIR: an ambient setting must not change what the tests test).
pub fn geo() -> Arc<Geo> {
    static GEO: std::sync::OnceLock<Arc<Geo>> = std::sync::OnceLock::new();
    GEO.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geo");
        Arc::new(Geo::open_dir(&dir).expect("readable geo databases"))
    })
    .clone()
}

/// Geo-dependent tests run whenever the database is installed; `make test` installs it and
/// sets SIGNEDIN_REQUIRE_GEO=1 so a missing database fails instead of skipping.
pub fn geo_or_skip(test: &str) -> Option<Arc<Geo>> {
    let geo = geo();
    if geo.is_empty() {
        assert!(
            std::env::var("SIGNEDIN_REQUIRE_GEO").is_err(),
            "{test}: SIGNEDIN_REQUIRE_GEO is set but no geolocation database is installed"
        );
        eprintln!("{test}: skipped, no geolocation database in data/geo");
        return None;
    }
    Some(geo)
}

/// A session service on `db`, with a clock that stands still until the test moves it.
pub struct Harness {
    pub service: SessionService,
    pub clock: Arc<FixedClock>,
    pub store: Store,
}

pub const START: i64 = 1_790_000_000;

impl Harness {
    pub async fn new(db: &TestDb) -> Self {
        Self::with(
            db,
            Policy::default(),
            RateLimits::off(),
            Arc::new(Geo::empty()),
        )
        .await
    }

    pub async fn with(db: &TestDb, policy: Policy, limits: RateLimits, geo: Arc<Geo>) -> Self {
        let store = Store::connect(&db.url, &StoreOptions::default())
            .await
            .expect("store");
        let clock = Arc::new(FixedClock::new(Timestamp::from_unix_seconds(START)));
        let key = SessionService::resolve_key(&store, Some(SECRET), clock_now(&clock))
            .await
            .expect("key");
        let service = SessionService::new(ServiceParts {
            store: store.clone(),
            clock: clock.clone(),
            policy,
            key,
            access_tokens: Default::default(),
            labeler: labeler(),
            geo,
            limiter: RateLimiter::new(limits),
        })
        .expect("service");
        Self {
            service,
            clock,
            store,
        }
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub async fn account(&self, email: &str) -> String {
        self.service
            .sign_up(email, PASSWORD, &device(MAC_CHROME, "203.0.113.10"))
            .await
            .expect("sign up")
    }

    pub async fn sign_in(&self, email: &str, device: &DeviceContext) -> signedin::SignedIn {
        self.service
            .sign_in(email, PASSWORD, device)
            .await
            .expect("sign in")
    }
}

fn clock_now(clock: &FixedClock) -> Timestamp {
    use signedin::Clock;
    clock.now()
}

pub const MAC_CHROME: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

pub fn device(user_agent: &str, ip: &str) -> DeviceContext {
    DeviceContext::new(
        user_agent,
        ip.parse::<IpAddr>().expect("ip"),
        ClientHints::default(),
    )
}

/// Runs each named test body on SQLite and on PostgreSQL (see `stores::run_on_both_stores!`).
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        $crate::run_on_both_stores!($crate::common::TestDb; $($name),*);
    };
}
