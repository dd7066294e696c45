//! Rules (a machine signature → regions), where they come from, and rule
//! sets with CTP's first-match-wins order.

use std::collections::BTreeMap;
use std::fmt;

use gantry_codec::Frame;
use gantry_ctp::{Condition, Operand};

use crate::error::{Error, Result};
use crate::fill::Fill;
use crate::knowledge::KnowledgeBase;
use crate::redact::{FrameRedaction, redact_frame};
use crate::region::Region;

/// Looks up the value of an attribute a condition names, as CTP sees it:
/// the string value, multiple values joined with `\`, `None` when absent
/// (see [`Condition::evaluate`]).
pub type Lookup<'a> = &'a dyn Fn(&Operand) -> Option<String>;

/// Where a [`Rule`] comes from; its [`Display`](fmt::Display) is what
/// reports and redaction records show.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// A machine of the user's config, by its machine name.
    Config {
        /// The machine's name in the config.
        machine: String,
    },
    /// A signature of a CTP `DicomPixelAnonymizer` script.
    Script {
        /// The script's file name, e.g. `DicomPixelAnonymizer.script` for
        /// the built-in knowledge base.
        script: String,
        /// 1-based line of the signature's `{`.
        line: u32,
    },
}

impl fmt::Display for Origin {
    /// `config machine NAME` or `CTP SCRIPT line N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Config { machine } => write!(f, "config machine {machine}"),
            Origin::Script { script, line } => write!(f, "CTP {script} line {line}"),
        }
    }
}

/// A machine signature and the regions to blank on the images it matches.
///
/// The signature is a CTP [`Condition`] over any attributes
/// (Manufacturer, ManufacturerModelName, Rows, ImageType, private tags, …),
/// evaluated through a [`Lookup`]. Regions apply to every frame
/// ([`Rule::regions`]) and, in addition, to listed 0-based frames
/// ([`Rule::frame_regions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Where the rule comes from.
    pub origin: Origin,
    /// The machine signature.
    pub condition: Condition,
    /// Regions blanked on every frame.
    pub regions: Vec<Region>,
    /// Regions blanked on the listed 0-based frames only, in addition to
    /// [`Rule::regions`].
    pub frame_regions: BTreeMap<u32, Vec<Region>>,
}

impl Rule {
    /// A rule whose regions apply to every frame.
    pub fn new(origin: Origin, condition: Condition, regions: Vec<Region>) -> Rule {
        Rule {
            origin,
            condition,
            regions,
            frame_regions: BTreeMap::new(),
        }
    }

    /// Adds regions for one 0-based frame only.
    #[must_use]
    pub fn with_frame_regions(mut self, frame: u32, regions: Vec<Region>) -> Rule {
        self.frame_regions.entry(frame).or_default().extend(regions);
        self
    }

    /// Whether the instance whose attributes `lookup` reads matches the
    /// signature.
    pub fn matches(&self, lookup: Lookup<'_>) -> bool {
        self.condition.evaluate(lookup)
    }

    /// The regions for 0-based frame `frame`: those for every frame, then
    /// that frame's own.
    pub fn regions_for_frame(&self, frame: u32) -> Vec<Region> {
        let own = self
            .frame_regions
            .get(&frame)
            .map_or(&[][..], Vec::as_slice);
        self.regions.iter().chain(own).copied().collect()
    }

    /// Blanks this rule's regions for frame number `frame` (0-based) of an
    /// instance: [`redact_frame`] with [`Rule::regions_for_frame`], its
    /// errors located by origin and frame.
    ///
    /// # Errors
    ///
    /// [`Error::Frame`] around the error of [`redact_frame`].
    pub fn apply(&self, frame: u32, pixels: &mut Frame, fill: &Fill) -> Result<FrameRedaction> {
        redact_frame(pixels, &self.regions_for_frame(frame), fill).map_err(|error| Error::Frame {
            origin: self.origin.clone(),
            frame,
            error: Box::new(error),
        })
    }
}

/// Rules tried in order; the first whose signature matches wins, as in
/// CTP's `DicomPixelAnonymizer`. A matching rule with no regions blanks
/// nothing and still stops the search (CTP's way of saying "this machine
/// is known to be clean").
///
/// **Order:** the user's config rules come first, then the knowledge
/// base's, in script order ([`RuleSet::with_knowledge_base`]). So a
/// config rule for a machine overrides what the knowledge base says about
/// it — the user has looked at their images; the knowledge base is a
/// starting point — and the knowledge base still covers every machine the
/// config does not mention.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The config's rules, in config order.
    pub fn new(config: Vec<Rule>) -> RuleSet {
        RuleSet { rules: config }
    }

    /// Appends a knowledge base's rules after the rules already present.
    #[must_use]
    pub fn with_knowledge_base(mut self, knowledge_base: &KnowledgeBase) -> RuleSet {
        self.rules.extend_from_slice(knowledge_base.rules());
        self
    }

    /// The rules, in the order they are tried.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The first rule whose signature matches, if any.
    pub fn first_match(&self, lookup: Lookup<'_>) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.matches(lookup))
    }
}
