use super::*;

fn empty_report() -> Report {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut session = crate::Session::open(dir.path().join("s.db")).expect("open");
    session.report(None).expect("report")
}

/// Cells of a Markdown table row: split on pipes not escaped by a
/// backslash.
fn markdown_cells(row: &str) -> usize {
    let mut cells: usize = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => cells += 1,
            _ => escaped = false,
        }
    }
    cells.saturating_sub(1)
}

#[test]
fn an_empty_session_makes_a_report_that_says_so() {
    let report = empty_report();
    assert!(report.session.empty);
    assert!(report.export.is_none() && report.deidentification.is_none());
    assert!(report.key.is_none() && report.config.is_none());
    assert_eq!(report.verification.status, "not-verified");
    assert_eq!(
        (report.audit_log.events, report.audit_log.intact),
        (0, true)
    );
    assert_eq!(report.steps.len(), STEPS.len());
    assert!(
        report
            .steps
            .iter()
            .all(|s| s.runs == 0 && s.last_at.is_none())
    );

    let markdown = report.markdown();
    assert!(markdown.starts_with("# Gantry compliance report\n"));
    assert!(markdown.contains("This session is empty"), "{markdown}");
    assert!(markdown.contains("No export is recorded in this session."));
    let html = report.html();
    assert!(html.contains("This session is empty"));
    for (id, title) in SECTIONS {
        assert!(markdown.contains(&format!("\n## {title}\n")), "{title}");
        assert!(
            html.contains(&format!("<section id=\"{id}\">\n<h2>{title}</h2>")),
            "{id}"
        );
    }
    let json = serde_json::to_value(&report).expect("json");
    for (id, _) in SECTIONS.iter().filter(|(id, _)| *id != "summary") {
        assert!(json.get(id).is_some(), "JSON key {id}");
    }
}

#[test]
fn html_is_self_contained() {
    let html = empty_report().html();
    for forbidden in [
        "http", "<script", "<link", "<img", "<iframe", "src=", "url(",
    ] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn html_escapes_every_special_character() {
    assert_eq!(
        html::escape(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
    assert_eq!(
        html::escape("plain 1.2.3 (0010,0010)"),
        "plain 1.2.3 (0010,0010)"
    );
}

#[test]
fn markdown_escapes_markup_and_keeps_tables_whole() {
    assert_eq!(
        markdown::escape("a|b <x> *c* [d] `e` \\ f&g\nh"),
        "a\\|b &lt;x&gt; \\*c\\* \\[d\\] \\`e\\` \\\\ f&amp;g h"
    );
    assert_eq!(markdown::escape("TOSHIBA_MEC"), "TOSHIBA_MEC");
}

#[test]
fn hostile_names_and_reasons_cannot_break_out_of_either_form() {
    let mut report = empty_report();
    let hostile = "<script>alert('x')</script> | `tick` ``double`` *bold*\n## not a heading";
    report.redaction.machines.push(MachineCoverage {
        manufacturer: hostile.into(),
        model: "M|odel".into(),
        instances: 1,
        rules: [(hostile.to_string(), 1)].into(),
        ..MachineCoverage::default()
    });
    report.export = Some(ExportSummary {
        root: "/out/`x` | y".into(),
        last_export_at: None,
        written: 0,
        quarantined: 1,
        failed: 0,
        written_bytes: 0,
        key_fingerprints: BTreeMap::new(),
    });
    report.quarantine.quarantined = 1;
    report.quarantine.reasons.push(QuarantineReason {
        status: ExportStatus::Quarantined,
        reason: hostile.into(),
        instances: 1,
    });

    let html = report.html();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));

    let markdown = report.markdown();
    assert!(!markdown.contains("<script"));
    assert!(!markdown.contains("\n## not a heading"));
    // Every row of every table has as many cells as its header.
    let mut columns = None;
    for line in markdown.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = markdown_cells(line);
        match columns {
            None => columns = Some(cells),
            Some(n) => assert_eq!(cells, n, "{line}"),
        }
    }
    // A code span holding backticks is fenced by a longer run.
    assert!(markdown.contains("``/out/`x` \\| y``"), "{markdown}");
}

#[test]
fn applied_round_trips_through_the_audit_log_event() {
    let applied = Applied {
        profile: "basic+clean-pixel-data".into(),
        method_codes: vec![MethodCode {
            code: "113100".into(),
            scheme: "DCM".into(),
            meaning: "Basic Application Confidentiality Profile".into(),
        }],
        private_attributes: "keep".into(),
        private_creators: vec!["GEMS_IDEN_01".into()],
        strict: true,
        date_offset_days: [-30, -10],
        overrides: vec![Override {
            tag: "(0010,0010)".into(),
            action: "REPLACE".into(),
        }],
        pseudonym_table: false,
        safe: true,
        selection: false,
        shard: Some("2/8".into()),
        reversible: true,
        recipients: vec!["ab".into()],
        transfer_syntax: Some("1.2.840.10008.1.2.1".into()),
        layout: "{PatientID}/{SOPInstanceUID}.dcm".into(),
        config_hash: Some("00".into()),
        key: KeyInfo {
            source: "project".into(),
            fingerprint: "f".into(),
        },
    };
    let value = serde_json::to_value(&applied).expect("json");
    assert_eq!(
        serde_json::from_value::<Applied>(value).expect("back"),
        applied
    );
}

#[test]
fn a_report_describes_the_latest_export_and_its_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut session = crate::Session::open(dir.path().join("s.db")).expect("open");
    let out = dir.path().join("out");
    let root = std::path::absolute(&out)
        .expect("absolute")
        .to_string_lossy()
        .into_owned();
    let deid = session
        .deidentifier(gantry_privacy::Policy::default(), None)
        .expect("deid");
    let applied = Applied::new(&deid, &ExportOptions::default(), Some("c0ffee"));
    let store = session.store_mut().expect("store");
    store
        .append_event(
            "export",
            &serde_json::json!({"root": "/elsewhere", "written": 9}),
        )
        .expect("append");
    store
        .append_event(
            "export",
            &serde_json::json!({"root": root, "written": 0, "applied": applied}),
        )
        .expect("append");
    store
        .append_event(
            "verify",
            &serde_json::json!({"root": root, "files": 0, "leaks": 1, "findings": 0,
                "by_rule": {"leak:name": 1}}),
        )
        .expect("append");
    store
        .append_event(
            "verify",
            &serde_json::json!({"root": "/elsewhere", "files": 9, "leaks": 0, "findings": 0}),
        )
        .expect("append");
    let report = session.report(None).expect("report");
    let export = report.export.as_ref().expect("export");
    assert_eq!(export.root, root);
    let d = report.deidentification.as_ref().expect("applied");
    assert_eq!(d.applied.profile, "basic");
    assert_eq!(d.applied.method_codes[0].code, "113100");
    assert_eq!(d.recorded_by.id, 2);
    let key = report.key.as_ref().expect("key");
    assert_eq!(key.source, "session");
    assert_eq!(&key.fingerprint, deid.key_source().fingerprint());
    assert_eq!(
        report.config.as_ref().map(|c| c.hash.as_str()),
        Some("c0ffee")
    );
    // The verify of this root, not the later one of another root.
    assert_eq!(report.verification.status, "not-clean");
    assert_eq!(report.verification.leaks, 1);
    assert_eq!(
        report.findings.after.as_ref().expect("after").by_rule["leak:name"],
        1
    );
    let export_step = report
        .steps
        .iter()
        .find(|s| s.step == "export")
        .expect("step");
    assert_eq!((export_step.runs, export_step.counts["written"]), (1, 0));
    assert_eq!(report.audit_log.events, 4);

    // Another root, by name.
    let elsewhere = session
        .report(Some(Path::new("/elsewhere")))
        .expect("report");
    assert_eq!(elsewhere.verification.files, 9);
    assert!(elsewhere.deidentification.is_none());
    assert!(matches!(
        session.report(Some(Path::new("/nowhere"))),
        Err(Error::Usage(_))
    ));
}
