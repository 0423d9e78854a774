//! An unknown email costs the same as a wrong password: both run one argon2id verification,
//! so the answer's timing does not tell whether an account exists. Checked statistically
//! and tolerantly: skipping the hash for unknown emails would make them about a hundred
//! times faster, far outside the bound, while scheduling noise stays well inside it.

mod common;

use std::time::{Duration, Instant};

use common::{Harness, MAC_CHROME, TestDb, device};
use signedin::DomainError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_email_costs_the_same_as_a_wrong_password() {
    let db = TestDb::sqlite();
    let h = Harness::new(&db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "203.0.113.10");
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    // Interleaved, so drift in the machine's load hits both alike.
    for round in 0..24 {
        for (email, times) in [
            ("nobody@example.com", &mut unknown),
            ("ada@example.com", &mut wrong),
        ] {
            let started = Instant::now();
            let answer = h.service.sign_in(email, "not the password", &mac).await;
            let elapsed = started.elapsed();
            assert!(matches!(answer, Err(DomainError::InvalidCredentials)));
            // The first rounds warm caches and the hasher's threads.
            if round >= 4 {
                times.push(elapsed);
            }
        }
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (unknown, wrong) = (median(&mut unknown), median(&mut wrong));
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    eprintln!("median unknown email {unknown:?}, wrong password {wrong:?}, ratio {ratio:.2}");
    assert!(
        (0.5..=2.0).contains(&ratio),
        "unknown email {unknown:?} against wrong password {wrong:?}"
    );
    db.finish().await;
}
