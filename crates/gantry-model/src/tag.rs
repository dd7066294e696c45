//! Tags and tag paths as users write them (SPEC §2). Placeholder; being written.
#![allow(missing_docs)]
pub struct TagPath;
pub struct TagSpec;
pub struct TagPattern;
pub struct PathStep;
pub struct TagParseError;
