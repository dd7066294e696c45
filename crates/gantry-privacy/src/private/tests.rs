use dicom_core::Tag;

use super::*;

use PrivateDecision::{Keep, Remove};

#[test]
fn table_loads_completely() {
    assert_eq!(safe_private_rows().count(), 479);
    let creators: std::collections::HashSet<&str> = safe_private_rows()
        .map(|row| row.private_creator.as_str())
        .collect();
    assert_eq!(creators.len(), 20);
    assert_eq!(
        safe_private_rows().filter(|row| row.vr.is_none()).count(),
        5
    );
}

#[test]
fn safe_rows_from_the_table() {
    // (0043,xx27) GEMS_PARM_01 "Scan Pitch Ratio" SH.
    assert_eq!(safe_private_vr("GEMS_PARM_01", 0x0043, 0x27), Some("SH"));
    // (7053,xx00) Philips PET Private Group SUV factor, DS.
    assert_eq!(
        safe_private_vr("Philips PET Private Group", 0x7053, 0x00),
        Some("DS")
    );
    // (0019,xx0C) SIEMENS MR HEADER B value, IS.
    assert_eq!(
        safe_private_vr("SIEMENS MR HEADER", 0x0019, 0x0C),
        Some("IS")
    );
    // (00E1,xx21) ELSCINT1 DLP.
    assert_eq!(safe_private_vr("ELSCINT1", 0x00E1, 0x21), Some("DS"));
    let row = safe_private("ELSCINT1", 0x00E1, 0x21).unwrap();
    assert_eq!(row.meaning, "DLP");
    assert_eq!(row.element_in_block, 0x21);
}

#[test]
fn rows_without_a_vr_are_safe_as_un() {
    let row = safe_private("SIEMENS Ultrasound SC2000", 0x0119, 0x11).unwrap();
    assert_eq!(row.vr, None);
    assert_eq!(
        safe_private_vr("SIEMENS Ultrasound SC2000", 0x0119, 0x11),
        Some("UN")
    );
}

#[test]
fn creator_matching_trims_and_ignores_case() {
    assert_eq!(safe_private_vr("GEMS_PARM_01 ", 0x0043, 0x27), Some("SH"));
    assert_eq!(safe_private_vr("GEMS_PARM_01\0", 0x0043, 0x27), Some("SH"));
    assert_eq!(safe_private_vr("gems_parm_01", 0x0043, 0x27), Some("SH"));
    assert!(safe_private("PHILIPS MR IMAGING DD 001", 0x2005, 0x0D).is_some());
    // Group must match exactly; other creators do not match.
    assert_eq!(safe_private_vr("GEMS_PARM_01", 0x0045, 0x27), None);
    assert_eq!(safe_private_vr("GEMS_PARM_02", 0x0043, 0x27), None);
    assert_eq!(safe_private_vr("GEMS_PARM", 0x0043, 0x27), None);
    // Not every element of a listed creator is safe.
    assert_eq!(safe_private_vr("SIEMENS MR HEADER", 0x0019, 0xFF), None);
    // SIEMENS CSA HEADER is not in the table at all.
    assert_eq!(safe_private_vr("SIEMENS CSA HEADER", 0x0029, 0x10), None);
}

#[test]
fn remove_policy_removes_everything_private() {
    let policy = PrivatePolicy::Remove;
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x1027)),
        Remove
    );
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x0010)),
        Remove
    );
    assert_eq!(decide(&policy, None, Tag(0x0010, 0x0010)), Keep);
}

#[test]
fn keep_safe_policy() {
    let policy = PrivatePolicy::KeepSafe;
    // Safe element in block 10 and in another block (bb = 0x12).
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x1027)),
        Keep
    );
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x1227)),
        Keep
    );
    // Unlisted element of a listed creator.
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x10FE)),
        Remove
    );
    // Creator element of a creator with safe elements in this group: may stay.
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x0010)),
        Keep
    );
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01 "), Tag(0x0043, 0x0012)),
        Keep
    );
    // ...but not in a group where it has none.
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01"), Tag(0x0029, 0x0010)),
        Remove
    );
    // Unknown creators and CSA headers go.
    assert_eq!(
        decide(&policy, Some("SIEMENS CSA HEADER"), Tag(0x0029, 0x1010)),
        Remove
    );
    assert_eq!(
        decide(&policy, Some("SIEMENS CSA HEADER"), Tag(0x0029, 0x0010)),
        Remove
    );
}

#[test]
fn keep_list_policy() {
    let policy = PrivatePolicy::Keep(vec!["SIEMENS CSA HEADER".into(), "acme 1.0 ".into()]);
    assert_eq!(
        decide(&policy, Some("SIEMENS CSA HEADER"), Tag(0x0029, 0x1010)),
        Keep
    );
    assert_eq!(
        decide(&policy, Some("SIEMENS CSA HEADER"), Tag(0x0029, 0x0010)),
        Keep
    );
    assert_eq!(decide(&policy, Some("ACME 1.0"), Tag(0x0011, 0x10FF)), Keep);
    assert_eq!(
        decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x1027)),
        Remove
    );
    assert_eq!(
        decide(&PrivatePolicy::Keep(vec![]), Some("X"), Tag(0x0011, 0x1001)),
        Remove
    );
}

#[test]
fn orphans_lengths_and_illegal_groups_are_removed() {
    for policy in [
        PrivatePolicy::Remove,
        PrivatePolicy::KeepSafe,
        PrivatePolicy::Keep(vec!["GEMS_PARM_01".into()]),
    ] {
        // No creator for the block.
        assert_eq!(decide(&policy, None, Tag(0x0043, 0x1027)), Remove);
        assert_eq!(decide(&policy, Some("  "), Tag(0x0043, 0x1027)), Remove);
        // Group length and the 0001–000F range.
        assert_eq!(
            decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x0000)),
            Remove
        );
        assert_eq!(
            decide(&policy, Some("GEMS_PARM_01"), Tag(0x0043, 0x0005)),
            Remove
        );
        // Groups that may not be private.
        for group in [0x0001, 0x0003, 0x0005, 0x0007, 0xFFFF] {
            assert_eq!(
                decide(&policy, Some("GEMS_PARM_01"), Tag(group, 0x1027)),
                Remove
            );
        }
    }
}

#[test]
fn tag_helpers() {
    assert!(is_private_group(0x0009));
    assert!(!is_private_group(0x0008));
    assert!(!is_private_group(0x0007));
    assert!(!is_private_group(0xFFFF));
    assert!(is_private_creator_tag(Tag(0x0009, 0x0010)));
    assert!(is_private_creator_tag(Tag(0x0009, 0x00FF)));
    assert!(!is_private_creator_tag(Tag(0x0009, 0x0100)));
    assert!(!is_private_creator_tag(Tag(0x0008, 0x0010)));
    assert_eq!(
        creator_tag_of(Tag(0x0029, 0x1010)),
        Some(Tag(0x0029, 0x0010))
    );
    assert_eq!(
        creator_tag_of(Tag(0x0029, 0xFF01)),
        Some(Tag(0x0029, 0x00FF))
    );
    assert_eq!(creator_tag_of(Tag(0x0029, 0x0010)), None);
    assert_eq!(creator_tag_of(Tag(0x0029, 0x0FFF)), None);
    assert_eq!(creator_tag_of(Tag(0x0028, 0x1010)), None);
}

#[test]
fn policy_serde_names() {
    let cases = [
        (PrivatePolicy::Remove, r#""remove""#),
        (PrivatePolicy::KeepSafe, r#""keep-safe""#),
        (
            PrivatePolicy::Keep(vec!["SIEMENS CSA HEADER".into()]),
            r#"{"keep":["SIEMENS CSA HEADER"]}"#,
        ),
    ];
    for (policy, json) in cases {
        assert_eq!(serde_json::to_string(&policy).unwrap(), json);
        assert_eq!(serde_json::from_str::<PrivatePolicy>(json).unwrap(), policy);
    }
    assert_eq!(PrivatePolicy::default(), PrivatePolicy::Remove);
}
