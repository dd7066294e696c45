//! The configuration file as written: serde structs, unknown keys denied.
//!
//! Values that later checks may complain about are wrapped in [`Sp`]
//! (`serde_saphyr::Spanned`), which records where they came from. Shapes
//! with two spellings (a zone as a list or a mapping, an action as a
//! string or a mapping) have hand-written visitors, so a wrong shape is
//! reported in this module's words rather than as "did not match any
//! variant".

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

/// A value with the place it came from.
pub(super) type Sp<T> = serde_saphyr::Spanned<T>;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    /// Gantry's scaffold writes `version: "2.0"`.
    pub version: Option<Sp<String>>,
    /// `null` is kept (as `Some(None)`): Isocenter reads it as "no profile".
    #[serde(default, deserialize_with = "present")]
    pub privacy_profile: Option<Sp<Option<String>>>,
    pub phi_tags: Option<OrderedMap<RawAction>>,
    /// Parameters of `CTP` rules (`@NAME`), as `gantry ctp import` writes.
    pub ctp_params: Option<OrderedMap<String>>,
    pub date_jitter: Option<Sp<RawJitter>>,
    pub remove_private_tags: Option<Sp<bool>>,
    #[serde(alias = "machine_rules")]
    pub machines: Option<Vec<Sp<RawMachine>>>,
    pub profile: Option<Sp<String>>,
    pub options: Option<Vec<Sp<String>>>,
    pub strict: Option<Sp<bool>>,
    pub key_file: Option<Sp<String>>,
    pub pseudonyms: Option<Sp<RawPseudonyms>>,
    pub private_tags: Option<Sp<RawPrivateTags>>,
    pub dates: Option<Sp<RawDates>>,
    pub export: Option<Sp<RawExport>>,
    pub reversible: Option<Sp<bool>>,
    pub recipients: Option<Vec<Sp<String>>>,
}

/// `Some(value)` whenever the key is present, `null` included.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A mapping read in file order, each key and value with its place.
#[derive(Debug)]
pub(super) struct OrderedMap<V>(pub Vec<(Sp<String>, Sp<V>)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = OrderedMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(OrderedMap(entries))
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A `phi_tags` value: a string (an action, `REPLACE: value`, or, in
/// Isocenter, the tag's display name) or a rule mapping.
#[derive(Debug)]
pub(super) enum RawAction {
    Text(String),
    Rule(RawRule),
}

/// `{action: REPLACE, name: PatientID, value: X}`; every key optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub action: Option<Sp<String>>,
    pub name: Option<String>,
    pub value: Option<Sp<String>>,
}

impl<'de> Deserialize<'de> for RawAction {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ActionVisitor;

        impl<'de> Visitor<'de> for ActionVisitor {
            type Value = RawAction;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an action such as REMOVE or 'REPLACE: value', or a mapping {action, value, name}")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawAction, E> {
                Ok(RawAction::Text(text.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAction, A::Error> {
                RawRule::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawAction::Rule)
            }
        }

        deserializer.deserialize_any(ActionVisitor)
    }
}

/// `date_jitter`: a number of days (Gantry: a fixed shift) or a range.
#[derive(Debug)]
pub(super) enum RawJitter {
    Days(i64),
    Range(RawJitterRange),
}

/// Isocenter requires both keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJitterRange {
    pub min_days: Sp<i64>,
    pub max_days: Sp<i64>,
}

impl<'de> Deserialize<'de> for RawJitter {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JitterVisitor;

        impl<'de> Visitor<'de> for JitterVisitor {
            type Value = RawJitter;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of days or a mapping {min_days, max_days}")
            }

            fn visit_i64<E: de::Error>(self, days: i64) -> Result<RawJitter, E> {
                Ok(RawJitter::Days(days))
            }

            fn visit_u64<E: de::Error>(self, days: u64) -> Result<RawJitter, E> {
                i64::try_from(days)
                    .map(RawJitter::Days)
                    .map_err(|_| E::custom(format!("{days} days is out of range")))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawJitter, A::Error> {
                RawJitterRange::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawJitter::Range)
            }
        }

        deserializer.deserialize_any(JitterVisitor)
    }
}

/// One `machines` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMachine {
    pub manufacturer: Option<Sp<String>>,
    pub model_name: Option<Sp<String>>,
    #[serde(alias = "serial_number")]
    pub device_serial_number: Option<Sp<String>>,
    pub conditions: Option<OrderedMap<String>>,
    pub redaction_zones: Option<Vec<Sp<RawZone>>>,
    pub regions: Option<Vec<Sp<RawRegion>>>,
    pub comment: Option<String>,
}

/// A Gantry zone: `[r1, r2, c1, c2]` or `{roi: [r1, r2, c1, c2]}`. The
/// numbers are checked later, where the zone's place is known.
#[derive(Debug)]
pub(super) struct RawZone {
    pub numbers: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoi {
    roi: Vec<i64>,
    #[allow(dead_code)] // informational (Gantry's knowledge base writes it)
    note: Option<String>,
    #[allow(dead_code)] // informational
    comment: Option<String>,
}

impl<'de> Deserialize<'de> for RawZone {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ZoneVisitor;

        impl<'de> Visitor<'de> for ZoneVisitor {
            type Value = RawZone;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a redaction zone [r1, r2, c1, c2] or {roi: [r1, r2, c1, c2]}")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawZone, A::Error> {
                Ok(RawZone {
                    numbers: numbers(seq)?,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawZone, A::Error> {
                let roi = RawRoi::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawZone { numbers: roi.roi })
            }
        }

        deserializer.deserialize_any(ZoneVisitor)
    }
}

/// A CTP region: `[x, y, w, h]` or `{x, y, w, h}`.
#[derive(Debug)]
pub(super) struct RawRegion {
    pub numbers: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawXywh {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
}

impl<'de> Deserialize<'de> for RawRegion {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RegionVisitor;

        impl<'de> Visitor<'de> for RegionVisitor {
            type Value = RawRegion;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CTP region [x, y, w, h] or {x, y, w, h}")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawRegion, A::Error> {
                Ok(RawRegion {
                    numbers: numbers(seq)?,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawRegion, A::Error> {
                let r = RawXywh::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawRegion {
                    numbers: vec![r.x, r.y, r.w, r.h],
                })
            }
        }

        deserializer.deserialize_any(RegionVisitor)
    }
}

/// The numbers of a zone or region (how many is checked later).
fn numbers<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<i64>, A::Error> {
    let mut out = Vec::new();
    while let Some(n) = seq.next_element::<i64>()? {
        out.push(n);
    }
    Ok(out)
}

/// `pseudonyms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPseudonyms {
    pub prefix: Option<Sp<String>>,
    pub table: Option<Sp<String>>,
    pub missing: Option<Sp<String>>,
}

/// `private_tags`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrivateTags {
    pub policy: Option<Sp<String>>,
    pub creators: Option<Vec<Sp<String>>>,
}

/// `dates`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDates {
    pub min_days: Option<Sp<i64>>,
    pub max_days: Option<Sp<i64>>,
    pub shift_times: Option<bool>,
}

/// `export`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExport {
    pub layout: Option<Sp<String>>,
    pub transfer_syntax: Option<Sp<String>>,
    pub safe: Option<bool>,
}
