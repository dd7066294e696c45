//! `cargo xtask fixtures`: regenerate the shipped quick-start samples.

use std::path::Path;

use anyhow::{Context, Result};

const README: &str = "\
# samples/

Small **synthetic** DICOM files for the quick start in the top-level README
and for tests. Every name, ID, date, address, institution and UID in them is
**fake PHI**, invented to look real so that `gantry audit` has something to
find: two patients (`Doe^Jane`, `Müller^Jörg`), CT from three vendors with
private groups and a private sequence, an MR in Implicit VR Little Endian, an
RGB ultrasound and a secondary capture with text burned into the pixels
(BurnedInAnnotation YES), patient names leaking into free-text elements.

| file | patient | what |
|---|---|---|
| `ct-ge-1.dcm`, `ct-ge-2.dcm` | Doe^Jane | CT chest, GE private groups 0009/0019/0043 with a private sequence; name in ImageComments |
| `ct-siemens.dcm` | Doe^Jane | follow-up CT at another site, Siemens private groups |
| `mr-implicit.dcm` | Doe^Jane | MR brain, Implicit VR Little Endian, private elements without VRs |
| `ct-philips.dcm` | Müller^Jörg | CT abdomen, `ISO_IR 192`, Philips private sequence holding name and birth date |
| `us-rgb-burned-in.dcm` | Müller^Jörg | ultrasound, RGB, BurnedInAnnotation YES, name/ID/birth date burned into pixels |
| `sc-dose-report.dcm` | Müller^Jörg | secondary capture of a dose screen, text burned in |

`gantry.yaml` is the hand-written configuration of the quick start: the
research profile and the redaction zones of the ultrasound.

Do not edit the `.dcm` files by hand. They are generated, byte-for-byte
deterministically, by

```
cargo xtask fixtures
```

(`gantry::synth::write_samples`, feature `synth`). Licence: the same as the
repository (MIT OR Apache-2.0).
";

pub(crate) fn run(root: &Path) -> Result<()> {
    let dir = root.join("samples");
    let written = gantry::synth::write_samples(&dir)
        .with_context(|| format!("writing samples to {}", dir.display()))?;

    // Drop stale samples from earlier generator versions.
    for entry in std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "dcm") && !written.contains(&path) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            println!("removed stale {}", path.display());
        }
    }
    std::fs::write(dir.join("README.md"), README).context("writing samples/README.md")?;

    let mut total = 0;
    for path in &written {
        let obj = dicom_object::open_file(path)
            .with_context(|| format!("re-reading {}", path.display()))?;
        let len = std::fs::metadata(path)?.len();
        total += len;
        println!(
            "{:<24} {:>7} bytes  {:>3} elements  {}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            len,
            obj.iter().count(),
            obj.meta().transfer_syntax().trim_end_matches('\0'),
        );
    }
    println!(
        "{} files, {total} bytes in {}",
        written.len(),
        dir.display()
    );
    Ok(())
}
