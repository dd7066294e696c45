//! Argument definitions and dispatch to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use gantry::{ExportOptions, IngestOptions, Session};

use crate::{output, progress::Bar};

/// Turn raw DICOM collections into safe, research-ready datasets.
#[derive(Debug, Parser)]
#[command(name = "gantry", version, about)]
pub(crate) struct Cli {
    /// Session database (created if missing).
    #[arg(
        long,
        global = true,
        env = "GANTRY_SESSION",
        default_value = "gantry.db"
    )]
    session: PathBuf,
    /// No progress bars and only errors on stderr.
    #[arg(long, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Index DICOM files and folders into the session (headers only).
    Ingest {
        /// Files or folders, walked recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Copy pixel data into the session's sidecar so sources can move.
        #[arg(long)]
        offload_pixels: bool,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Inventory of the session: counts, equipment, transfer syntaxes,
    /// burned-in annotation flags, and every skipped or failed file.
    Examine {
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// PHI findings under the active config; nothing is modified.
    Audit {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Plan the de-identification of every instance (in the session).
    Anonymize {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Decide which regions of which images to blank (burned-in text):
    /// the config's machines first, then the built-in CTP knowledge base.
    /// Export applies what this records.
    Redact {
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        redaction: RedactArgs,
        /// Also write a PNG per machine (a sample frame, regions outlined)
        /// and an index.html listing machines and rules, to check zones by
        /// eye. The images show source pixels: keep DIR private.
        #[arg(long, value_name = "DIR")]
        preview: Option<PathBuf>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write de-identified DICOM to OUT, atomically and resumably.
    Export {
        /// Export root.
        out: PathBuf,
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        export: ExportArgs,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Re-scan an export for anything identifying the session knows.
    Verify {
        /// Export root.
        out: PathBuf,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Compliance report of the session and one export: profile and
    /// options with their CID 7050 codes, key fingerprint, config hash,
    /// counts per step, findings before and after, quarantines, redaction
    /// coverage per machine, BurnedInAnnotation, verification and audit-log
    /// integrity. No PHI. Markdown on stdout unless --json, --markdown or
    /// --html; exits 0 whenever the report is made (it reports, it does not
    /// judge).
    Report {
        /// The export root to report on (default: the latest export).
        #[arg(long, value_name = "OUT")]
        export: Option<PathBuf>,
        /// Write the report as Markdown to FILE (temporary file + rename).
        #[arg(long, value_name = "FILE")]
        markdown: Option<PathBuf>,
        /// Write the report as one self-contained HTML page to FILE
        /// (inline CSS, no script or external resource).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Every source file and what became of it (private: holds source paths).
    Mapping {
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// The whole job: ingest → audit → anonymize → redact → export → verify.
    Run {
        /// Input files or folders.
        input: PathBuf,
        /// Export root.
        out: PathBuf,
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        export: ExportArgs,
        #[command(flatten)]
        redaction: RedactArgs,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Restore the originals sealed into de-identified files (`--reversible`),
    /// with the project key or a recipient's private key; reads files sealed
    /// by GDCM's `gdcmanon -e` too. Every file is opened before any is
    /// written: a wrong key or an altered file writes nothing.
    Recover {
        /// Sealed files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The project key that sealed them (AES-SIV items).
        #[arg(long, required_unless_present = "private_key", conflicts_with_all = ["private_key", "certificate"])]
        key: Option<PathBuf>,
        /// A recipient's RSA private key, PEM (PKCS#8 or PKCS#1, unencrypted,
        /// mode 0600): opens the CMS item sealed for its certificate.
        #[arg(long, value_name = "KEY.pem")]
        private_key: Option<PathBuf>,
        /// The recipient's certificate: only the item addressed to it (by
        /// issuer and serial number) is opened. Without it, every recipient
        /// is tried with the private key.
        #[arg(long, value_name = "CERT.pem", requires = "private_key")]
        certificate: Option<PathBuf>,
        /// Where to write the re-identified copies.
        #[arg(long)]
        out: PathBuf,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Project keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// RSNA CTP scripts.
    Ctp {
        #[command(subcommand)]
        command: CtpCommand,
    },
    /// Configuration files.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Rewrite the pixel sidecar, dropping records no instance uses.
    Compact {
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Remove from a finished session everything that identifies its
    /// sources: original headers, findings, source paths, patient, study
    /// and series identifiers, UIDs, device serials and the pixel sidecar.
    /// Counts, export records, redaction decisions, configs and the audit
    /// log stay (examine, report and mapping still work); steps that need
    /// the sources refuse afterwards. Irreversible: needs --yes.
    Purge {
        /// Yes, purge: this cannot be undone.
        #[arg(long)]
        yes: bool,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Create a new 256-bit project key file (mode 0600); never overwrites.
    New {
        /// Where to write the key.
        path: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum CtpCommand {
    /// Read a CTP script. A DicomPixelAnonymizer script: its signatures,
    /// regions, shadowed signatures and diagnostics. A DicomAnonymizer
    /// script (XML or properties): converted into a Gantry config, printed
    /// as YAML on stdout (or written with --out), diagnostics on stderr.
    /// Exits 1 when a diagnostic is an error.
    Import {
        /// The script.
        file: PathBuf,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
        /// Write the converted config here (a DicomAnonymizer script
        /// only; refuses to overwrite).
        #[arg(long, value_name = "CONFIG")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Scaffold a config from the session's inventory.
    Init {
        /// Where to write it (refuses to overwrite).
        path: PathBuf,
    },
}

/// How to de-identify.
#[derive(Debug, clap::Args)]
struct PolicyArgs {
    /// Config file (YAML or JSON).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Built-in profile: `basic` or `research` (overrides the config's).
    #[arg(long)]
    profile: Option<String>,
    /// Project key file (overrides the config's `key_file`).
    #[arg(long)]
    key: Option<PathBuf>,
}

/// Which redaction rules.
#[derive(Debug, clap::Args)]
struct RedactArgs {
    /// Use only the config's machines, not the built-in CTP knowledge base.
    #[arg(long)]
    no_knowledge_base: bool,
}

/// Where and what to export.
#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// Re-inspect every outgoing data set; quarantine any with findings.
    #[arg(long)]
    safe: bool,
    /// Only this original PatientID (repeatable).
    #[arg(long = "patient")]
    patients: Vec<String>,
    /// Only this original StudyInstanceUID (repeatable).
    #[arg(long = "study")]
    studies: Vec<String>,
    /// Only this original SeriesInstanceUID (repeatable).
    #[arg(long = "series")]
    series: Vec<String>,
    /// Filter over indexed attributes, e.g. "Modality = 'CT' AND Manufacturer LIKE 'GE%'".
    #[arg(long = "where")]
    filter: Option<String>,
    /// Only the studies of part I of N (`--shard 2/8`), by a stable hash of
    /// StudyInstanceUID: N machines, each with its own session of the same
    /// files and the same project key, write disjoint parts of the export a
    /// single run would write, byte for byte. Needs a project key.
    #[arg(long, value_name = "I/N")]
    shard: Option<gantry::model::Shard>,
    /// Output layout template (overrides the config's).
    #[arg(long)]
    layout: Option<String>,
    /// Write every file in this transfer syntax: explicit-le, deflate,
    /// rle, jpeg-ls-lossless or j2k-lossless (or a UID); overrides the
    /// config's `export.transfer_syntax`. Lossless only.
    #[arg(long, value_name = "SYNTAX")]
    transfer_syntax: Option<String>,
    /// The manifest's checksum of each written file: blake3 (default;
    /// check with b3sum) or sha256 (sha256sum).
    #[arg(long, value_name = "ALGORITHM", default_value = "blake3", value_parser = parse_checksum)]
    checksum: gantry::Checksum,
    /// Seal the original values into each file (Encrypted Attributes
    /// Sequence) for `gantry recover`: with the project key (`--key`,
    /// AES-SIV) and/or for each `--recipient`.
    #[arg(long)]
    reversible: bool,
    /// With --reversible: also seal for this recipient certificate (PEM or
    /// DER, RSA key): a CMS EnvelopedData item (RSA key transport, AES-256-CBC)
    /// that its private key opens with `gantry recover --private-key`, GDCM's
    /// `gdcmanon -d` or `openssl cms -decrypt`. Repeatable; replaces the
    /// config's `recipients`. Usable without --key.
    #[arg(long = "recipient", value_name = "CERT.pem")]
    recipients: Vec<PathBuf>,
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Commands that need no session.
    if let Command::Recover {
        paths,
        key,
        private_key,
        certificate,
        out,
        json,
    } = &cli.command
    {
        use gantry::recover::Opener;
        let report = match (key, private_key) {
            (Some(key), _) => {
                let keys = gantry::privacy::keys::ProjectKey::read_file(key)?.keyring();
                gantry::recover::recover_with(paths, Opener::ProjectKey(&keys), out)?
            }
            (None, Some(private_key)) => {
                let key = gantry::privacy::seal::RecipientKey::read_files(
                    private_key,
                    certificate.as_deref(),
                )?;
                gantry::recover::recover_with(paths, Opener::PrivateKey(&key), out)?
            }
            (None, None) => anyhow::bail!("recover needs --key or --private-key"),
        };
        output::json_or(&report, *json, || {
            format!(
                "recover: {} files restored into {}",
                report.recovered,
                out.display()
            )
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Ctp {
        command: CtpCommand::Import { file, json, out },
    } = &cli.command
    {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let imported = gantry::ctp_import::import(&text)
            .with_context(|| format!("{}: the converted config does not load", file.display()))?;
        return match imported {
            gantry::ctp_import::Imported::Pixel(script) => {
                if out.is_some() {
                    anyhow::bail!(
                        "{}: --out is for DicomAnonymizer scripts; this is a pixel script, which Gantry reads as it is",
                        file.display()
                    );
                }
                output::ctp_pixel(file, &script, *json)?;
                Ok(status(script.has_errors()))
            }
            gantry::ctp_import::Imported::Anonymizer(conversion) => {
                if let Some(out) = out {
                    write_new_file(out, conversion.yaml.as_bytes())?;
                }
                output::ctp_anonymizer(file, &conversion, out.as_deref(), *json)?;
                Ok(status(conversion.has_errors()))
            }
        };
    }
    if let Command::Key {
        command: KeyCommand::New { path },
    } = &cli.command
    {
        let key = gantry::privacy::keys::ProjectKey::write_new(path)?;
        output::line(format_args!(
            "wrote {} (fingerprint {})",
            path.display(),
            key.fingerprint()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut session = Session::open(&cli.session)
        .with_context(|| format!("cannot open session {}", cli.session.display()))?;
    let quiet = cli.quiet;
    match cli.command {
        Command::Ingest {
            paths,
            offload_pixels,
            json,
        } => {
            let options = IngestOptions {
                offload_pixels,
                ..IngestOptions::default()
            };
            let bar = Bar::new(quiet || json);
            let report = session.ingest(&paths, &options, &bar)?;
            drop(bar);
            let inventory = session.examine()?;
            output::ingest(&report, &inventory, json)?;
            Ok(status(inventory.files.failed > 0))
        }
        Command::Examine { json } => {
            let inventory = session.examine()?;
            output::examine(&inventory, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { policy, json } => {
            let resolved = policy.resolve()?;
            session.record_config(&resolved.config)?;
            let deid = session.deidentifier(resolved.policy, resolved.key_file.as_deref())?;
            note_key(&deid, quiet);
            let report = session.audit(&deid, &Bar::new(quiet || json))?;
            output::json_or(&report, json, || output::audit_text(&report))?;
            Ok(status(report.findings > 0))
        }
        Command::Anonymize { policy, json } => {
            let resolved = policy.resolve()?;
            session.record_config(&resolved.config)?;
            let deid = session.deidentifier(resolved.policy, resolved.key_file.as_deref())?;
            note_key(&deid, quiet);
            let report = session.anonymize(&deid, &Bar::new(quiet || json))?;
            output::json_or(&report, json, || {
                format!(
                    "anonymize: {} instances planned, {} operations, {} invalid dates replaced, {} failed",
                    report.instances, report.operations, report.invalid_dates, report.failed
                )
            })?;
            Ok(status(report.failed > 0))
        }
        Command::Redact {
            policy,
            redaction,
            preview,
            json,
        } => {
            let resolved = policy.resolve()?;
            session.record_config(&resolved.config)?;
            let redactor =
                gantry::redaction::Redactor::new(&resolved.config, !redaction.no_knowledge_base)?;
            let report = session.redact(&redactor, &Bar::new(quiet || json))?;
            if let Some(dir) = &preview {
                let written = session.preview(dir)?;
                if !json && !quiet {
                    eprintln!(
                        "preview: {} machines in {}",
                        written.machines,
                        written.index.display()
                    );
                }
            }
            output::json_or(&report, json, || output::redact_text(&report))?;
            Ok(status(report.uncovered > 0))
        }
        Command::Export {
            out,
            policy,
            export,
            json,
        } => {
            let resolved = policy.resolve()?;
            session.record_config(&resolved.config)?;
            let options = export.options(&resolved)?;
            let deid = session.deidentifier(resolved.policy, resolved.key_file.as_deref())?;
            note_key(&deid, quiet);
            let report = session.export(&deid, &out, &options, &Bar::new(quiet || json))?;
            output::json_or(&report, json, || output::export_text(&report, &out))?;
            Ok(status(report.quarantined + report.failed > 0))
        }
        Command::Verify { out, json } => {
            let report = session.verify(&out, &Bar::new(quiet || json))?;
            output::json_or(&report, json, || output::verify_text(&report))?;
            Ok(status(!report.is_clean()))
        }
        Command::Report {
            export,
            markdown,
            html,
            json,
        } => {
            let report = session.report(export.as_deref())?;
            if let Some(path) = &markdown {
                report.write_markdown(path)?;
            }
            if let Some(path) = &html {
                report.write_html(path)?;
            }
            output::report(&report, json, &[markdown, html], quiet)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Mapping { json } => {
            let rows = session.mapping()?;
            output::json_or(&rows, json, || {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}\t{}\t{}\t{}",
                            r.source,
                            r.status,
                            r.output.as_deref().unwrap_or("-"),
                            r.reason.as_deref().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            input,
            out,
            policy,
            export,
            redaction,
            json,
        } => {
            let resolved = policy.resolve()?;
            session.record_config(&resolved.config)?;
            let options = export.options(&resolved)?;
            let redactor =
                gantry::redaction::Redactor::new(&resolved.config, !redaction.no_knowledge_base)?;
            let bar = Bar::new(quiet || json);
            let report = session.run(
                &[input],
                &out,
                resolved.policy,
                resolved.key_file.as_deref(),
                &redactor,
                &options,
                &bar,
            )?;
            drop(bar);
            if !quiet && let gantry::KeySource::Session { .. } = report.key {
                eprintln!("{SESSION_KEY_NOTE}");
            }
            output::json_or(&report, json, || output::run_text(&report, &out))?;
            let needs_person = report.examine.files.failed > 0
                || report.export.quarantined + report.export.failed > 0
                || !report.verify.is_clean();
            Ok(status(needs_person))
        }
        Command::Key { .. } | Command::Recover { .. } | Command::Ctp { .. } => {
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            command: ConfigCommand::Init { path },
        } => {
            let inventory = session.examine()?;
            let text = session.scaffold_config(&inventory)?;
            write_new_file(&path, text.as_bytes())?;
            output::line(format_args!("wrote {}", path.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Purge { yes, json } => {
            if !yes {
                anyhow::bail!(
                    "purge removes the sources' data from {} for good: run it again with --yes",
                    cli.session.display()
                );
            }
            let stats = session.purge()?;
            output::json_or(&stats, json, || {
                format!(
                    "purge: {} files, {} instances; {} sidecar bytes deleted",
                    stats.files, stats.instances, stats.sidecar_bytes
                )
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Compact { json } => {
            let stats = session.compact()?;
            output::compact(&stats, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

const SESSION_KEY_NOTE: &str = "gantry: note: no project key given; this session uses its own random key, so other sessions' outputs will not share its pseudonyms, UIDs or date offsets (create one with `gantry key new`)";

fn note_key(deid: &gantry::Deidentifier, quiet: bool) {
    if !quiet && let gantry::KeySource::Session { .. } = deid.key_source() {
        eprintln!("{SESSION_KEY_NOTE}");
    }
}

fn status(needs_person: bool) -> ExitCode {
    if needs_person {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn parse_checksum(text: &str) -> Result<gantry::Checksum, String> {
    gantry::Checksum::parse(text).ok_or_else(|| format!("'{text}' is not one of: blake3, sha256"))
}

fn write_new_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The policy, key file and config a command runs with.
struct Resolved {
    policy: gantry::privacy::Policy,
    key_file: Option<PathBuf>,
    config: gantry::config::Config,
}

impl PolicyArgs {
    fn resolve(&self) -> anyhow::Result<Resolved> {
        let config = match &self.config {
            Some(path) => gantry::config::Config::load(path)?,
            None => gantry::config::Config::default(),
        };
        let mut policy = gantry::policy_from_config(&config)?;
        if let Some(name) = &self.profile {
            let profile = gantry::privacy::profile::Profile::by_name(name).ok_or_else(|| {
                anyhow::anyhow!("unknown profile '{name}' (expected basic or research)")
            })?;
            policy.profile = profile;
        }
        let key_file = self
            .key
            .clone()
            .or_else(|| config.key_file().map(PathBuf::from));
        Ok(Resolved {
            policy,
            key_file,
            config,
        })
    }
}

impl ExportArgs {
    fn options(&self, resolved: &Resolved) -> anyhow::Result<ExportOptions> {
        let filter = match &self.filter {
            Some(text) => Some(gantry::export::filter::parse(text)?),
            None => None,
        };
        let reversible = self.reversible || resolved.config.reversible();
        if !self.recipients.is_empty() && !reversible {
            anyhow::bail!(
                "--recipient is used only with --reversible (the recipient receives the sealed originals)"
            );
        }
        let recipient_files = if self.recipients.is_empty() {
            resolved.config.recipients()
        } else {
            &self.recipients
        };
        let recipients = if reversible {
            recipient_files
                .iter()
                .map(gantry::privacy::seal::Recipient::read_file)
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        if reversible && resolved.key_file.is_none() && recipients.is_empty() {
            anyhow::bail!(
                "--reversible needs a project key (--key FILE or key_file in the config) or a recipient certificate (--recipient CERT.pem): the session's own key cannot be used outside it"
            );
        }
        let transfer_syntax = match &self.transfer_syntax {
            Some(text) => Some(
                gantry::config::TransferSyntaxChoice::parse(text)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "--transfer-syntax '{text}' is not one of: explicit-le, deflate, rle, jpeg-ls-lossless, j2k-lossless"
                        )
                    })?
                    .uid()
                    .to_string(),
            ),
            None => resolved
                .config
                .export()
                .transfer_syntax
                .map(|c| c.uid().to_string()),
        };
        if let Some(uid) = &transfer_syntax {
            gantry::codec::require(uid, gantry::codec::Operation::Encode)?;
        }
        if let Some(shard) = self.shard
            && resolved.key_file.is_none()
        {
            anyhow::bail!(
                "--shard {shard} needs a project key (--key FILE or key_file in the config): each session's own key would give each shard other pseudonyms, UIDs and dates"
            );
        }
        Ok(ExportOptions {
            transfer_syntax,
            checksum: self.checksum,
            reversible,
            recipients,
            layout: self
                .layout
                .clone()
                .unwrap_or_else(|| resolved.config.layout().to_string()),
            safe: self.safe || resolved.config.export().safe,
            selection: gantry::store::Selection {
                patients: self.patients.clone(),
                studies: self.studies.clone(),
                series: self.series.clone(),
                filter,
                shard: self.shard,
            },
        })
    }
}
