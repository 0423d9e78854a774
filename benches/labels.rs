//! How fast, and at what memory cost, a user agent becomes "Chrome on macOS": our labeller
//! (the `ua-parser` crate plus naming), the raw `ua-parser` extraction, and the other Rust
//! implementation, `uaparser`, on the same uap-core rules. Also IP → location lookups.
//!
//! `cargo bench --bench labels` prints a Markdown table (see docs/BENCHMARKS.md).

use std::hint::black_box;
use std::time::{Duration, Instant};

use signedin::{ClientHints, DeviceLabeler, Geo};
use uaparser::Parser as _;

const RULES: &[u8] = include_bytes!("../src/data/uap-core/regexes.yaml");

const AGENTS: [&str; 12] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.40.97]",
    "curl/8.5.0",
    "asdf qwerty",
];

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Per-call latencies in nanoseconds of `f` over `inputs`, `rounds` times each.
fn measure(inputs: &[String], rounds: usize, mut f: impl FnMut(&str)) -> Vec<u64> {
    let mut times = Vec::with_capacity(inputs.len() * rounds);
    for _ in 0..rounds {
        for input in inputs {
            let started = Instant::now();
            f(input);
            times.push(started.elapsed().as_nanos() as u64);
        }
    }
    times.sort_unstable();
    times
}

fn row(name: &str, build: Duration, memory: f64, times: &[u64]) {
    let at =
        |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)] as f64 / 1000.0;
    let mean = times.iter().sum::<u64>() as f64 / times.len() as f64 / 1000.0;
    println!(
        "| {name} | {:.0} ms | {memory:.0} MiB | {mean:.1} | {:.1} | {:.1} | {:.1} |",
        build.as_secs_f64() * 1000.0,
        at(0.50),
        at(0.99),
        *times.last().unwrap() as f64 / 1000.0,
    );
}

/// Strings of up to 500 characters, from pieces of real user agents and punctuation.
fn random_inputs(count: usize) -> Vec<String> {
    let pieces: Vec<&str> = AGENTS.iter().flat_map(|a| a.split(' ')).collect();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let mut s = String::new();
            while s.len() < 500 {
                match next() % 4 {
                    0 => s.push_str(&"(;".repeat((next() % 20) as usize)),
                    1 => s.push_str(&format!(
                        "{}/{}.{} ",
                        pieces[(next() as usize) % pieces.len()],
                        next() % 200,
                        next() % 10
                    )),
                    _ => s.push_str(pieces[(next() as usize) % pieces.len()]),
                }
                s.push(' ');
            }
            s.chars().take(500).collect()
        })
        .collect()
}

fn main() {
    let real: Vec<String> = AGENTS.iter().map(|s| (*s).to_owned()).collect();
    let random = random_inputs(2_000);
    let hints = ClientHints::default();
    println!("| parser | build | memory | mean µs | p50 µs | p99 µs | max µs |");
    println!("|---|---:|---:|---:|---:|---:|---:|");

    let before = rss_mib();
    let started = Instant::now();
    let labeler = DeviceLabeler::new().unwrap();
    let (build, memory) = (started.elapsed(), rss_mib() - before);
    row(
        "signedin labeller (ua-parser 0.2 + names), real UAs",
        build,
        memory,
        &measure(&real, 2_000, |ua| {
            black_box(labeler.label(black_box(ua), &hints));
        }),
    );
    row(
        "signedin labeller, random 500-char inputs",
        build,
        memory,
        &measure(&random, 10, |ua| {
            black_box(labeler.label(black_box(ua), &hints));
        }),
    );

    let before = rss_mib();
    let started = Instant::now();
    let regexes: ua_parser::Regexes = serde_yaml_ng::from_slice(RULES).unwrap();
    let extractor = ua_parser::Extractor::try_from(regexes).unwrap();
    let (build, memory) = (started.elapsed(), rss_mib() - before);
    row(
        "ua-parser 0.2 extract only, real UAs",
        build,
        memory,
        &measure(&real, 2_000, |ua| {
            black_box(extractor.extract(black_box(ua)));
        }),
    );

    for (name, domain) in [("user agents", 0), ("OS", 1), ("devices", 2)] {
        let times = measure(&random, 5, |ua| match domain {
            0 => drop(black_box(extractor.ua.extract(black_box(ua)))),
            1 => drop(black_box(extractor.os.extract(black_box(ua)))),
            _ => drop(black_box(extractor.dev.extract(black_box(ua)))),
        });
        row(
            &format!("ua-parser 0.2 {name} only, random 500-char inputs"),
            build,
            memory,
            &times,
        );
    }

    let before = rss_mib();
    let started = Instant::now();
    let uap = uaparser::UserAgentParser::from_bytes(RULES).unwrap();
    let (build, memory) = (started.elapsed(), rss_mib() - before);
    row(
        "uaparser 0.6 (unicode on), real UAs",
        build,
        memory,
        &measure(&real, 200, |ua| {
            black_box(uap.parse(black_box(ua)));
        }),
    );
    row(
        "uaparser 0.6 (unicode on), random 500-char inputs",
        build,
        memory,
        &measure(&random[..200], 1, |ua| {
            black_box(uap.parse(black_box(ua)));
        }),
    );
    drop(uap);

    let before = rss_mib();
    let started = Instant::now();
    let uap = uaparser::UserAgentParser::builder()
        .with_unicode_support(false)
        .build_from_bytes(RULES)
        .unwrap();
    let (build, memory) = (started.elapsed(), rss_mib() - before);
    row(
        "uaparser 0.6 (unicode off), real UAs",
        build,
        memory,
        &measure(&real, 200, |ua| {
            black_box(uap.parse(black_box(ua)));
        }),
    );

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geo");
    let before = rss_mib();
    let started = Instant::now();
    let geo = Geo::open_dir(&dir).unwrap();
    let (build, memory) = (started.elapsed(), rss_mib() - before);
    if geo.is_empty() {
        println!("\n(no geolocation database in data/geo: run scripts/fetch-geo.sh)");
        return;
    }
    let mut state: u32 = 0x1234_5678;
    let addresses: Vec<String> = (0..5_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            std::net::Ipv4Addr::from(state).to_string()
        })
        .collect();
    println!("\n| location | open | memory | mean µs | p50 µs | p99 µs | max µs |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    row(
        "DB-IP city (mmap), random IPv4",
        build,
        memory,
        &measure(&addresses, 20, |ip| {
            black_box(geo.lookup_str(black_box(ip)));
        }),
    );
}
