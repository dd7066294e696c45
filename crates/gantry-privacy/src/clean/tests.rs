use super::*;

fn patient() -> Identifiers {
    let mut ids = Identifiers::new();
    ids.add_patient_name("Smith-Jones^Ann Marie^B^Mrs^III")
        .add_patient_id("PAT12345")
        .add_other_id("99")
        .add_accession_number("ACC-778")
        .add_birth_date("19650412")
        .add_institution("St. Mary's  General Hospital ");
    ids
}

fn found<'t>(ids: &Identifiers, text: &'t str) -> Vec<(IdentifierKind, &'t str)> {
    ids.find(text)
        .into_iter()
        .map(|m| (m.kind, &text[m.range]))
        .collect()
}

#[test]
fn name_parts_in_descriptions() {
    let ids = patient();
    assert_eq!(
        found(&ids, "CT head for ann smith-jones"),
        vec![
            (IdentifierKind::PatientName, "ann"),
            (IdentifierKind::PatientName, "smith-jones")
        ]
    );
    assert_eq!(
        found(&ids, "MARIE JONES, follow-up"),
        vec![
            (IdentifierKind::PatientName, "MARIE"),
            (IdentifierKind::PatientName, "JONES")
        ]
    );
    assert_eq!(
        found(&ids, "Ann Marie"),
        vec![(IdentifierKind::PatientName, "Ann Marie")]
    );
    // Name as PN in the text.
    assert_eq!(found(&ids, "Smith^Ann").len(), 2);
}

#[test]
fn word_boundaries_prevent_false_positives() {
    let ids = patient();
    for text in [
        "Annual review",
        "Planned scan",
        "Blacksmith tools",
        "Mrs. Brown III", // honorifics and suffixes are not searched
        "Series B",       // one-letter initials are not searched
        "Smithfield",
    ] {
        assert!(ids.find(text).is_empty(), "{text}");
        assert_eq!(ids.scrub(text), None);
    }
}

#[test]
fn ids_inside_sr_text() {
    let ids = patient();
    assert_eq!(
        found(&ids, "Prior exam MRN:pat12345 acc ACC-778."),
        vec![
            (IdentifierKind::PatientId, "pat12345"),
            (IdentifierKind::AccessionNumber, "ACC-778"),
        ]
    );
    // Substring: an ID inside a longer token is still found.
    assert_eq!(
        found(&ids, "ref XPAT1234567"),
        vec![(IdentifierKind::PatientId, "PAT12345")]
    );
    // IDs shorter than 3 characters are not searched.
    assert!(found(&ids, "99 slices").is_empty());
}

#[test]
fn birth_date_renderings() {
    let ids = patient();
    for text in [
        "DOB 19650412",
        "DOB 1965-04-12",
        "DOB 12/04/1965",
        "DOB 04/12/1965",
        "DOB 12.04.1965",
        "DOB 12-04-1965",
        "DOB 1965/04/12",
        "DOB 12.4.1965",
        "DOB 4/12/1965",
    ] {
        let hits = found(&ids, text);
        assert_eq!(hits.len(), 1, "{text}");
        assert_eq!(hits[0].0, IdentifierKind::BirthDate);
        assert_eq!(hits[0].1, &text[4..]);
    }
    // Not inside a longer number.
    assert!(found(&ids, "id 119650412").is_empty());
    assert!(found(&ids, "112.04.1965").is_empty());
}

#[test]
fn institution_phrase() {
    let ids = patient();
    assert_eq!(
        found(&ids, "Referred from ST. MARY'S GENERAL\tHOSPITAL today"),
        vec![(IdentifierKind::Institution, "ST. MARY'S GENERAL\tHOSPITAL")]
    );
    assert!(found(&ids, "General Hospital").is_empty());
}

#[test]
fn non_ascii_names() {
    let mut ids = Identifiers::new();
    ids.add_patient_name("Müller^Jürgen=山田^太郎=やまだ^たろう");
    assert_eq!(
        found(&ids, "Befund: MÜLLER, jürgen"),
        vec![
            (IdentifierKind::PatientName, "MÜLLER"),
            (IdentifierKind::PatientName, "jürgen")
        ]
    );
    // Diacritics and transliteration.
    assert_eq!(found(&ids, "MULLER").len(), 1);
    assert_eq!(found(&ids, "Mueller").len(), 1);
    assert_eq!(found(&ids, "Juergen").len(), 1);
    // Word boundaries hold for non-ASCII letters.
    assert!(found(&ids, "Müllerstraße").is_empty());
    assert!(found(&ids, "Großmüller").is_empty());
    // Scripts without spaces match anywhere.
    assert_eq!(
        found(&ids, "患者山田太郎さん"),
        vec![
            (IdentifierKind::PatientName, "山田"),
            (IdentifierKind::PatientName, "太郎")
        ]
    );
    assert_eq!(found(&ids, "やまださん").len(), 1);
    assert_eq!(ids.scrub("患者山田さん").as_deref(), Some("患者XXさん"));

    let mut ascii = Identifiers::new();
    ascii.add_patient_name("MUELLER^HANS");
    assert_eq!(found(&ascii, "Dr. Müller").len(), 1);
    assert_eq!(found(&ascii, "Muller").len(), 1);
}

#[test]
fn scrub_fills_and_keeps_length() {
    let ids = patient();
    let text = "Ann Smith-Jones (PAT12345) born 12/04/1965 at St. Mary's General Hospital";
    let scrubbed = ids.scrub(text).unwrap();
    assert_eq!(
        scrubbed,
        "XXX XXXXXXXXXXX (XXXXXXXX) born XXXXXXXXXX at XXX XXXXXX XXXXXXX XXXXXXXX"
    );
    assert_eq!(scrubbed.chars().count(), text.chars().count());
    assert_eq!(ids.scrub("nothing to see"), None);

    let mut names = Identifiers::new();
    names.add_patient_name("Müller");
    let scrubbed = names.scrub("Frau Müller").unwrap();
    assert_eq!(scrubbed, "Frau XXXXXX");
    assert!(scrubbed.len() <= "Frau Müller".len());
}

#[test]
fn scrub_to_max_truncates_long_input() {
    let ids = patient();
    assert_eq!(
        ids.scrub_to_max("Ann was here", 64).as_deref(),
        Some("XXX was here")
    );
    assert_eq!(
        ids.scrub_to_max("Ann was here", 5).as_deref(),
        Some("XXX w")
    );
    assert_eq!(ids.scrub_to_max("nobody", 3), None);
}

#[test]
fn overlapping_matches_resolve_to_the_longest() {
    let mut ids = Identifiers::new();
    ids.add_patient_name("Ann Marie")
        .add_extra("Ann Marie Clinic");
    assert_eq!(
        found(&ids, "at Ann Marie Clinic"),
        vec![(IdentifierKind::Extra, "Ann Marie Clinic")]
    );
}

#[test]
fn padding_and_empty_values() {
    let mut ids = Identifiers::new();
    ids.add_patient_name("")
        .add_patient_name("^^^^")
        .add_patient_id("  ")
        .add_birth_date("")
        .add_birth_date("19651340")
        .add_institution(" ");
    assert!(ids.is_empty());
    assert!(ids.find("anything").is_empty());
    ids.add_patient_id("AB12 \0");
    assert_eq!(found(&ids, "ab12").len(), 1);
}

#[test]
fn debug_prints_counts_only() {
    let ids = patient();
    let debug = format!("{ids:?}");
    assert!(debug.starts_with("Identifiers"));
    for secret in ["Smith", "smith", "PAT12345", "pat12345", "1965", "mary"] {
        assert!(!debug.contains(secret), "{debug}");
    }
}

#[test]
fn dates_in_text() {
    let text = "Scan 20230115, prior 2022-12-31 and 31/12/2021, 12.31.2020, 1.2.2019; \
                not 20231340, 19000229, 18991231, 123456789, 2023-13-01, 32/01/2020, v1.2.3";
    let dates: Vec<&str> = find_dates(text).into_iter().map(|r| &text[r]).collect();
    assert_eq!(
        dates,
        vec![
            "20230115",
            "2022-12-31",
            "31/12/2021",
            "12.31.2020",
            "1.2.2019"
        ]
    );
    assert!(find_dates("").is_empty());
    assert!(find_dates("20240229").len() == 1);
    assert!(find_dates("20230229").is_empty());
    assert!(find_dates("2023-01-15123").is_empty());
}

#[test]
fn scrub_ranges_combines_with_dates() {
    let mut ids = Identifiers::new();
    ids.add_patient_name("Doe^Jane");
    let text = "Jane Doe seen 2023-01-15";
    let mut ranges: Vec<Range<usize>> = ids.find(text).into_iter().map(|m| m.range).collect();
    ranges.extend(find_dates(text));
    assert_eq!(scrub_ranges(text, &ranges), "XXXX XXX seen XXXXXXXXXX");
}

proptest::proptest! {
    #[test]
    fn find_and_scrub_never_panic(text in "\\PC{0,60}", name in "\\PC{0,12}", id in "\\PC{0,8}") {
        let mut ids = Identifiers::new();
        ids.add_patient_name(&name).add_patient_id(&id).add_birth_date(&id).add_institution(&name);
        for m in ids.find(&text) {
            proptest::prop_assert!(text.is_char_boundary(m.range.start));
            proptest::prop_assert!(text.is_char_boundary(m.range.end));
            proptest::prop_assert!(m.range.start < m.range.end);
        }
        if let Some(scrubbed) = ids.scrub(&text) {
            proptest::prop_assert_eq!(scrubbed.chars().count(), text.chars().count());
            proptest::prop_assert!(scrubbed.len() <= text.len());
        }
        for range in find_dates(&text) {
            proptest::prop_assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
        }
    }
}

/// Every term tried at every position, as `find` did before it indexed the
/// terms by their first character: the index must not change what is found.
fn find_trying_every_term(ids: &Identifiers, text: &str) -> Vec<Match> {
    let chars = FoldedText::new(text);
    let mut found = Vec::new();
    for term in &ids.terms {
        for start in 0..chars.len() {
            if let Some(end) = chars.match_at(start, term) {
                found.push((start, end, term.kind));
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut matches = Vec::new();
    let mut covered_until = 0;
    for (start, end, kind) in found {
        if start >= covered_until {
            covered_until = end;
            matches.push(Match {
                kind,
                range: chars.byte_range(start, end),
            });
        }
    }
    matches
}

proptest::proptest! {
    #[test]
    fn first_character_index_finds_what_every_term_finds(
        // A small alphabet with case, diacritics, digits and separators, so
        // that terms and texts overlap often.
        text in "[aAäÄbBmMüÜ0-9 ./-]{0,40}",
        name in "[aAäbmMü -]{0,10}",
        other in "[aAbmü0-9]{0,6}",
        date in "(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])",
    ) {
        let mut ids = Identifiers::new();
        ids.add_patient_name(&name)
            .add_patient_id(&other)
            .add_accession_number(&other)
            .add_birth_date(&date)
            .add_extra(&other);
        proptest::prop_assert_eq!(ids.find(&text), find_trying_every_term(&ids, &text));
    }
}
