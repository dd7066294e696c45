use std::path::{Path, PathBuf};

use gantry_model::TagPath;
use gantry_store::{EquipmentCount, Inventory};
use proptest::prelude::*;

use super::*;

fn tag(text: &str) -> TagPath {
    text.parse().unwrap()
}

/// The error text of loading `text` as `name`.
fn error(text: &str, name: &str) -> String {
    match Config::from_str(text, name) {
        Ok(config) => panic!("loaded, expected an error: {config:?}"),
        Err(err) => err.to_string(),
    }
}

fn load(text: &str, name: &str) -> Config {
    match Config::from_str(text, name) {
        Ok(config) => config,
        Err(err) => panic!("did not load:\n{err}"),
    }
}

/// A Gantry/Isocenter configuration, modelled on their documentation
/// (docs/configuration.md) and scaffold: quoted `gggg,eeee` keys, rule
/// mappings with informational names, a display-name string, the
/// `{min_days, max_days}` jitter, serial-number machines with list and
/// `roi` zones, a scaffold's `version` and `comment`.
const GANTRY_YAML: &str = r#"# Gantry Privacy Configuration (v2.0)
version: "2.0"
privacy_profile: "basic"

date_jitter:
  min_days: -30
  max_days: -10

remove_private_tags: true

phi_tags:
  "0010,0010":
    action: "REMOVE"
    name: "PatientName"
  "0010,0020":
    action: "REPLACE"
    name: "PatientID"
    value: "ANONYMIZED-01"
  "0008,0080":
    action: "KEEP"
  "0008,1030": { "action": "EMPTY", "name": "StudyDescription" }
  "0010,0030": { "action": "SHIFT", "name": "PatientBirthDate" }
  "0008,0020": { "action": "jitter", "name": "Study Date" }
  "0008,0090": "Referring Physician's Name"
  "0008,1040":
    name: "Institutional Department Name"

machines:
  - serial_number: "US-12345"
    model_name: "Voluson E10"
    comment: "Auto-matched from CTP Knowledge Base (GE Voluson)"
    redaction_zones:
      # [row_start, row_end, col_start, col_end]
      - [0, 50, 0, 800]   # Top Banner
      - [900, 1024, 0, 400] # Bottom Left Details
  - manufacturer: "Unknown"
    model_name: "Unknown"
    serial_number: "SN-9999"
    redaction_zones:
      - roi: [50, 100, 50, 200]
        note: "RowStart, RowEnd, ColStart, ColEnd"
"#;

/// The same configuration as JSON (less the comments).
const GANTRY_JSON: &str = r#"{
  "version": "2.0",
  "privacy_profile": "basic",
  "date_jitter": {"min_days": -30, "max_days": -10},
  "remove_private_tags": true,
  "phi_tags": {
    "0010,0010": {"action": "REMOVE", "name": "PatientName"},
    "0010,0020": {"action": "REPLACE", "name": "PatientID", "value": "ANONYMIZED-01"},
    "0008,0080": {"action": "KEEP"},
    "0008,1030": {"action": "EMPTY", "name": "StudyDescription"},
    "0010,0030": {"action": "SHIFT", "name": "PatientBirthDate"},
    "0008,0020": {"action": "jitter", "name": "Study Date"},
    "0008,0090": "Referring Physician's Name",
    "0008,1040": {"name": "Institutional Department Name"}
  },
  "machines": [
    {
      "serial_number": "US-12345",
      "model_name": "Voluson E10",
      "comment": "Auto-matched from CTP Knowledge Base (GE Voluson)",
      "redaction_zones": [[0, 50, 0, 800], [900, 1024, 0, 400]]
    },
    {
      "manufacturer": "Unknown",
      "model_name": "Unknown",
      "serial_number": "SN-9999",
      "redaction_zones": [{"roi": [50, 100, 50, 200], "note": "RowStart, RowEnd, ColStart, ColEnd"}]
    }
  ]
}"#;

fn check_gantry_semantics(config: &Config) {
    assert_eq!(config.profile(), ProfileName::Basic);
    assert!(!config.strict());
    assert_eq!(config.date_range(), (-30, -10));
    assert_eq!(*config.private_policy(), PrivatePolicy::Remove);
    let overrides: Vec<(TagPath, UserAction)> = config
        .phi_overrides()
        .iter()
        .map(|o| (o.tag.clone(), o.action.clone()))
        .collect();
    let anonymized = || UserAction::Replace("ANONYMIZED".into());
    assert_eq!(
        overrides,
        vec![
            (tag("PatientName"), UserAction::Remove),
            (
                tag("PatientID"),
                UserAction::Replace("ANONYMIZED-01".into())
            ),
            (tag("InstitutionName"), UserAction::Keep),
            (tag("StudyDescription"), UserAction::Empty),
            (tag("PatientBirthDate"), UserAction::Shift),
            (tag("StudyDate"), UserAction::Shift),
            // Isocenter: a string is the tag's display name; REPLACE.
            (tag("ReferringPhysicianName"), anonymized()),
            // Isocenter: a rule without an action is REPLACE.
            (tag("InstitutionalDepartmentName"), anonymized()),
        ]
    );
    assert_eq!(
        config.phi_overrides()[0].name.as_deref(),
        Some("PatientName")
    );
    let machines = config.machines();
    assert_eq!(machines.len(), 2);
    assert_eq!(
        machines[0].device_serial_number.as_deref(),
        Some("US-12345")
    );
    assert_eq!(machines[0].model_name.as_deref(), Some("Voluson E10"));
    assert_eq!(
        machines[0].zones,
        vec![
            Zone::Gantry {
                r1: 0,
                r2: 50,
                c1: 0,
                c2: 800
            },
            Zone::Gantry {
                r1: 900,
                r2: 1024,
                c1: 0,
                c2: 400
            },
        ]
    );
    // The serial number identifies the machine; "Unknown" only describes it.
    assert_eq!(
        machines[1].criteria(),
        vec![Condition {
            tag: tag("DeviceSerialNumber"),
            value: "SN-9999".into()
        }]
    );
    assert_eq!(
        machines[1].zones,
        vec![Zone::Gantry {
            r1: 50,
            r2: 100,
            c1: 50,
            c2: 200
        }]
    );
    // Defaults for Gantry's own keys.
    assert!(config.options().is_empty());
    assert_eq!(config.layout().template(), Layout::DEFAULT);
    assert_eq!(config.pseudonyms().prefix, "ANON");
    assert!(!config.reversible());
}

#[test]
fn gantry_config_loads_with_its_documented_semantics() {
    let config = load(GANTRY_YAML, "cfg.yaml");
    check_gantry_semantics(&config);
    // The display-name string is worth a warning.
    let warnings: Vec<String> = config.warnings().iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "cfg.yaml:24:16: phi_tags: '0008,0090': 'Referring Physician's Name' is not an action"
        )),
        "{warnings:#?}"
    );
}

#[test]
fn json_equivalent_loads_identically() {
    let yaml = load(GANTRY_YAML, "cfg.yaml");
    let json = load(GANTRY_JSON, "cfg.json");
    check_gantry_semantics(&json);
    assert_eq!(yaml.canonical_json(), json.canonical_json());
    // JSON values are located too.
    assert_eq!(
        error(
            r#"{"machines": [{"serial_number": "A", "redaction_zones": [[10, 5, 0, 100]]}]}"#,
            "c.json"
        ),
        "c.json:1:58: redaction zone [10, 5, 0, 100]: r1 must be less than r2"
    );
}

#[test]
fn json_syntax_errors_come_from_serde_json() {
    assert_eq!(
        error("{\n  \"profile\": basic\n}", "cfg.json"),
        "cfg.json:2:14: expected value"
    );
    // YAML that is not JSON is refused in a .json file.
    assert_eq!(
        error("profile: basic\n", "cfg.JSON"),
        "cfg.JSON:1:1: expected value"
    );
    assert!(Config::from_str("profile: basic\n", "cfg.yml").is_ok());
}

#[test]
fn gantry_scalar_int_jitter_is_a_fixed_shift() {
    let config = load("date_jitter: -30\n", "cfg.yaml");
    assert_eq!(config.date_range(), (-30, -30));
    assert_eq!(
        config.warnings()[0].to_string(),
        "cfg.yaml:1:14: date range [-30, -30]: every patient's dates move by the same -30 days, \
         so one known original date reveals all of them"
    );
}

#[test]
fn defaults() {
    let config = Config::default();
    assert_eq!(config.profile_name(), "basic");
    assert_eq!(config.date_range(), (-365, -1));
    assert_eq!(*config.private_policy(), PrivatePolicy::Remove);
    assert!(config.effective_options().is_empty());
    assert_eq!(config.source(), None);
    // An empty file, or one of comments, is the defaults.
    for text in ["", "# nothing\n", "\u{feff}"] {
        let loaded = load(text, "cfg.yaml");
        assert_eq!(loaded.canonical_json(), config.canonical_json());
        assert!(loaded.warnings().is_empty());
    }
}

#[test]
fn gantry_own_keys() {
    let text = r#"
profile: research
options: [retain-uids, Clean_Graphics, retain-uids]
strict: true
key_file: keys/project.key
pseudonyms: {prefix: SUBJ, table: ids.csv, missing: generate}
private_tags:
  policy: keep
  creators: ["GEMS_IDEN_01", "SIEMENS CSA HEADER"]
dates: {min_days: -100, max_days: -50, shift_times: true}
phi_tags:
  PatientName: HASH
  "*/PatientID": uid
  (0009,{GEMS_IDEN_01}10): "REPLACE: x y"
  00100030: {action: "REPLACE:1900"}
  StudyDescription: clean
  PatientAge: ROUND
  PatientSex: DUMMY
machines:
  - manufacturer: ACME
    model_name: Scanner 3000
    conditions: {Modality: US, Rows: 480, "(0018,1020)": 1.10}
    redaction_zones: [[0, 40, 0, 640]]
    regions: [[-100, 0, 100, 30], {x: 0, y: -20, w: 640, h: 20}]
export:
  layout: "{PatientID}/{StudyDate}/{Modality}-{SeriesNumber}/{SOPInstanceUID}.dcm"
  transfer_syntax: 1.2.840.10008.1.2.5
  safe: true
reversible: true
recipients: [certs/alice.pem]
"#;
    let config = load(text, "/etc/gantry/cfg.yaml");
    assert_eq!(config.profile_name(), "research");
    assert_eq!(config.option_names(), vec!["retain-uids", "clean-graphics"]);
    assert_eq!(
        config
            .effective_options()
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>(),
        vec![
            "retain-uids",
            "retain-device-identity",
            "retain-patient-characteristics",
            "retain-long-modified-dates",
            "clean-descriptors",
            "clean-graphics",
            "clean-pixel-data"
        ]
    );
    assert!(config.strict());
    assert_eq!(
        config.key_file(),
        Some(Path::new("/etc/gantry/keys/project.key"))
    );
    assert_eq!(
        *config.pseudonyms(),
        Pseudonyms {
            prefix: "SUBJ".into(),
            table: Some(PathBuf::from("/etc/gantry/ids.csv")),
            missing: MissingPseudonym::Generate,
        }
    );
    assert_eq!(
        *config.private_policy(),
        PrivatePolicy::Keep {
            creators: vec!["GEMS_IDEN_01".into(), "SIEMENS CSA HEADER".into()]
        }
    );
    assert_eq!(
        config.dates(),
        DateSettings {
            min_days: -100,
            max_days: -50,
            shift_times: true
        }
    );
    let actions: Vec<(String, UserAction)> = config
        .phi_overrides()
        .iter()
        .map(|o| (o.tag.to_string(), o.action.clone()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("(0010,0010)".into(), UserAction::Hash),
            ("*/(0010,0020)".into(), UserAction::Uid),
            (
                "(0009,{GEMS_IDEN_01}10)".into(),
                UserAction::Replace("x y".into())
            ),
            ("(0010,0030)".into(), UserAction::Replace("1900".into())),
            ("(0008,1030)".into(), UserAction::Clean),
            ("(0010,1010)".into(), UserAction::Round),
            ("(0010,0040)".into(), UserAction::Dummy),
        ]
    );
    let machine = &config.machines()[0];
    assert_eq!(
        machine.criteria(),
        vec![
            Condition {
                tag: tag("Manufacturer"),
                value: "ACME".into()
            },
            Condition {
                tag: tag("ManufacturerModelName"),
                value: "Scanner 3000".into()
            },
            Condition {
                tag: tag("Modality"),
                value: "US".into()
            },
            Condition {
                tag: tag("Rows"),
                value: "480".into()
            },
            // Numbers keep their spelling: "1.10", not 1.1.
            Condition {
                tag: tag("SoftwareVersions"),
                value: "1.10".into()
            },
        ]
    );
    assert_eq!(
        machine.zones,
        vec![
            Zone::Gantry {
                r1: 0,
                r2: 40,
                c1: 0,
                c2: 640
            },
            Zone::Ctp {
                x: -100,
                y: 0,
                w: 100,
                h: 30
            },
            Zone::Ctp {
                x: 0,
                y: -20,
                w: 640,
                h: 20
            },
        ]
    );
    let export = config.export();
    assert_eq!(export.transfer_syntax, Some(TransferSyntaxChoice::Rle));
    assert!(export.safe);
    assert!(config.reversible());
    assert_eq!(
        config.recipients(),
        &[PathBuf::from("/etc/gantry/certs/alice.pem")]
    );
    assert_eq!(
        config.warnings()[0].to_string(),
        "/etc/gantry/cfg.yaml:3:40: options: 'retain-uids' is listed twice"
    );
}

#[test]
fn canonical_json_loads_back() {
    let text = r#"
profile: research
options: [retain-uids]
pseudonyms: {prefix: SUBJ, table: ids.csv}
private_tags: {creators: [ACME 1.0]}
phi_tags:
  PatientName: "REPLACE: Doe^John"
  "*/(0009,{ACME 1.0}10)": REMOVE
machines:
  - conditions: {Modality: US}
    regions: [[-10, -10, 10, 10]]
export: {layout: "{PatientID}/{SOPInstanceUID}", transfer_syntax: j2k-lossless}
"#;
    let config = load(text, "cfg.yaml");
    let json = config.canonical_json();
    let again = load(&json, "cfg.json");
    assert_eq!(again.canonical_json(), json);
    assert_eq!(again.date_range(), config.date_range());
    assert_eq!(again.machines(), config.machines());
    assert_eq!(again.phi_overrides(), config.phi_overrides());
    assert_eq!(again.private_policy(), config.private_policy());
}

#[test]
fn unknown_keys_are_located_and_name_the_expected_keys() {
    assert_eq!(
        error(
            "privacy_profile: basic\nphi_tag:\n  PatientName: KEEP\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:1: unknown key 'phi_tag' (expected one of: version, privacy_profile, \
         phi_tags, ctp_params, date_jitter, remove_private_tags, machine_rules, machines, profile, options, \
         strict, key_file, pseudonyms, private_tags, dates, export, reversible, recipients)"
    );
    assert_eq!(
        error(
            "machines:\n  - serial_number: A\n    redaction_zone: []\n",
            "cfg.yaml"
        ),
        "cfg.yaml:3:5: unknown key 'redaction_zone' (expected one of: manufacturer, model_name, \
         device_serial_number, serial_number, conditions, redaction_zones, regions, comment)"
    );
    assert_eq!(
        error(
            "phi_tags:\n  PatientName: {action: KEEP, valeu: x}\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:31: unknown key 'valeu' (expected one of: action, name, value)"
    );
    assert_eq!(
        error(
            "export:\n  layout: \"{PatientID}\"\n  saf: true\n",
            "cfg.yaml"
        ),
        "cfg.yaml:3:3: unknown key 'saf' (expected one of: layout, transfer_syntax, safe)"
    );
    assert_eq!(
        error(
            "{\"dates\": {\"min_days\": -5,\n \"max_day\": -1}}",
            "cfg.json"
        ),
        "cfg.json:2:2: unknown key 'max_day' (expected one of: min_days, max_days, shift_times)"
    );
}

#[test]
fn bad_tag_text() {
    assert_eq!(
        error(
            "phi_tags:\n  PatientName: KEEP\n  \"(0010,001G)\": REMOVE\n",
            "cfg.yaml"
        ),
        "cfg.yaml:3:3: phi_tags: '(0010,001G)' is not a tag: cannot parse tag path \
         \"(0010,001G)\": column 10: expected a hex digit, found 'G'"
    );
    assert_eq!(
        error(
            "phi_tags:\n  PatientName: KEEP\n  \"0010,0010\": REMOVE\n",
            "cfg.yaml"
        ),
        "cfg.yaml:3:3: phi_tags: '0010,0010' names the same attribute as 'PatientName' (line 2)"
    );
}

#[test]
fn bad_zones() {
    assert_eq!(
        error(
            "machines:\n  - serial_number: A\n    redaction_zones:\n      - [0, 10, 0, 10]\n      - [10, 5, 0, 100]\n",
            "cfg.yaml"
        ),
        "cfg.yaml:5:9: redaction zone [10, 5, 0, 100]: r1 must be less than r2"
    );
    assert_eq!(
        error(
            "machines:\n  - serial_number: A\n    redaction_zones: [{roi: [0, 10, 7, 7]}, [1, 2, 3], [-1, 2, 3, 4]]\n",
            "cfg.yaml"
        ),
        "cfg.yaml:3:23: redaction zone [0, 10, 7, 7]: c1 must be less than c2\n\
         cfg.yaml:3:45: redaction zone [1, 2, 3]: expected 4 numbers [r1, r2, c1, c2], found 3\n\
         cfg.yaml:3:56: redaction zone [-1, 2, 3, 4]: rows and columns count from the top-left \
         corner and cannot be negative (use regions: [x, y, w, h] to count from the right or bottom edge)"
    );
    assert_eq!(
        error(
            "machines:\n  - serial_number: A\n    regions: [{x: 0, y: 0, w: 0, h: 5}]\n",
            "cfg.yaml"
        ),
        "cfg.yaml:3:15: region [0, 0, 0, 5]: w must be greater than 0"
    );
    assert_eq!(
        error(
            "machines:\n  - redaction_zones: [[0, 1, 0, 1]]\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:5: machine entry has nothing to match: give device_serial_number (or \
         serial_number), manufacturer and model_name, or conditions"
    );
    assert_eq!(
        error(
            "machines:\n  - serial_number: A\n    redaction_zones: [[0, 1.5, 0, 1]]\n",
            "cfg.yaml"
        ),
        "cfg.yaml:3:27: invalid i64"
    );
}

#[test]
fn zones_become_regions_placed_and_clipped_per_image() {
    use gantry_redact::{Placement, Rect};
    let rect = |rows: std::ops::Range<u32>, columns| Rect { rows, columns };
    let place =
        |zone: Zone, rows, columns| zone.region().expect("a valid zone").place(rows, columns);
    let gantry = Zone::Gantry {
        r1: 500,
        r2: 600,
        c1: 0,
        c2: 100,
    };
    assert_eq!(
        place(gantry, 512, 512),
        Placement::Clipped(rect(500..512, 0..100))
    );
    assert_eq!(place(gantry, 256, 256), Placement::Outside);
    let ctp = Zone::Ctp {
        x: -100,
        y: -20,
        w: 150,
        h: 10,
    };
    assert_eq!(
        place(ctp, 480, 640),
        Placement::Clipped(rect(460..470, 540..640))
    );
    let outside = Zone::Ctp {
        x: -1000,
        y: 0,
        w: 10,
        h: 10,
    };
    assert_eq!(place(outside, 480, 640), Placement::Outside);
}

#[test]
fn bad_option_name() {
    assert_eq!(
        error("options:\n  - retain-uids\n  - retain-uid\n", "cfg.yaml"),
        "cfg.yaml:3:5: options: unknown option 'retain-uid' (expected one of: retain-safe-private, \
         retain-uids, retain-device-identity, retain-institution-identity, \
         retain-patient-characteristics, retain-long-full-dates, retain-long-modified-dates, \
         clean-descriptors, clean-structured-content, clean-graphics, clean-pixel-data)"
    );
    assert_eq!(
        error(
            "profile: research\noptions: [retain-long-full-dates]\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:11: options: retain-long-full-dates conflicts with retain-long-modified-dates, \
         which profile research turns on"
    );
}

#[test]
fn bad_layout_placeholder() {
    assert_eq!(
        error(
            "export:\n  layout: \"{PatientID}/{PatientBirthDate}/{SOPInstanceUID}.dcm\"\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:11: export.layout: unknown placeholder {PatientBirthDate} at character 13 \
         (allowed, de-identified values only: PatientID, PatientName, StudyInstanceUID, \
         SeriesInstanceUID, SOPInstanceUID, Modality, SeriesNumber, InstanceNumber, StudyDate, \
         AccessionNumber)"
    );
    assert_eq!(
        error("export: {layout: \"../{SOPInstanceUID}\"}\n", "cfg.yaml"),
        "cfg.yaml:1:18: export.layout: the layout has a '..' component; it must stay inside the \
         export folder"
    );
    assert_eq!(
        error("export: {layout: \"/out/{SOPInstanceUID}\"}\n", "cfg.yaml"),
        "cfg.yaml:1:18: export.layout: '/out/{SOPInstanceUID}' is an absolute path; the layout \
         is relative to the export folder"
    );
    assert_eq!(
        error(
            "export: {layout: \"{PatientID/{SOPInstanceUID}\"}\n",
            "cfg.yaml"
        ),
        "cfg.yaml:1:18: export.layout: unknown placeholder {PatientID/{SOPInstanceUID} at \
         character 1 (allowed, de-identified values only: PatientID, PatientName, \
         StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, Modality, SeriesNumber, \
         InstanceNumber, StudyDate, AccessionNumber)"
    );
}

#[test]
fn layout_renders_safe_components() {
    let layout = Layout::parse("{{x}}/{PatientID}/{SeriesNumber}-{SOPInstanceUID}.dcm").unwrap();
    let path = layout.render(|field| match field {
        LayoutField::PatientID => Some("../ANON 1/x".into()),
        LayoutField::SOPInstanceUID => Some("2.25.1".into()),
        _ => None,
    });
    assert_eq!(path, "{x}/_._ANON_1_x/unknown-2.25.1.dcm");
}

#[test]
fn conflicting_profile_keys() {
    assert_eq!(
        error(
            "privacy_profile: basic\nstrict: true\nprofile: research\n",
            "cfg.yaml"
        ),
        "cfg.yaml:3:10: profile 'research' conflicts with privacy_profile 'basic' (line 1); give one of them"
    );
    // The same profile twice is fine.
    assert!(Config::from_str("privacy_profile: basic\nprofile: Basic\n", "cfg.yaml").is_ok());
    assert_eq!(
        error("privacy_profile: none\n", "cfg.yaml"),
        "cfg.yaml:1:18: privacy_profile: 'none' (phi_tags as the whole policy) is not supported: \
         Gantry always applies a PS3.15 profile beneath phi_tags; remove the line to use basic, \
         or keep attributes with KEEP entries in phi_tags"
    );
    assert!(
        error("privacy_profile:\n", "cfg.yaml")
            .starts_with("cfg.yaml:1:16: privacy_profile: 'none'")
    );
    assert_eq!(
        error("privacy_profile: ./profiles/site.yaml\n", "cfg.yaml"),
        "cfg.yaml:1:18: privacy_profile './profiles/site.yaml': external profile files are not \
         supported (expected one of: basic, research; put the file's rules under phi_tags)"
    );
    let comprehensive = load("privacy_profile: comprehensive\n", "cfg.yaml");
    assert_eq!(comprehensive.profile_name(), "basic");
    assert!(comprehensive.strict());
}

#[test]
fn private_policy_mapping() {
    let policy = |text: &str| load(text, "cfg.yaml").private_policy().clone();
    assert_eq!(policy("remove_private_tags: true\n"), PrivatePolicy::Remove);
    let keep = load("remove_private_tags: false\n", "cfg.yaml");
    assert_eq!(*keep.private_policy(), PrivatePolicy::KeepSafe);
    assert_eq!(
        keep.effective_options(),
        vec![DeidOption::RetainSafePrivate]
    );
    assert!(
        keep.warnings()[0]
            .message
            .starts_with("remove_private_tags: false is read as")
    );
    assert_eq!(
        policy("remove_private_tags: false\nprivate_tags: {policy: keep, creators: [A]}\n"),
        PrivatePolicy::Keep {
            creators: vec!["A".into()]
        }
    );
    assert_eq!(
        policy("options: [retain-safe-private]\n"),
        PrivatePolicy::KeepSafe
    );
    assert_eq!(
        error(
            "remove_private_tags: true\nprivate_tags: {policy: keep-safe}\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:15: private_tags policy 'keep-safe' conflicts with remove_private_tags: true (line 1)"
    );
    assert_eq!(
        error(
            "remove_private_tags: true\noptions: [retain-safe-private]\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:11: options: retain-safe-private conflicts with remove_private_tags: true \
         (line 1), which removes every private attribute"
    );
    assert_eq!(
        error("private_tags: {policy: keep}\n", "cfg.yaml"),
        "cfg.yaml:1:15: private_tags: policy keep needs creators: [CREATOR, ...] (the private \
         creators to keep)"
    );
    assert_eq!(
        error("private_tags: {policy: maybe}\n", "cfg.yaml"),
        "cfg.yaml:1:24: private_tags: unknown policy 'maybe' (expected one of: remove, keep-safe, keep)"
    );
}

#[test]
fn phi_action_errors() {
    assert_eq!(
        error(
            "phi_tags:\n  PatientName: {action: OBLITERATE}\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:25: phi_tags: 'PatientName': unknown action 'OBLITERATE' (expected one of: \
         KEEP, REMOVE, EMPTY, REPLACE, SHIFT, JITTER, HASH, UID, DUMMY, CLEAN, ROUND, CTP)"
    );
    assert_eq!(
        error("phi_tags:\n  PatientName: \"REPLACE:  \"\n", "cfg.yaml"),
        "cfg.yaml:2:16: phi_tags: 'PatientName': 'REPLACE:' needs a value after the colon \
         (use EMPTY for an empty value)"
    );
    assert_eq!(
        error("phi_tags:\n  PatientName: 5\n", "cfg.yaml"),
        "cfg.yaml:2:3: invalid type: integer `5`, expected an action such as REMOVE or \
         'REPLACE: value', or a mapping {action, value, name}"
    );
}

#[test]
fn date_errors() {
    assert_eq!(
        error("dates: {min_days: -10, max_days: -30}\n", "cfg.yaml"),
        "cfg.yaml:1:8: date range: min_days -10 is greater than max_days -30"
    );
    assert_eq!(
        error("date_jitter: 99999999\n", "cfg.yaml"),
        "cfg.yaml:1:14: date_jitter: 99999999 days is out of range (at most 36525 days either way)"
    );
    assert_eq!(
        error("date_jitter: {min_days: -30}\n", "cfg.yaml"),
        "cfg.yaml:1:15: missing key 'max_days'"
    );
    assert_eq!(
        error("date_jitter: -5\ndates: {max_days: -2}\n", "cfg.yaml"),
        "cfg.yaml:2:8: dates (min_days -365, max_days -2) conflicts with date_jitter (min_days -5, \
         max_days -5) (line 1); give the range once"
    );
    let both = load(
        "date_jitter: -5\ndates: {min_days: -5, max_days: -5, shift_times: true}\n",
        "c.yaml",
    );
    assert!(both.dates().shift_times);
    assert_eq!(both.date_range(), (-5, -5));
}

#[test]
fn several_problems_are_listed_in_file_order() {
    let err = Config::from_str(
        "export: {layout: \"{Nope}\"}\noptions: [nope]\nprofile: nope\n",
        "cfg.yaml",
    )
    .unwrap_err();
    let lines: Vec<u64> = err
        .problems()
        .iter()
        .map(|p| p.position.unwrap().line)
        .collect();
    assert_eq!(lines, vec![1, 2, 3]);
}

#[test]
fn yaml_errors_are_located() {
    assert_eq!(error("profile: [basic\n", "cfg.yaml").lines().count(), 1);
    assert!(error("profile: [basic\n", "cfg.yaml").starts_with("cfg.yaml:1:"));
    assert_eq!(
        error("strict: maybe\n", "cfg.yaml"),
        "cfg.yaml:1:9: invalid boolean"
    );
    assert_eq!(
        error("profile: basic\nprofile: research\n", "cfg.yaml"),
        "cfg.yaml:2:1: duplicate key 'profile'"
    );
    assert!(error("- 1\n", "cfg.yaml").starts_with("cfg.yaml:1:1: "));
}

#[test]
fn load_reads_files_and_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cfg.yaml");
    std::fs::write(&path, "key_file: project.key\nprofile: research\n").unwrap();
    let config = Config::load(&path).unwrap();
    assert_eq!(config.profile_name(), "research");
    assert_eq!(
        config.key_file(),
        Some(dir.path().join("project.key").as_path())
    );
    assert_eq!(config.source(), Some(path.as_path()));

    let missing = dir.path().join("missing.yaml");
    assert!(matches!(
        Config::load(&missing),
        Err(ConfigError::Read { .. })
    ));
    let binary = dir.path().join("bin.yaml");
    std::fs::write(&binary, b"profile: basic\nstrict: \xff\n").unwrap();
    assert_eq!(
        Config::load(&binary).unwrap_err().to_string(),
        format!("{}:2:9: the file is not UTF-8 text", binary.display())
    );
}

fn inventory() -> Inventory {
    let equipment = |manufacturer: &str, model: &str, serial: &str, instances| EquipmentCount {
        manufacturer: manufacturer.into(),
        model: model.into(),
        serial: serial.into(),
        instances,
    };
    let mut inventory = Inventory {
        patients: 3,
        studies: 4,
        series: 9,
        instances: 1210,
        burned_in_annotation_yes: 200,
        equipment: vec![
            equipment("GE MEDICAL SYSTEMS", "LightSpeed16", "12345", 1000),
            equipment("ACME \"Imaging\"", "US\\2000\n#x", "", 200),
            equipment("", "", "", 10),
        ],
        ..Inventory::default()
    };
    inventory.modalities.insert("CT".into(), 1000);
    inventory.modalities.insert("US".into(), 200);
    inventory.modalities.insert("".into(), 10);
    inventory
}

#[test]
fn scaffold_loads_back() {
    let text = scaffold(&inventory());
    let config = load(&text, "cfg.yaml");
    assert!(config.warnings().is_empty(), "{:#?}", config.warnings());
    assert_eq!(config.canonical_json(), {
        let expected = Config {
            machines: vec![
                Machine {
                    manufacturer: Some("GE MEDICAL SYSTEMS".into()),
                    model_name: Some("LightSpeed16".into()),
                    device_serial_number: Some("12345".into()),
                    ..Machine::default()
                },
                Machine {
                    manufacturer: Some("ACME \"Imaging\"".into()),
                    model_name: Some("US\\2000\n#x".into()),
                    ..Machine::default()
                },
            ],
            ..Config::default()
        };
        expected.canonical_json()
    });
    assert!(text.contains("# 200 instances say BurnedInAnnotation = YES"));
    assert!(text.contains("#   retain-uids                     keep original UIDs"));
    assert!(text.contains("  # 10 instances name no Manufacturer, model or serial number."));
    // And as JSON-free YAML it is what a person reads: no machine, no zones.
    let empty = scaffold(&Inventory::default());
    assert!(empty.contains("\nmachines: []\n"));
    assert!(load(&empty, "cfg.yaml").machines().is_empty());
}

#[test]
fn scaffold_prefills_zones_through_the_hook() {
    let text = scaffold_with(&inventory(), |e| {
        (e.serial == "12345")
            .then(|| Prefill {
                zones: vec![
                    Zone::Ctp {
                        x: 0,
                        y: 0,
                        w: 512,
                        h: 25,
                    },
                    Zone::Gantry {
                        r1: 0,
                        r2: 10,
                        c1: 0,
                        c2: 10,
                    },
                ],
                signature:
                    "{ Manufacturer.containsIgnoreCase(\"GE MEDICAL\")\n * Rows.equals(\"512\") }"
                        .into(),
                conditions: vec![("Rows".into(), "512".into())],
            })
            .into_iter()
            .collect()
    });
    assert!(text.contains(
        "# Zones pre-filled from the built-in rule that matched: { Manufacturer.containsIgnoreCase(\"GE MEDICAL\")  * Rows.equals(\"512\") }"
    ));
    let config = load(&text, "cfg.yaml");
    assert_eq!(
        config.machines()[0].zones,
        vec![
            Zone::Gantry {
                r1: 0,
                r2: 10,
                c1: 0,
                c2: 10
            },
            Zone::Ctp {
                x: 0,
                y: 0,
                w: 512,
                h: 25
            },
        ]
    );
}

#[test]
fn yaml_quoting_round_trips() {
    for text in [
        "plain",
        "a\"b\\c",
        "tab\there",
        "nl\nx",
        "\u{1}\u{7f}\u{85}\u{2028}",
        "ünï",
    ] {
        let yaml = format!("version: \"2.0\"\nkey_file: {}\n", yaml_text::quoted(text));
        let config = load(&yaml, "cfg.yaml");
        assert_eq!(config.key_file(), Some(Path::new(text)));
    }
}

/// Lines a configuration might have, to drive the loader deeper than
/// random bytes do.
fn config_line() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "privacy_profile",
        "profile",
        "phi_tags",
        "date_jitter",
        "remove_private_tags",
        "machines",
        "options",
        "strict",
        "key_file",
        "pseudonyms",
        "private_tags",
        "dates",
        "export",
        "reversible",
        "recipients",
        "version",
        "  - serial_number",
        "    redaction_zones",
        "    regions",
        "  PatientName",
        "  \"(0009,{X}10)\"",
        "  layout",
        "  policy",
        "  creators",
        "  min_days",
        "  max_days",
        "    conditions",
        "  action",
        "  value",
    ]);
    let values = prop::sample::select(vec![
        "",
        " basic",
        " research",
        " none",
        " comprehensive",
        " [retain-uids]",
        " [[0, 1, 0, 1]]",
        " [[5, 1, 0, 1]]",
        " [{x: -1, y: 0, w: 0, h: 1}]",
        " {roi: [1, 2, 3]}",
        " true",
        " -30",
        " {min_days: 5, max_days: -5}",
        " \"{PatientID}/{Bad}\"",
        " KEEP",
        " \"REPLACE: x\"",
        " {action: REMOVE}",
        " keep",
        " [A, \"\"]",
        " 99999999999999999999",
        " ~",
        " &a [*a]",
        " !!binary AAAA",
        " {",
        " \"\\u0000\"",
        " '",
        " {Modality: US}",
    ]);
    (keys, values).prop_map(|(k, v)| format!("{k}:{v}"))
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = Config::from_str(&text, "cfg.yaml");
        let _ = Config::from_str(&text, "cfg.json");
    }

    #[test]
    fn config_like_text_never_panics(lines in prop::collection::vec(config_line(), 0..12)) {
        let text = lines.join("\n");
        let _ = Config::from_str(&text, "cfg.yaml");
        if let Ok(config) = Config::from_str(&text, "cfg.yaml") {
            // Whatever loads, loads back from its canonical form.
            let json = config.canonical_json();
            prop_assert_eq!(Config::from_str(&json, "cfg.json").map(|c| c.canonical_json()).ok(), Some(json));
        }
    }

    #[test]
    fn layout_parse_never_panics(template in ".{0,60}") {
        if let Ok(layout) = Layout::parse(&template) {
            let _ = layout.render(|_| Some("x/../y".into()));
        }
    }
}

#[test]
fn tag_forms_and_letter_codes() {
    let config = load(
        "phi_tags:\n  00100010: X\n  0010,0020: z\n  (0008,0050): D\n  0009[ACME]10: K\n  StudyDate: C\n  StudyInstanceUID: U\n",
        "cfg.yaml",
    );
    let actions: Vec<(String, UserAction)> = config
        .phi_overrides()
        .iter()
        .map(|o| (o.tag.to_string(), o.action.clone()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("(0010,0010)".into(), UserAction::Remove),
            ("(0010,0020)".into(), UserAction::Empty),
            ("(0008,0050)".into(), UserAction::Dummy),
            ("(0009,{ACME}10)".into(), UserAction::Keep),
            ("(0008,0020)".into(), UserAction::Clean),
            ("(0020,000D)".into(), UserAction::Uid),
        ]
    );
    // Tab-indented JSON, as editors write it.
    let json = load(
        "{\n\t\"phi_tags\": {\n\t\t\"PatientName\": \"KEEP\"\n\t}\n}\n",
        "cfg.json",
    );
    assert_eq!(json.phi_overrides()[0].action, UserAction::Keep);
}

#[test]
fn ctp_rules_are_checked_where_they_are_written() {
    let config = load(
        "ctp_params:\n  ROOT: \"1.2.3\"\nphi_tags:\n  \
         StudyInstanceUID: {action: CTP, value: \"@hashuid(@ROOT,this)\"}\n  \
         StudyDescription: \"CTP: @if(this,isblank){@remove()}{@keep()}\"\n",
        "cfg.yaml",
    );
    assert_eq!(
        config.phi_overrides()[0].action,
        UserAction::Ctp("@hashuid(@ROOT,this)".into())
    );
    assert_eq!(
        config.phi_overrides()[1].action,
        UserAction::Ctp("@if(this,isblank){@remove()}{@keep()}".into())
    );
    assert_eq!(
        config.ctp_params().get("ROOT").map(String::as_str),
        Some("1.2.3")
    );
    // The canonical form loads back to the same rules and parameters.
    let again = load(&config.canonical_json(), "cfg.json");
    assert_eq!(again.phi_overrides(), config.phi_overrides());
    assert_eq!(again.ctp_params(), config.ctp_params());

    assert_eq!(
        error("phi_tags:\n  PatientName: CTP\n", "cfg.yaml"),
        "cfg.yaml:2:16: phi_tags: 'PatientName': CTP needs the rule's text: 'CTP: @...' or \
         {action: CTP, value: '@...'}"
    );
    assert_eq!(
        error(
            "phi_tags:\n  PatientName: {action: CTP, value: \"@hash(this,@LEN)\"}\n",
            "cfg.yaml"
        ),
        "cfg.yaml:2:16: phi_tags: 'PatientName': CTP rule uses @LEN, which ctp_params does not define"
    );
    let message = error(
        "phi_tags:\n  PatientName: \"CTP: @frobnicate(this)\"\n",
        "cfg.yaml",
    );
    assert!(
        message.starts_with("cfg.yaml:2:16: phi_tags: 'PatientName': CTP rule, column 1: "),
        "{message}"
    );
    assert!(message.contains("frobnicate"), "{message}");
    assert_eq!(
        error("ctp_params:\n  \"@ROOT\": x\n", "cfg.yaml"),
        "cfg.yaml:2:3: ctp_params: '@ROOT' is not a parameter name (letters, digits, _ and -; no @)"
    );
}
