//! IP address → `Location`, from MaxMind-format databases on this machine (DB-IP Lite by
//! default, MaxMind GeoLite2/GeoIP2 City if the operator provides it). Never a network call.

mod country;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{Mmap, Reader};

use crate::i18n::{self, Lang};
use serde::{Deserialize, Serialize};

pub use country::country_name;

/// A place on the map, as precise as the database knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub city: Option<String>,
    pub region: Option<String>,
    pub country_code: String,
    pub country: Option<String>,
    /// The city in the page's other languages, by tag ("de" → "München"), when the database
    /// names it so (MaxMind's schema does; DB-IP Lite names cities once).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub city_names: BTreeMap<String, String>,
}

/// Where a session's address points.
// Stored as JSON beside each refresh token ("local_network" or {"place": {…}}): the names
// are part of the schema, never renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// Loopback, private, CGNAT, link-local: the address says nothing about a place.
    LocalNetwork,
    Place(Place),
}

impl Location {
    /// "San Francisco, US"; "Germany" when the city is unknown; "Local network".
    pub fn describe(&self) -> String {
        match self {
            Location::LocalNetwork => "Local network".into(),
            Location::Place(place) => match (&place.city, &place.country) {
                (Some(city), _) => format!("{city}, {}", place.country_code),
                (None, Some(country)) => country.clone(),
                (None, None) => place.country_code.clone(),
            },
        }
    }

    /// Where, in `lang`, for the page: "Hannover, Deutschland", "Lokales Netzwerk". The city
    /// in the language when the database named it so, the country always (CLDR's names).
    pub fn in_lang(&self, lang: Lang) -> String {
        match self {
            Location::LocalNetwork => i18n::text(lang, "place-local-network"),
            Location::Place(place) => {
                let country = i18n::country_name(lang, &place.country_code)
                    .or_else(|| place.country.clone())
                    .unwrap_or_else(|| place.country_code.clone());
                let city = place.city_names.get(lang.tag()).or(place.city.as_ref());
                match city {
                    Some(city) => i18n::text_with(
                        lang,
                        "place-city",
                        &[("city", city.as_str().into()), ("country", country.into())],
                    ),
                    None => country,
                }
            }
        }
    }

    pub fn place(&self) -> Option<&Place> {
        match self {
            Location::Place(place) => Some(place),
            Location::LocalNetwork => None,
        }
    }
}

/// True for addresses that are not on the public Internet.
pub fn is_local_network(ip: IpAddr) -> bool {
    match crate::normalize::normalize_ip(ip) {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b)) // CGNAT, RFC 6598
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local, RFC 4193
                || (first & 0xffc0) == 0xfe80 // link-local
        }
    }
}

struct Database {
    path: PathBuf,
    reader: Reader<Mmap>,
    /// 4 when the file holds only IPv4 networks.
    ip_version: u16,
}

/// The city (or country) databases found in one directory, memory-mapped once at start.
#[derive(Default)]
pub struct Geo {
    databases: Vec<Database>,
    dbip: bool,
}

impl std::fmt::Debug for Geo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.databases.iter().map(|d| d.path.display()))
            .finish()
    }
}

/// One record, in either schema: DB-IP's flat `city`/`state1`/`country_code`, or MaxMind's
/// nested `city.names`, `subdivisions[].names`, `country.iso_code`.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    city: Option<Field<'a>>,
    #[serde(borrow, default)]
    state1: Option<&'a str>,
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
    #[serde(borrow, default)]
    country: Option<Field<'a>>,
    #[serde(borrow, default)]
    subdivisions: Option<Vec<Field<'a>>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Field<'a> {
    Text(&'a str),
    Named {
        #[serde(borrow, default)]
        iso_code: Option<&'a str>,
        #[serde(borrow, default)]
        names: Option<BTreeMap<&'a str, &'a str>>,
    },
}

impl<'a> Field<'a> {
    fn name(&self) -> Option<&'a str> {
        match self {
            Field::Text(text) => Some(text),
            Field::Named { names, .. } => names.as_ref().and_then(|n| n.get("en").copied()),
        }
    }

    fn iso_code(&self) -> Option<&'a str> {
        match self {
            Field::Text(text) => Some(text),
            Field::Named { iso_code, .. } => *iso_code,
        }
    }
}

impl Geo {
    /// No database: every public address has an unknown location.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Opens every `*.mmdb` file in `dir`. A missing directory is not an error (the caller
    /// warns once); a corrupt file is.
    pub fn open_dir(dir: &Path) -> Result<Self, String> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "mmdb"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        };
        // City before country, IPv4-only before dual-stack: the most precise answer first.
        files.sort_by_key(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            (!name.contains("city"), name)
        });
        let mut geo = Geo::default();
        for path in files {
            // SAFETY: the set-up installs databases by writing a new file and renaming it over
            // the old one, so a mapped file is never modified in place.
            #[allow(unsafe_code)]
            let reader = unsafe { Reader::open_mmap(&path) }
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let ip_version = reader.metadata().ip_version;
            let kind = reader.metadata().database_type.to_lowercase();
            let name = path.to_string_lossy().to_lowercase();
            geo.dbip |= name.contains("dbip") || kind.contains("dbip");
            geo.databases.push(Database {
                path,
                reader,
                ip_version,
            });
        }
        Ok(geo)
    }

    pub fn is_empty(&self) -> bool {
        self.databases.is_empty()
    }

    /// DB-IP's licence (CC BY 4.0) asks pages that show its data to link back.
    pub fn needs_dbip_attribution(&self) -> bool {
        self.dbip
    }

    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.databases.iter().map(|d| d.path.as_path())
    }

    pub fn lookup(&self, ip: IpAddr) -> Option<Location> {
        let ip = crate::normalize::normalize_ip(ip);
        if is_local_network(ip) {
            return Some(Location::LocalNetwork);
        }
        self.databases
            .iter()
            .filter(|db| ip.is_ipv4() || db.ip_version == 6)
            .find_map(|db| place_in(db, ip))
            .map(Location::Place)
    }

    pub fn lookup_str(&self, ip: &str) -> Option<Location> {
        ip.parse().ok().and_then(|ip| self.lookup(ip))
    }
}

fn place_in(db: &Database, ip: IpAddr) -> Option<Place> {
    let record: Record = db.reader.lookup(ip).ok()?.decode().ok()??;
    let country_code = record
        .country_code
        .or_else(|| record.country.as_ref().and_then(Field::iso_code))
        .filter(|code| code.len() == 2)?
        .to_ascii_uppercase();
    let city = record
        .city
        .as_ref()
        .and_then(Field::name)
        .map(strip_district)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let region = record
        .state1
        .or_else(|| record.subdivisions.as_ref()?.first()?.name())
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let country = record
        .country
        .as_ref()
        .and_then(|c| match c {
            Field::Named { .. } => c.name(),
            Field::Text(_) => None,
        })
        .map(str::to_owned)
        .or_else(|| country_name(&country_code).map(str::to_owned));
    let city_names = match &record.city {
        Some(Field::Named {
            names: Some(names), ..
        }) => Lang::ALL
            .into_iter()
            .filter(|lang| *lang != Lang::En)
            .filter_map(|lang| {
                let name = strip_district(names.get(lang.tag())?);
                (!name.is_empty()).then(|| (lang.tag().to_owned(), name.to_owned()))
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    Some(Place {
        city,
        region,
        country_code,
        country,
        city_names,
    })
}

/// DB-IP names districts in parentheses ("San Francisco (South Beach)"); people say the city.
fn strip_district(city: &str) -> &str {
    match city.find(" (") {
        Some(i) if city.ends_with(')') => &city[..i],
        _ => city,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_loopback_addresses_are_the_local_network() {
        let geo = Geo::empty();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "100.64.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            assert_eq!(geo.lookup_str(ip), Some(Location::LocalNetwork), "{ip}");
        }
    }

    #[test]
    fn public_addresses_without_a_database_have_no_location() {
        let geo = Geo::empty();
        assert_eq!(geo.lookup_str("8.8.8.8"), None);
        assert_eq!(geo.lookup_str("100.128.0.1"), None);
    }

    #[test]
    fn districts_are_dropped_from_city_names() {
        assert_eq!(
            strip_district("San Francisco (South Beach)"),
            "San Francisco"
        );
        assert_eq!(strip_district("London"), "London");
    }

    #[test]
    fn country_names_come_from_the_code() {
        assert_eq!(country_name("DE"), Some("Germany"));
        assert_eq!(country_name("US"), Some("United States"));
        assert_eq!(country_name("ZZ"), None);
    }

    #[test]
    fn locations_describe_themselves_as_people_read_them() {
        let place = |city: Option<&str>| {
            Location::Place(Place {
                city: city.map(Into::into),
                region: None,
                country_code: "DE".into(),
                country: Some("Germany".into()),
                city_names: BTreeMap::new(),
            })
        };
        assert_eq!(place(Some("Berlin")).describe(), "Berlin, DE");
        assert_eq!(place(None).describe(), "Germany");
        assert_eq!(Location::LocalNetwork.describe(), "Local network");
    }

    #[test]
    fn the_page_names_places_in_its_readers_language() {
        let mut munich = Place {
            city: Some("Munich".into()),
            region: None,
            country_code: "DE".into(),
            country: Some("Germany".into()),
            city_names: BTreeMap::new(),
        };
        let named = |place: &Place, lang| Location::Place(place.clone()).in_lang(lang);
        assert_eq!(named(&munich, Lang::En), "Munich, Germany");
        assert_eq!(named(&munich, Lang::De), "Munich, Deutschland");
        munich.city_names.insert("de".into(), "München".into());
        assert_eq!(named(&munich, Lang::De), "München, Deutschland");
        assert_eq!(named(&munich, Lang::Fr), "Munich, Allemagne");
        munich.city = None;
        assert_eq!(named(&munich, Lang::Es), "Alemania");
        assert_ne!(Location::LocalNetwork.in_lang(Lang::De), "Local network");
        // Stored before city names were kept: the JSON has none, and reads.
        let old: Place = serde_json::from_str(
            r#"{"city":"Paris","region":null,"country_code":"FR","country":"France"}"#,
        )
        .unwrap();
        assert!(old.city_names.is_empty());
    }
}
