//! Rules, rule sets (config before knowledge base), per-frame regions.

use gantry_codec::{Photometric, Samples};
use gantry_ctp::{Condition, Method, Operand, Predicate};
use gantry_redact::{Error, Fill, KnowledgeBase, Origin, Region, Rule, RuleSet};

use crate::{format, frame_with};

fn model_is(model: &str) -> Condition {
    Condition::Predicate(
        Predicate::new(
            Operand::keyword("ManufacturerModelName"),
            Method::ContainsIgnoreCase,
            model,
        )
        .unwrap(),
    )
}

fn config(machine: &str) -> Origin {
    Origin::Config {
        machine: machine.to_owned(),
    }
}

fn zone(r1: u32, r2: u32, c1: u32, c2: u32) -> Region {
    Region::from_gantry([r1, r2, c1, c2]).unwrap()
}

fn iu22(op: &Operand) -> Option<String> {
    match op.as_keyword()? {
        "ManufacturerModelName" => Some("iU22".to_owned()),
        "Rows" => Some("480".to_owned()),
        _ => None,
    }
}

#[test]
fn config_rules_come_before_the_knowledge_base() {
    let ours = Rule::new(
        config("philips-iu22"),
        model_is("iU22"),
        vec![zone(0, 60, 0, 640)],
    );
    let rules = RuleSet::new(vec![ours.clone()]).with_knowledge_base(KnowledgeBase::builtin());
    assert_eq!(rules.rules().len(), 53);
    assert_eq!(rules.first_match(&iu22), Some(&ours));
    assert_eq!(ours.origin.to_string(), "config machine philips-iu22");
    // Without the config rule the knowledge base answers.
    let kb_only = RuleSet::default().with_knowledge_base(KnowledgeBase::builtin());
    assert_eq!(
        kb_only.first_match(&iu22).unwrap().origin.to_string(),
        "CTP DicomPixelAnonymizer.script line 150"
    );
    // A config rule for another machine does not get in the way.
    let other = Rule::new(
        config("ge-logiq"),
        model_is("LOGIQ"),
        vec![zone(0, 1, 0, 1)],
    );
    let rules = RuleSet::new(vec![other]).with_knowledge_base(KnowledgeBase::builtin());
    assert!(matches!(
        &rules.first_match(&iu22).unwrap().origin,
        Origin::Script { line: 150, .. }
    ));
}

#[test]
fn a_matching_rule_without_regions_still_wins() {
    let clean = Rule::new(config("known-clean"), model_is("iU22"), vec![]);
    let rules = RuleSet::new(vec![clean]).with_knowledge_base(KnowledgeBase::builtin());
    let rule = rules.first_match(&iu22).unwrap();
    assert!(rule.regions.is_empty());
    assert_eq!(rule.origin, config("known-clean"));
}

#[test]
fn per_frame_regions_add_to_the_common_ones() {
    let rule = Rule::new(
        config("cine"),
        Condition::Const(true),
        vec![zone(0, 1, 0, 4)],
    )
    .with_frame_regions(2, vec![zone(3, 4, 0, 4)])
    .with_frame_regions(2, vec![zone(2, 3, 0, 1)]);
    assert_eq!(rule.regions_for_frame(0), [zone(0, 1, 0, 4)]);
    assert_eq!(
        rule.regions_for_frame(2),
        [zone(0, 1, 0, 4), zone(3, 4, 0, 4), zone(2, 3, 0, 1)]
    );

    let f = format(4, 4, Photometric::Monochrome2, 8, false, 0);
    let mut frames: Vec<_> = (0..3).map(|_| frame_with(f, |_| 1)).collect();
    for (i, frame) in frames.iter_mut().enumerate() {
        rule.apply(i as u32, frame, &Fill::Darkest).unwrap();
    }
    let zeros = |s: &Samples| match s {
        Samples::U8(v) => v.iter().filter(|&&x| x == 0).count(),
        _ => unreachable!(),
    };
    assert_eq!(zeros(&frames[0].samples), 4);
    assert_eq!(zeros(&frames[1].samples), 4);
    assert_eq!(zeros(&frames[2].samples), 9);
}

#[test]
fn errors_name_the_rule_and_the_frame() {
    let rule = Rule::new(
        config("scanner-7"),
        Condition::Const(true),
        vec![zone(0, 1, 0, 1)],
    );
    let mut frame = frame_with(format(2, 2, Photometric::Monochrome2, 8, false, 0), |_| 1);
    frame.samples = Samples::U8(vec![1; 3]);
    let err = rule.apply(4, &mut frame, &Fill::Darkest).unwrap_err();
    assert!(matches!(&err, Error::Frame { frame: 4, .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("config machine scanner-7, frame 4: the frame holds 3"),
        "{err}"
    );
}
