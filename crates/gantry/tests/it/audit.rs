//! Audit and anonymize over the dev corpus: the audit's summary is what
//! the session stores, and the main job (one pass for both, after the
//! redaction decisions) reports what the separate steps report.

use gantry::config::Config;
use gantry::privacy::Policy;
use gantry::redaction::Redactor;
use gantry::{ExportOptions, NoProgress};

use crate::support::{corpus, ingest};

#[test]
fn the_audit_summary_is_the_stored_one_and_run_agrees_with_the_steps() {
    let dev = corpus("dev");
    let redactor = Redactor::new(&Config::default(), true).unwrap();

    let steps = tempfile::tempdir().unwrap();
    let (mut session, _, inventory) = ingest(steps.path(), std::slice::from_ref(&dev));
    let deid = session.deidentifier(Policy::default(), None).unwrap();
    let before_redact = session.audit(&deid, &NoProgress).unwrap();
    assert_eq!(
        before_redact,
        session.store_mut().unwrap().findings_summary().unwrap(),
        "the summary counts what was stored"
    );
    assert!(before_redact.findings > 0);

    let redact = session.redact(&redactor, &NoProgress).unwrap();
    let audit = session.audit(&deid, &NoProgress).unwrap();
    assert_eq!(
        audit,
        session.store_mut().unwrap().findings_summary().unwrap()
    );
    let burned_in =
        |s: &gantry::AuditReport| s.by_rule.get("burned-in-annotation").copied().unwrap_or(0);
    // Instances a recorded rule covers lose their burned-in finding; the
    // rest of the audit does not depend on redaction.
    assert!(
        redact.matched > 0,
        "the knowledge base knows machines of the dev corpus"
    );
    assert!(burned_in(&audit) < burned_in(&before_redact));
    assert_eq!(
        before_redact.findings - burned_in(&before_redact),
        audit.findings - burned_in(&audit)
    );
    let anonymize = session.anonymize(&deid, &NoProgress).unwrap();
    assert_eq!(anonymize.instances, inventory.instances);
    assert!(anonymize.operations > 0);

    let main_job = tempfile::tempdir().unwrap();
    let mut session = gantry::Session::open(main_job.path().join("gantry.db")).unwrap();
    let report = session
        .run(
            &[dev],
            &main_job.path().join("out"),
            Policy::default(),
            None,
            &redactor,
            &ExportOptions::default(),
            &NoProgress,
        )
        .unwrap();
    // Another session has another key: remapped values differ, counts and
    // findings (rules, tags, masked originals) do not.
    assert_eq!(report.redact, redact);
    assert_eq!(report.audit, audit);
    assert_eq!(report.anonymize, anonymize);
    assert_eq!(
        report.audit,
        session.store_mut().unwrap().findings_summary().unwrap()
    );
}
