//! IP address → location, against the DB-IP Lite databases the set-up installs (pinned
//! version 2.3.2026060513, so the expected places are exact), the country-only fallback,
//! and no database at all.

mod common;

use std::path::Path;

use signedin::{Geo, Location, Place};

fn place(city: Option<&str>, region: Option<&str>, code: &str, country: &str) -> Option<Location> {
    Some(Location::Place(Place {
        city: city.map(Into::into),
        region: region.map(Into::into),
        country_code: code.into(),
        country: Some(country.into()),
        city_names: Default::default(),
    }))
}

const LOCAL_ADDRESSES: [&str; 9] = [
    "127.0.0.1",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.0.1",
    "::1",
    "fe80::1",
    "fd12:3456::1",
];

#[test]
fn local_addresses_are_the_local_network_with_or_without_a_database() {
    let (empty, installed) = (Geo::empty(), common::geo());
    for geo in [&empty, &*installed] {
        for ip in LOCAL_ADDRESSES {
            assert_eq!(geo.lookup_str(ip), Some(Location::LocalNetwork), "{ip}");
        }
    }
}

#[test]
fn city_lookups_name_the_place_people_know() {
    let Some(geo) = common::geo_or_skip("city_lookups_name_the_place_people_know") else {
        return;
    };
    let cases = [
        (
            "8.8.8.8",
            place(
                Some("Mountain View"),
                Some("California"),
                "US",
                "United States",
            ),
        ),
        (
            "::ffff:8.8.8.8",
            place(
                Some("Mountain View"),
                Some("California"),
                "US",
                "United States",
            ),
        ),
        (
            "1.1.1.1",
            place(Some("Sydney"), Some("New South Wales"), "AU", "Australia"),
        ),
        (
            "81.2.69.142",
            place(Some("London"), Some("England"), "GB", "United Kingdom"),
        ),
        (
            "185.199.108.1",
            place(
                Some("San Francisco"),
                Some("California"),
                "US",
                "United States",
            ),
        ),
        (
            "193.99.144.80",
            place(Some("Hanover"), Some("Lower Saxony"), "DE", "Germany"),
        ),
        (
            "104.16.0.1",
            place(Some("Toronto"), Some("Ontario"), "CA", "Canada"),
        ),
        (
            "133.242.0.1",
            place(Some("Chiyoda City"), Some("Tokyo"), "JP", "Japan"),
        ),
        (
            "41.63.0.1",
            place(Some("Lusaka"), Some("Lusaka Province"), "ZM", "Zambia"),
        ),
        (
            "2a00:1450:4001::1",
            place(Some("Frankfurt am Main"), Some("Hesse"), "DE", "Germany"),
        ),
        (
            "2606:4700:4700::1111",
            place(Some("Montreal"), Some("Quebec"), "CA", "Canada"),
        ),
        ("203.0.113.9", None),
        ("240.0.0.1", None),
        ("2001:db8::1", None),
    ];
    for (ip, expected) in cases {
        assert_eq!(geo.lookup_str(ip), expected, "{ip}");
    }
    assert_eq!(
        geo.lookup_str("185.199.108.1").unwrap().describe(),
        "San Francisco, US"
    );
    assert!(geo.needs_dbip_attribution());
}

#[test]
fn a_country_only_database_still_names_the_country() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geo-country");
    let geo = Geo::open_dir(&dir).expect("readable");
    if geo.is_empty() {
        assert!(
            std::env::var("SIGNEDIN_REQUIRE_GEO").is_err(),
            "no country database in data/geo-country"
        );
        eprintln!("skipped: no country database in data/geo-country");
        return;
    }
    let germany = geo.lookup_str("2a00:1450:4001::1").expect("a country");
    assert_eq!(germany, place(None, None, "DE", "Germany").unwrap());
    assert_eq!(germany.describe(), "Germany");
    assert_eq!(
        geo.lookup_str("8.8.8.8").unwrap().describe(),
        "United States"
    );
    assert_eq!(geo.lookup_str("192.168.1.1"), Some(Location::LocalNetwork));
    assert_eq!(geo.lookup_str("203.0.113.9"), None);
}

#[test]
fn a_missing_directory_is_an_empty_database_not_an_error() {
    let geo = Geo::open_dir(Path::new("/nonexistent/signedin-geo")).expect("no error");
    assert!(geo.is_empty());
    assert_eq!(geo.lookup_str("8.8.8.8"), None);
}

#[test]
fn a_corrupt_database_file_is_an_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.mmdb"), b"not a database").unwrap();
    let error = Geo::open_dir(dir.path()).unwrap_err();
    assert!(error.contains("broken.mmdb"), "{error}");
}
