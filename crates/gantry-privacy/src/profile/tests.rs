use super::*;
use crate::iod::{AttributeType, Requirement};
use ActionCode::{C, D, K, U, X, XD, XZ, XZD, XZU, Z, ZD};

fn table() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/ps315_table_e1_1_2024b.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn code(cell: &serde_json::Value) -> Option<ActionCode> {
    cell.as_str().map(|c| c.parse().unwrap())
}

/// A tag the row applies to: wildcard digits set to 0.
fn sample_tag(row: &ProfileRow) -> Tag {
    let text = row.tag.to_string().replace('x', "0");
    let group = u16::from_str_radix(&text[1..5], 16).unwrap();
    let element = u16::from_str_radix(&text[6..10], 16).unwrap();
    Tag(group, element)
}

fn t(group: u16, element: u16) -> Tag {
    Tag(group, element)
}

#[test]
fn every_row_but_the_private_one() {
    assert_eq!(rows().len(), 620);
    let private = private_row();
    assert!(private.tag.is_private());
    assert_eq!(private.name, "Private Attributes");
    assert_eq!(private.basic, X);
    assert_eq!(private.options, &[(ProfileOption::RetainSafePrivate, C)]);
    assert!(rows().iter().all(|r| !r.tag.is_private()));
    assert_eq!(EDITION, "2024b");
}

#[test]
fn rows_match_the_json() {
    let table = table();
    let attributes = table["attributes"].as_array().unwrap();
    let ours: Vec<&ProfileRow> = rows().iter().chain([private_row()]).collect();
    let mut ours = ours.into_iter();
    for json in attributes {
        let tag = json["tag"].as_str().unwrap();
        let row = if tag.starts_with("(gggg") {
            private_row()
        } else {
            ours.next().unwrap()
        };
        assert_eq!(row.tag.to_string(), tag);
        assert_eq!(row.name, json["name"].as_str().unwrap(), "{tag}");
        assert_eq!(row.keyword, json["keyword"].as_str(), "{tag}");
        assert_eq!(Some(row.basic), code(&json["basic_profile"]), "{tag}");
        assert_eq!(
            row.in_std_comp_iod,
            json["in_std_comp_iod"].as_bool().unwrap_or(false),
            "{tag}"
        );
        for option in ProfileOption::ALL {
            let Some(column) = option.table_column() else {
                continue;
            };
            assert_eq!(row.option(option), code(&json[column]), "{tag} {column}");
        }
    }
}

/// Every row, every option column: a profile with that single option reads
/// exactly the column, or the basic cell where the column is blank.
#[test]
fn single_option_profiles_read_their_column() {
    let table = table();
    let mut checked = 0;
    for json in table["attributes"].as_array().unwrap() {
        let tag_text = json["tag"].as_str().unwrap();
        let basic = code(&json["basic_profile"]).unwrap();
        let row = if tag_text.starts_with("(gggg") {
            None
        } else {
            rows().iter().find(|r| r.tag.to_string() == tag_text)
        };
        for option in ProfileOption::ALL {
            let profile = Profile::basic().with_option(option);
            let expected = option
                .table_column()
                .and_then(|column| code(&json[column]))
                .unwrap_or(basic);
            let got = match row {
                None => profile.private_action(),
                Some(row) => {
                    let tag = sample_tag(row);
                    if row.tag.tag().is_some() {
                        assert_eq!(row.tag.tag(), Some(tag));
                    }
                    profile.action(tag).unwrap()
                }
            };
            assert_eq!(got, expected, "{tag_text} with {option}");
            checked += 1;
        }
        let basic_got = match row {
            None => Profile::basic().private_action(),
            Some(row) => Profile::basic().action(sample_tag(row)).unwrap(),
        };
        assert_eq!(basic_got, basic, "{tag_text}");
    }
    assert_eq!(checked, 621 * 11);
}

#[test]
fn spot_checks() {
    let basic = Profile::basic();
    assert_eq!(basic.action(t(0x0010, 0x0010)), Some(Z)); // Patient's Name
    assert_eq!(basic.action(t(0x0010, 0x0020)), Some(ZD)); // Patient ID (Z in 2023b)
    assert_eq!(basic.action(t(0x0008, 0x0018)), Some(U)); // SOP Instance UID
    assert_eq!(basic.action(t(0x0008, 0x0020)), Some(Z)); // Study Date
    assert_eq!(basic.action(t(0x0008, 0x0023)), Some(ZD)); // Content Date
    assert_eq!(basic.action(t(0x0020, 0x000D)), Some(U)); // Study Instance UID
    assert_eq!(basic.action(t(0x0008, 0x0050)), Some(Z)); // Accession Number
    assert_eq!(basic.action(t(0x0008, 0x0080)), Some(XZD)); // Institution Name
    assert_eq!(basic.action(t(0x0008, 0x1030)), Some(X)); // Study Description
    assert_eq!(basic.action(t(0x0008, 0x1140)), Some(XZU)); // Referenced Image Sequence
    assert_eq!(basic.action(t(0x0008, 0x0022)), Some(XZ)); // Acquisition Date
    assert_eq!(basic.action(t(0x0018, 0x1030)), Some(XD)); // Protocol Name
    // Standard attributes the table does not list.
    assert_eq!(basic.action(t(0x0028, 0x0010)), None); // Rows
    assert_eq!(basic.action(t(0x0008, 0x0016)), None); // SOP Class UID
    assert!(row(t(0x0028, 0x0010)).is_none());
}

#[test]
fn wildcard_rows() {
    let basic = Profile::basic();
    let curve = row(t(0x5010, 0x3000)).unwrap();
    assert_eq!(curve.tag.to_string(), "(50xx,xxxx)");
    assert_eq!(curve.tag.wildcard_nibbles(), 6);
    assert_eq!(basic.action(t(0x5010, 0x3000)), Some(X));
    assert_eq!(basic.action(t(0x50FE, 0x0000)), Some(X));
    // Overlay Data and Comments: the (60xx,eeee) rows, not a broader one.
    assert_eq!(row(t(0x6000, 0x3000)).unwrap().keyword, Some("OverlayData"));
    assert_eq!(
        row(t(0x6002, 0x4000)).unwrap().keyword,
        Some("OverlayComments")
    );
    assert_eq!(row(t(0x6000, 0x3000)).unwrap().tag.wildcard_nibbles(), 2);
    assert!(row(t(0x6000, 0x0010)).is_none()); // Overlay Rows: not in the table
    let graphics = basic.with_option(ProfileOption::CleanGraphics);
    assert_eq!(graphics.action(t(0x5002, 0x0005)), Some(C));
    assert_eq!(graphics.action(t(0x6000, 0x3000)), Some(C));
    // Odd groups are private, even inside a repeating-group range.
    assert_eq!(basic.action(t(0x5011, 0x3000)), None);
    assert_eq!(basic.action(t(0x0009, 0x0010)), None);
}

#[test]
fn row_tags_convert_to_patterns() {
    for row in rows() {
        let pattern = row.tag.pattern().unwrap();
        assert_eq!(pattern.to_string(), row.tag.to_string());
        assert_eq!(pattern.wildcard_nibbles(), row.tag.wildcard_nibbles());
        assert!(pattern.matches(sample_tag(row)));
        assert!(row.tag.matches(sample_tag(row)));
    }
    let private = private_row().tag;
    assert_eq!(private.pattern(), None);
    assert_eq!(private.to_string(), "(gggg,eeee) where gggg is odd");
    assert!(private.matches(t(0x0009, 0x1001)));
    assert!(!private.matches(t(0x0010, 0x0010)));
    assert_eq!(private.tag(), None);
}

#[test]
fn options_override_the_basic_cell() {
    let uids = Profile::basic().with_option(ProfileOption::RetainUids);
    assert_eq!(uids.action(t(0x0020, 0x000D)), Some(K));
    assert_eq!(uids.action(t(0x0008, 0x0018)), Some(K));
    assert_eq!(uids.action(t(0x0008, 0x1140)), Some(K));
    assert_eq!(uids.action(t(0x0010, 0x0010)), Some(Z)); // blank cell: basic

    let full = Profile::basic().with_option(ProfileOption::RetainLongitudinalFullDates);
    assert_eq!(full.action(t(0x0008, 0x0020)), Some(K));
    assert_eq!(full.action(t(0x0008, 0x0023)), Some(K));
    let modified = Profile::basic().with_option(ProfileOption::RetainLongitudinalModifiedDates);
    assert_eq!(modified.action(t(0x0008, 0x0020)), Some(C));

    let descriptors = Profile::basic().with_option(ProfileOption::CleanDescriptors);
    assert_eq!(descriptors.action(t(0x0008, 0x1030)), Some(C)); // Study Description
    assert_eq!(descriptors.action(t(0x0008, 0x103E)), Some(C)); // Series Description

    let safe = Profile::basic().with_option(ProfileOption::RetainSafePrivate);
    assert_eq!(safe.private_action(), C);
    assert_eq!(Profile::basic().private_action(), X);
}

#[test]
fn precedence_when_options_overlap() {
    let both = Profile::basic()
        .with_option(ProfileOption::RetainLongitudinalModifiedDates)
        .with_option(ProfileOption::RetainLongitudinalFullDates);
    // Full dates (K) beat modified dates (C) on every row both fill.
    let mut conflicts = 0;
    for row in rows() {
        let full = row.option(ProfileOption::RetainLongitudinalFullDates);
        let modified = row.option(ProfileOption::RetainLongitudinalModifiedDates);
        if let (Some(full), Some(modified)) = (full, modified) {
            assert_eq!((full, modified), (K, C), "{}", row.tag);
            assert_eq!(both.row_action(row), K, "{}", row.tag);
            conflicts += 1;
        }
    }
    assert_eq!(conflicts, 165);

    // K over C whatever the option order; agreeing cells stay.
    for row in rows() {
        let enabled: Vec<_> = row.options.iter().map(|(o, _)| *o).collect();
        let profile = enabled
            .iter()
            .fold(Profile::basic(), |p, o| p.with_option(*o));
        let expected = if row.options.iter().any(|(_, c)| *c == K) {
            K
        } else if let Some((_, c)) = row.options.first() {
            *c
        } else {
            row.basic
        };
        assert_eq!(profile.row_action(row), expected, "{}", row.tag);
    }
}

#[test]
fn research_preset() {
    let research = Profile::research();
    assert_eq!(Profile::by_name("research"), Some(research));
    assert_eq!(Profile::by_name(" Basic "), Some(Profile::basic()));
    assert_eq!(Profile::by_name("strict"), None);
    assert_eq!(
        research.options().collect::<Vec<_>>(),
        [
            ProfileOption::RetainDeviceIdentity,
            ProfileOption::RetainPatientCharacteristics,
            ProfileOption::RetainLongitudinalModifiedDates,
            ProfileOption::CleanDescriptors,
            ProfileOption::CleanPixelData,
        ]
    );
    assert_eq!(
        research.to_string(),
        "basic+retain-device-identity+retain-patient-characteristics\
         +retain-long-modified-dates+clean-descriptors+clean-pixel-data"
    );
    assert_eq!(research.action(t(0x0008, 0x0020)), Some(C)); // Study Date: shifted
    assert_eq!(research.action(t(0x0008, 0x1030)), Some(C)); // Study Description
    assert_eq!(research.action(t(0x0010, 0x1010)), Some(K)); // Patient's Age
    assert_eq!(research.action(t(0x0018, 0x1000)), Some(K)); // Device Serial Number
    assert_eq!(research.action(t(0x0010, 0x0010)), Some(Z)); // Patient's Name
    assert_eq!(research.action(t(0x0020, 0x000D)), Some(U)); // Study Instance UID
    assert!(research.has_option(ProfileOption::CleanPixelData));
    assert!(
        !research
            .without_option(ProfileOption::CleanPixelData)
            .has_option(ProfileOption::CleanPixelData)
    );
    assert_eq!(Profile::default(), Profile::basic());
    assert_eq!(Profile::basic().to_string(), "basic");
}

#[test]
fn cid7050_codes() {
    let table = table();
    let meta = &table["meta"]["option_codes_cid7050"];
    for option in ProfileOption::ALL {
        let (code, meaning) = option.cid7050();
        match option.table_column() {
            Some(column) => assert_eq!(meta[column].as_str(), Some(code), "{option}"),
            None => assert_eq!((code, meaning), ("113101", "Clean Pixel Data Option")),
        }
        assert!(meaning.ends_with(" Option"));
    }
    assert_eq!(
        ProfileOption::RetainLongitudinalFullDates.cid7050(),
        (
            "113106",
            "Retain Longitudinal Temporal Information Full Dates Option"
        )
    );
    assert_eq!(
        ProfileOption::CleanGraphics.cid7050(),
        ("113103", "Clean Graphics Option")
    );
    assert_eq!(
        ProfileOption::RetainInstitutionIdentity.cid7050().0,
        "113112"
    );
    let mut codes: Vec<_> = ProfileOption::ALL.iter().map(|o| o.cid7050().0).collect();
    codes.push(BASIC_PROFILE_CODE.0);
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 12);
    assert_eq!(
        Profile::research()
            .deidentification_codes()
            .collect::<Vec<_>>(),
        [
            ("113100", "Basic Application Confidentiality Profile"),
            ("113109", "Retain Device Identity Option"),
            ("113108", "Retain Patient Characteristics Option"),
            (
                "113107",
                "Retain Longitudinal Temporal Information Modified Dates Option"
            ),
            ("113105", "Clean Descriptors Option"),
            ("113101", "Clean Pixel Data Option"),
        ]
    );
}

#[test]
fn option_names() {
    for option in ProfileOption::ALL {
        assert_eq!(ProfileOption::from_name(option.name()), Some(option));
        assert_eq!(option.to_string(), option.name());
    }
    assert_eq!(
        ProfileOption::from_name("RETAIN-LONG-FULL-DATES"),
        Some(ProfileOption::RetainLongitudinalFullDates)
    );
    assert_eq!(ProfileOption::from_name("retain-everything"), None);
}

#[test]
fn action_code_spelling() {
    for action in ActionCode::ALL {
        assert_eq!(action.code().parse::<ActionCode>(), Ok(action));
        assert_eq!(action.to_string(), action.code());
    }
    assert_eq!(XZU.code(), "X/Z/U*");
    assert_eq!("X/Z/U".parse::<ActionCode>(), Ok(XZU));
    assert_eq!(" Z/D ".parse::<ActionCode>(), Ok(ZD));
    assert!("Q".parse::<ActionCode>().is_err());
    assert!("x".parse::<ActionCode>().is_err());
    let conditional: Vec<_> = ActionCode::ALL
        .into_iter()
        .filter(|a| a.is_conditional())
        .collect();
    assert_eq!(conditional, [ZD, XZ, XD, XZD, XZU]);
}

#[test]
fn resolve_truth_table() {
    use AttributeType::{Type1, Type1C, Type2, Type2C, Type3};
    let requirements = [
        Requirement::Known(Type1),
        Requirement::Known(Type1C),
        Requirement::Known(Type2),
        Requirement::Known(Type2C),
        Requirement::Known(Type3),
        Requirement::NotInIod,
        Requirement::UnknownSopClass,
        Requirement::UnknownAttribute,
    ];
    // Columns in `requirements` order.
    let table = [
        (XZ, [Z, Z, Z, Z, X, X, Z, Z]),
        (XD, [D, D, D, D, X, X, D, D]),
        (ZD, [D, D, Z, Z, Z, Z, D, D]),
        (XZD, [D, D, Z, Z, X, X, D, D]),
        (XZU, [U, U, Z, Z, X, X, U, U]),
    ];
    for (code, expected) in table {
        for (requirement, expected) in requirements.into_iter().zip(expected) {
            assert_eq!(
                resolve(code, requirement),
                expected,
                "{code} for {requirement:?}"
            );
        }
    }
    for plain in [X, Z, D, K, C, U] {
        for requirement in requirements {
            assert_eq!(resolve(plain, requirement), plain);
        }
    }
    // Every resolved code is plain.
    for code in ActionCode::ALL {
        for requirement in requirements {
            assert!(!resolve(code, requirement).is_conditional());
        }
    }
}

#[test]
fn resolve_against_real_iods() {
    const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
    const BASIC_TEXT_SR: &str = "1.2.840.10008.5.1.4.1.1.88.11";
    let basic = Profile::basic();
    let plan = |sop: &str, tag: Tag| {
        resolve(
            basic.action(tag).unwrap(),
            crate::iod::requirement(sop, tag),
        )
    };
    assert_eq!(plan(CT, t(0x0010, 0x0020)), Z); // Patient ID, Type 2
    assert_eq!(plan(CT, t(0x0008, 0x0023)), Z); // Content Date, Type 2C
    assert_eq!(plan(BASIC_TEXT_SR, t(0x0008, 0x0023)), D); // Content Date, Type 1
    assert_eq!(plan(CT, t(0x0008, 0x0080)), X); // Institution Name, Type 3
    assert_eq!(plan(CT, t(0x0008, 0x1140)), X); // Referenced Image Sequence, Type 3
    assert_eq!(plan("1.2.3.4", t(0x0008, 0x0080)), D); // unknown SOP class
}
