//! Rendering results: one JSON object on stdout with `--json`, a short
//! human summary otherwise (SPEC §12.1).

use std::io::Write;

use gantry::IngestReport;
use gantry::store::{CompactStats, Inventory};
use serde_json::json;

/// One line on stdout. Unlike `println!`, a closed pipe (`gantry … |
/// head`) is an error the caller returns, not a panic; `main` ends
/// quietly on it.
pub(crate) fn line(text: impl std::fmt::Display) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

pub(crate) fn ingest(
    report: &IngestReport,
    inventory: &Inventory,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let mut value = serde_json::to_value(inventory)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("run".into(), serde_json::to_value(report)?);
        }
        return print_json(&value);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "ingest: {} seen, {} unchanged, {} read: {} indexed, {} skipped, {} failed",
        report.seen,
        report.unchanged,
        report.scanned,
        report.indexed,
        report.skipped,
        report.failed
    )?;
    drop(out);
    summary(inventory)
}

pub(crate) fn examine(inventory: &Inventory, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&serde_json::to_value(inventory)?);
    }
    summary(inventory)?;
    let mut out = std::io::stdout().lock();
    if !inventory.equipment.is_empty() {
        writeln!(
            out,
            "\nequipment (manufacturer | model | serial: instances)"
        )?;
        for e in &inventory.equipment {
            writeln!(
                out,
                "  {} | {} | {}: {}",
                e.manufacturer, e.model, e.serial, e.instances
            )?;
        }
    }
    if !inventory.transfer_syntaxes.is_empty() {
        writeln!(out, "\ntransfer syntaxes")?;
        for (uid, n) in &inventory.transfer_syntaxes {
            writeln!(out, "  {uid}: {n}")?;
        }
    }
    if !inventory.failures.is_empty() {
        writeln!(out, "\nskipped and failed files")?;
        for f in &inventory.failures {
            let state = match f.state {
                gantry::store::FileState::Skipped => "skipped",
                _ => "failed",
            };
            writeln!(out, "  {state}: {}: {}", f.path, f.reason)?;
        }
    }
    if !inventory.duplicate_sop_instance_uids.is_empty() {
        writeln!(out, "\nfiles sharing a SOPInstanceUID")?;
        for group in &inventory.duplicate_sop_instance_uids {
            writeln!(out, "  {}", group.paths.join(", "))?;
        }
    }
    Ok(())
}

fn summary(inventory: &Inventory) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "files: {} indexed, {} skipped, {} failed",
        inventory.files.indexed, inventory.files.skipped, inventory.files.failed
    )?;
    writeln!(
        out,
        "{} patients, {} studies, {} series, {} instances; {} with BurnedInAnnotation=YES; {} duplicate SOPInstanceUID groups",
        inventory.patients,
        inventory.studies,
        inventory.series,
        inventory.instances,
        inventory.burned_in_annotation_yes,
        inventory.duplicate_sop_instance_uids.len()
    )?;
    Ok(())
}

pub(crate) fn compact(stats: &CompactStats, json: bool) -> anyhow::Result<()> {
    let value = json!({
        "records_kept": stats.records_kept,
        "bytes_before": stats.bytes_before,
        "bytes_after": stats.bytes_after,
    });
    if json {
        return print_json(&value);
    }
    line(format_args!(
        "compact: kept {} records, {} → {} bytes",
        stats.records_kept, stats.bytes_before, stats.bytes_after
    ))
}

/// Print `value` as one JSON object with `--json`, else the text.
pub(crate) fn json_or<T: serde::Serialize>(
    value: &T,
    json: bool,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    if json {
        return print_json(&serde_json::to_value(value)?);
    }
    let text = text();
    if !text.is_empty() {
        line(text)?;
    }
    Ok(())
}

/// `gantry report`: the JSON object with `--json`; else the Markdown on
/// stdout when no file was asked for; else which files were written.
pub(crate) fn report(
    report: &gantry::Report,
    json: bool,
    files: &[Option<std::path::PathBuf>],
    quiet: bool,
) -> anyhow::Result<()> {
    if json {
        return print_json(&serde_json::to_value(report)?);
    }
    let mut out = std::io::stdout().lock();
    if files.iter().all(Option::is_none) {
        out.write_all(report.markdown().as_bytes())?;
    } else if !quiet {
        for path in files.iter().flatten() {
            writeln!(out, "report: wrote {}", path.display())?;
        }
    }
    Ok(())
}

pub(crate) fn audit_text(report: &gantry::AuditReport) -> String {
    let mut out = format!(
        "audit: {} findings in {} instances\n\nby rule:",
        report.findings, report.instances_with_findings
    );
    for (rule, n) in &report.by_rule {
        out.push_str(&format!("\n  {rule}: {n}"));
    }
    let mut tags: Vec<_> = report.by_tag.iter().collect();
    tags.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    out.push_str("\n\nmost frequent tags:");
    for (tag, n) in tags.into_iter().take(20) {
        out.push_str(&format!("\n  {tag}: {n}"));
    }
    out
}

/// `out` is the export root: where the manifest with each instance's
/// reason is, pointed to when something was not written.
pub(crate) fn export_text(report: &gantry::ExportReport, out_root: &std::path::Path) -> String {
    let mut out = format!(
        "export: {} written, {} quarantined, {} failed, {} already there",
        report.written, report.quarantined, report.failed, report.skipped_existing
    );
    if report.redacted + report.transcoded > 0 {
        out.push_str(&format!(
            "; {} redacted, {} re-encoded",
            report.redacted, report.transcoded
        ));
    }
    if report.source_bytes > 0 && report.written > 0 {
        let saved = report.source_bytes as f64 - report.written_bytes as f64;
        out.push_str(&format!(
            "; {:.1} MB in, {:.1} MB out ({:+.1}%)",
            report.source_bytes as f64 / 1e6,
            report.written_bytes as f64 / 1e6,
            -100.0 * saved / report.source_bytes as f64
        ));
    }
    if report.quarantined + report.failed > 0 {
        out.push_str(&format!(
            "\n  why each was not written: {} (source files: `gantry mapping`)",
            out_root.join("manifest.csv").display()
        ));
    }
    out
}

pub(crate) fn redact_text(report: &gantry::redaction::RedactReport) -> String {
    let mut out = format!(
        "redact: {} instances, {} matched a rule, {} to blank, {} may carry burned-in text with no rule, {} regions outside their image",
        report.instances, report.matched, report.redacted, report.uncovered, report.regions_outside
    );
    for (rule, n) in &report.by_rule {
        out.push_str(&format!("\n  {n:>6}  {rule}"));
    }
    out
}

pub(crate) fn verify_text(report: &gantry::VerifyReport) -> String {
    let mut out = format!(
        "verify: {} files, {} leaks, {} other findings",
        report.files, report.leaks, report.findings
    );
    for d in report.details.iter().take(50) {
        out.push_str(&format!("\n  {}: {} ({})", d.file, d.rule, d.location));
    }
    if report.details.len() > 50 {
        out.push_str(&format!(
            "\n  … and {} more (see --json)",
            report.details.len() - 50
        ));
    }
    out
}

pub(crate) fn run_text(report: &gantry::RunReport, out_root: &std::path::Path) -> String {
    format!(
        "ingest: {} indexed, {} skipped, {} failed\naudit: {} findings in {} instances\nanonymize: {} instances, {} operations, {} failed\n{}\n{}\n{}\nkey fingerprint: {}",
        report.examine.files.indexed,
        report.examine.files.skipped,
        report.examine.files.failed,
        report.audit.findings,
        report.audit.instances_with_findings,
        report.anonymize.instances,
        report.anonymize.operations,
        report.anonymize.failed,
        redact_text(&report.redact),
        export_text(&report.export, out_root),
        verify_text(&report.verify),
        report.key.fingerprint(),
    )
}

/// `gantry ctp import` of a pixel script: the parse as JSON, or its
/// diagnostics, shadowed signatures and a count.
pub(crate) fn ctp_pixel(
    file: &std::path::Path,
    script: &gantry::ctp::PixelScript,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        return print_json(&serde_json::to_value(script)?);
    }
    let mut out = std::io::stdout().lock();
    for diagnostic in &script.diagnostics {
        writeln!(out, "{}:{diagnostic}", file.display())?;
    }
    for shadowed in script.shadowed() {
        writeln!(
            out,
            "{}:{}: warning: never matches: the signature at line {} matches first",
            file.display(),
            shadowed.line,
            shadowed.by_line
        )?;
    }
    let regions: usize = script.signatures.iter().map(|s| s.regions.len()).sum();
    writeln!(
        out,
        "{}: {} signatures, {} regions",
        file.display(),
        script.signatures.len(),
        regions
    )?;
    Ok(())
}

/// `gantry ctp import` of a DicomAnonymizer script: with `--json` one
/// object `{"kind": "anonymizer", "config", "diagnostics", "counts"}`
/// (SPEC §12.1; `config` is the converted config's canonical form);
/// otherwise diagnostics on stderr and the YAML on stdout, or, when it
/// was written to `written`, a summary.
pub(crate) fn ctp_anonymizer(
    file: &std::path::Path,
    conversion: &gantry::ctp_import::Conversion,
    written: Option<&std::path::Path>,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let config: serde_json::Value = serde_json::from_str(&conversion.config.canonical_json())?;
        let mut value = json!({
            "kind": "anonymizer",
            "config": config,
            "diagnostics": conversion.diagnostics,
            "counts": conversion.counts,
        });
        if let (Some(path), Some(object)) = (written, value.as_object_mut()) {
            object.insert("written".into(), json!(path.display().to_string()));
        }
        return print_json(&value);
    }
    for diagnostic in &conversion.diagnostics {
        eprintln!("{}:{diagnostic}", file.display());
    }
    let counts = conversion.counts;
    match written {
        Some(path) => line(format_args!(
            "{}: {} rules: {} native, {} CTP, {} not converted ({} disabled); wrote {}",
            file.display(),
            counts.rules,
            counts.native,
            counts.ctp,
            counts.dropped,
            counts.disabled,
            path.display()
        )),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(conversion.yaml.as_bytes())?;
            Ok(())
        }
    }
}
