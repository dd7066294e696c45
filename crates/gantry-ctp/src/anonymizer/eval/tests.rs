//! Tests of the evaluator against a fake [`Context`] whose keyed
//! operations are transparent (`h6(DOEJOHN)` is "the hash of `DOEJOHN`,
//! at most 6 digits"), so each test shows exactly what CTP's functions
//! hash, remap and shift.
//!
//! The parser is written elsewhere; scripts here are built by [`sketch`],
//! a small test-only reader of CTP's rule text, or by hand.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use proptest::prelude::*;

use super::{Context, EvalError, Outcome, Params, evaluate};
use crate::{Arg, Call, Function, Part, Script};

// ---- the fake context ---------------------------------------------------

#[derive(Debug, Clone)]
struct Fake {
    this: Option<String>,
    elements: HashMap<String, String>,
    root: bool,
    offsets: HashMap<String, i32>,
    table: HashMap<(String, String), String>,
}

impl Fake {
    fn new(this: Option<&str>) -> Fake {
        Fake {
            this: this.map(str::to_owned),
            elements: HashMap::new(),
            root: true,
            offsets: HashMap::from([("P1".to_owned(), -100)]),
            table: HashMap::from([
                (("ptid".to_owned(), "P1".to_owned()), " S001 ".to_owned()),
                (
                    ("ptid".to_owned(), "P1|ST9".to_owned()),
                    "S001-ST9".to_owned(),
                ),
                (("offset".to_owned(), "P1".to_owned()), "-5".to_owned()),
                (("offset".to_owned(), "P2".to_owned()), "soon".to_owned()),
            ]),
        }
    }

    fn with(mut self, name: &str, value: &str) -> Fake {
        self.elements.insert(name.to_owned(), value.to_owned());
        self
    }

    fn item(mut self) -> Fake {
        self.root = false;
        self
    }
}

impl Context for Fake {
    fn this(&self) -> Option<String> {
        self.this.clone()
    }
    fn element(&self, name: &str) -> Option<String> {
        self.elements.get(name).cloned()
    }
    fn is_root(&self) -> bool {
        self.root
    }
    fn hash(&self, text: &str, max_len: Option<usize>) -> String {
        match max_len {
            Some(n) => format!("h{n}({text})"),
            None => format!("h({text})"),
        }
    }
    fn hash_uid(&self, root: &str, uid: &str) -> String {
        format!("uid[{root}|{uid}]")
    }
    fn date_offset_days(&self, key: &str) -> i32 {
        self.offsets.get(key).copied().unwrap_or(-10)
    }
    fn now(&self) -> (String, String) {
        ("20240131".to_owned(), "235958".to_owned())
    }
    fn lookup(&self, key_type: &str, key: &str) -> Option<String> {
        self.table
            .get(&(key_type.to_owned(), key.to_owned()))
            .cloned()
    }
}

/// The stock script's parameters (`/work/shared/ctp/DicomAnonymizer.script`)
/// and a few more.
fn params() -> Params {
    Params(
        [
            ("DATEINC", "-3210"),
            ("SITEID", "1"),
            ("SITENAME", "SiteName"),
            ("UIDROOT", "1.2.840.113654.2.70.1"),
            ("SEP", "/"),
            ("BAD", "soon"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    )
}

// ---- a test-only reader of rule text -------------------------------------

/// Read CTP rule text into a [`Script`]: text, `\` escaping the next
/// character, `@name(args)` followed by as many `{clauses}` as the
/// function takes. Arguments split at top-level commas (double quotes
/// protect commas; `\` escapes), trimmed: `this`, `@NAME`, `"quoted"`,
/// or bare.
fn sketch(text: &str) -> Script {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let script = read_seq(&chars, &mut at, false);
    assert_eq!(at, chars.len(), "sketch: unbalanced `}}` in {text:?}");
    script
}

fn position(chars: &[char], at: usize) -> (u32, u32) {
    let before = &chars[..at];
    let line = before.iter().filter(|&&c| c == '\n').count() + 1;
    let column = before.iter().rev().take_while(|&&c| c != '\n').count() + 1;
    (line as u32, column as u32)
}

fn read_seq(chars: &[char], at: &mut usize, nested: bool) -> Script {
    let mut parts = Vec::new();
    let mut text = String::new();
    while *at < chars.len() {
        let c = chars[*at];
        if nested && c == '}' {
            break;
        }
        if c == '\\' && *at + 1 < chars.len() {
            text.push(chars[*at + 1]);
            *at += 2;
            continue;
        }
        if c == '@' {
            let name: String = chars[*at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if chars.get(*at + 1 + name.len()) == Some(&'(') {
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Call(read_call(chars, at, &name)));
                continue;
            }
        }
        text.push(c);
        *at += 1;
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Script { parts }
}

fn read_call(chars: &[char], at: &mut usize, name: &str) -> Call {
    let (line, column) = position(chars, *at);
    *at += 1 + name.len() + 1;
    let mut raw_args = Vec::new();
    let mut arg = String::new();
    let mut quoted = false;
    loop {
        let c = chars[*at];
        *at += 1;
        match c {
            '\\' => {
                arg.push(chars[*at]);
                *at += 1;
            }
            '"' => {
                quoted = !quoted;
                arg.push(c);
            }
            ',' if !quoted => raw_args.push(std::mem::take(&mut arg)),
            ')' if !quoted => {
                if !raw_args.is_empty() || !arg.trim().is_empty() {
                    raw_args.push(arg);
                }
                break;
            }
            c => arg.push(c),
        }
    }
    let args = raw_args
        .iter()
        .map(|a| {
            let a = a.trim();
            if a == "this" {
                Arg::This
            } else if let Some(p) = a.strip_prefix('@') {
                Arg::Param(p.to_owned())
            } else if a.len() >= 2 && a.starts_with('"') && a.ends_with('"') {
                Arg::Quoted(a[1..a.len() - 1].to_owned())
            } else {
                Arg::Bare(a.to_owned())
            }
        })
        .collect();
    let function = Function::from_name(name);
    let mut clauses = Vec::new();
    for _ in 0..function.clause_count() {
        while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
            *at += 1;
        }
        if chars.get(*at) != Some(&'{') {
            break;
        }
        *at += 1;
        clauses.push(read_seq(chars, at, true));
        assert_eq!(chars.get(*at), Some(&'}'), "sketch: unclosed clause");
        *at += 1;
    }
    Call {
        line,
        column,
        function,
        args,
        clauses,
    }
}

#[test]
fn sketch_reads_what_it_should() {
    let script = sketch("A\\@B @if(this, equals, \"x,y\"){@remove()}{Z}\n@hash(@P)");
    let Part::Call(iffn) = &script.parts[1] else {
        panic!("{script:?}")
    };
    assert_eq!(script.parts[0], Part::Text("A@B ".to_owned()));
    assert_eq!((iffn.line, iffn.column), (1, 6));
    assert_eq!(
        iffn.args,
        vec![
            Arg::This,
            Arg::Bare("equals".to_owned()),
            Arg::Quoted("x,y".to_owned())
        ]
    );
    assert_eq!(iffn.clauses.len(), 2);
    let Part::Call(hash) = &script.parts[3] else {
        panic!("{script:?}")
    };
    assert_eq!((hash.line, hash.column), (2, 1));
    assert_eq!(hash.args, vec![Arg::Param("P".to_owned())]);
}

// ---- helpers ------------------------------------------------------------

fn run(rule: &str, ctx: &Fake) -> Result<Outcome, EvalError> {
    evaluate(&sketch(rule), &params(), ctx)
}

/// The outcome of `rule` for an element whose value is `this`.
fn eval(rule: &str, this: Option<&str>) -> Outcome {
    run(rule, &Fake::new(this)).unwrap_or_else(|e| panic!("{rule}: {e}"))
}

/// The error `rule` gives, displayed.
fn fails(rule: &str, ctx: &Fake) -> String {
    match run(rule, ctx) {
        Err(e) => e.to_string(),
        Ok(o) => panic!("{rule}: expected an error, got {o:?}"),
    }
}

fn value(s: &str) -> Outcome {
    Outcome::Value(s.to_owned())
}

// ---- decisions ------------------------------------------------------------

#[test]
fn markers_decide_the_element() {
    assert_eq!(eval("@keep()", Some("x")), Outcome::Keep);
    assert_eq!(eval("@remove()", Some("x")), Outcome::Remove);
    assert_eq!(eval("@empty()", Some("x")), Outcome::Empty);
    assert_eq!(eval("@process()", Some("x")), Outcome::Process);
    assert_eq!(eval("@blank(3)", Some("x")), value("   "));
    assert_eq!(eval("@blank(0)", Some("x")), Outcome::Empty);
    assert_eq!(eval("@blank()", Some("x")), Outcome::Empty);
    assert_eq!(
        eval("@blank(999999999999999999999)", Some("x")),
        value(&" ".repeat(55))
    );
    assert_eq!(eval("@blank(\"4\")", Some("x")), value("    "));
    assert_eq!(eval("  @keep()  ", Some("x")), Outcome::Keep);
    assert_eq!(eval("@always()@keep()", Some("x")), Outcome::Keep);
}

#[test]
fn text_is_the_value_trimmed_and_nothing_is_empty() {
    assert_eq!(eval("", Some("x")), Outcome::Empty);
    assert_eq!(
        evaluate(&Script::default(), &params(), &Fake::new(Some("x"))),
        Ok(Outcome::Empty)
    );
    assert_eq!(eval("YES", Some("x")), value("YES"));
    assert_eq!(eval(" \t YES \u{1} ", Some("x")), value("YES"));
    assert_eq!(eval("A\\\\B", Some("x")), value("A\\B"));
    assert_eq!(eval("   ", Some("x")), Outcome::Empty);
}

#[test]
fn remove_wins_anywhere() {
    assert_eq!(eval("X@remove()Y", Some("x")), Outcome::Remove);
    assert_eq!(eval("@keep()@remove()", Some("x")), Outcome::Remove);
    // @hash of an absent element yields @remove().
    assert_eq!(eval("PREFIX-@hash(this)", None), Outcome::Remove);
}

#[test]
fn values_never_act_as_markers() {
    assert_eq!(eval("@value(this)", Some("@remove()")), value("@remove()"));
    assert_eq!(eval("@value(this)", Some("@keep()")), value("@keep()"));
    assert_eq!(
        eval("@contents(this)", Some("@blank(5)")),
        value("@blank(5)")
    );
}

#[test]
fn markers_mixed_with_text_are_errors() {
    let ctx = Fake::new(Some("x"));
    assert_eq!(
        fails("X@keep()", &ctx),
        "1:2: @keep: yields @keep() but the rule also yields text; CTP would write both \
         into the element as text"
    );
    assert_eq!(
        fails("@keep()@empty()", &ctx),
        "1:8: @empty: yields @empty() after @keep at 1:1 yielded @keep(); a rule decides \
         its element's fate only once"
    );
    assert_eq!(
        fails("@blank(2)tail", &ctx),
        "1:1: @blank: yields @blank(2) but the rule also yields text; CTP would write both \
         into the element as text"
    );
    // A date function's @empty() for a short value, next to text.
    assert_eq!(
        fails("D:@incrementdate(this,1)", &Fake::new(Some("2020"))),
        "1:3: @incrementdate: yields @empty() but the rule also yields text; CTP would \
         write both into the element as text"
    );
    assert_eq!(
        fails("@keep(this)", &ctx),
        "1:1: @keep: takes no arguments, got 1"
    );
    assert_eq!(
        fails("@remove(x)", &ctx),
        "1:1: @remove: takes no arguments, got 1"
    );
    assert_eq!(
        fails("@empty(x)", &ctx),
        "1:1: @empty: takes no arguments, got 1"
    );
}

#[test]
fn quarantine_and_skip_stop_where_they_are() {
    assert_eq!(eval("@quarantine()", Some("x")), Outcome::Quarantine);
    assert_eq!(eval("@skip()", Some("x")), Outcome::Skip);
    assert_eq!(
        eval("X@quarantine()@encrypt(this,key)", Some("x")),
        Outcome::Quarantine
    );
    assert_eq!(eval("@skip()@quarantine()", Some("x")), Outcome::Skip);
    assert_eq!(
        fails("@encrypt(this,key)@quarantine()", &Fake::new(Some("x"))),
        "1:1: @encrypt: not supported: use Gantry's reversible sealing (`reversible: true`) \
         to keep originals recoverable"
    );
}

// ---- @always, @require, @process, @param -------------------------------

#[test]
fn always_yields_nothing_and_marks_the_rule() {
    assert_eq!(eval("@always()YES", None), value("YES"));
    assert_eq!(eval("@always()YES", Some("NO")), value("YES"));
    assert_eq!(eval("@always()", None), Outcome::Empty);
    assert_eq!(eval("@always()@process()", None), Outcome::Process);
    assert!(sketch("@always()YES").applies_when_absent());
    assert!(sketch("YES@always()").applies_when_absent());
    assert!(sketch("@require()").applies_when_absent());
    assert!(sketch("@always()@require(PatientID)").applies_when_absent());
    assert!(!sketch("YES").applies_when_absent());
    assert!(!sketch("").applies_when_absent());
    assert!(!sketch("@hash(this)").applies_when_absent());
    assert!(!sketch("@if(this,exists){@always()}{@require()}").applies_when_absent());
}

#[test]
fn require_keeps_or_creates() {
    let present = Fake::new(Some("CT"));
    let absent = Fake::new(None).with("Modality", "MR");
    assert_eq!(run("@require()", &present), Ok(Outcome::Keep));
    assert_eq!(run("@require()", &Fake::new(Some(""))), Ok(Outcome::Keep));
    assert_eq!(run("@require()", &absent), Ok(Outcome::Empty));
    assert_eq!(run("@always()@require()", &absent), Ok(Outcome::Empty));
    assert_eq!(run("@require(Modality)", &absent), Ok(value("MR")));
    assert_eq!(run("@require(Other,\"OT\")", &absent), Ok(value("OT")));
    assert_eq!(
        run("@require(Other,@SITENAME)", &absent),
        Ok(value("SiteName"))
    );
    assert_eq!(run("@require(Other)", &absent), Ok(Outcome::Empty));
    assert_eq!(run("@require(Other,\"  \")", &absent), Ok(value("  ")));
    assert_eq!(run("@require(this,\"OT\")", &present), Ok(Outcome::Keep));
    assert_eq!(
        fails("@require(a,b,c)", &absent),
        "1:1: @require: takes 0 to 2 arguments, got 3"
    );
}

#[test]
fn process_keeps_a_sequence_for_its_items() {
    assert_eq!(eval("@process()", Some("")), Outcome::Process);
    assert_eq!(eval("@process()", None), Outcome::Process);
}

#[test]
fn param() {
    assert_eq!(eval("@param(@SITEID)", None), value("1"));
    assert_eq!(
        eval("@param(@UIDROOT)", Some("x")),
        value("1.2.840.113654.2.70.1")
    );
    assert_eq!(eval("@param(literal)", Some("x")), value("literal"));
    assert_eq!(eval("Site @param(@SITEID)", Some("x")), value("Site 1"));
    assert_eq!(
        fails("  @param(@NOPE)", &Fake::new(None)),
        "1:3: @param: parameter @NOPE is not defined"
    );
    assert_eq!(
        fails("@param()", &Fake::new(None)),
        "1:1: @param: takes 1 argument, got 0"
    );
}

// ---- hashes -------------------------------------------------------------

#[test]
fn hashuid_remaps_each_uid() {
    let rule = "@hashuid(@UIDROOT,this)";
    assert_eq!(
        eval(rule, Some("1.2.3")),
        value("uid[1.2.840.113654.2.70.1|1.2.3]")
    );
    assert_eq!(
        eval(rule, Some("1.2.3\\ 1.2.4\0")),
        value("uid[1.2.840.113654.2.70.1|1.2.3]\\uid[1.2.840.113654.2.70.1|1.2.4]")
    );
    assert_eq!(
        eval(rule, Some("1.2\\\\1.3")),
        value("uid[1.2.840.113654.2.70.1|1.2]\\\\uid[1.2.840.113654.2.70.1|1.3]")
    );
    assert_eq!(eval(rule, None), Outcome::Remove);
    assert_eq!(eval(rule, Some("")), Outcome::Empty);
    assert_eq!(
        eval("@hashuid(1.9,this)", Some("1.2")),
        value("uid[1.9|1.2]")
    );
    let ctx = Fake::new(Some("1.2")).with("StudyInstanceUID", "5.6");
    assert_eq!(
        run("@hashuid(@UIDROOT,StudyInstanceUID)", &ctx),
        Ok(value("uid[1.2.840.113654.2.70.1|5.6]"))
    );
    assert_eq!(
        fails("@hashuid(@UIDROOT,this,SeriesInstanceUID)", &ctx),
        "1:1: @hashuid: the third argument (another element's rule appended to the UID) is \
         not supported"
    );
    assert_eq!(
        fails("@hashuid(this)", &ctx),
        "1:1: @hashuid: takes 2 arguments, got 1"
    );
    assert_eq!(
        fails("@hashuid(@NOROOT,this)", &ctx),
        "1:1: @hashuid: parameter @NOROOT is not defined"
    );
}

#[test]
fn hash_hashes_the_value_as_it_is() {
    assert_eq!(
        eval("@hash(this,16)", Some("ACC 123")),
        value("h16(ACC 123)")
    );
    assert_eq!(eval("@hash(this)", Some("ACC")), value("h(ACC)"));
    assert_eq!(eval("@hash(this,0)", Some("ACC")), value("h(ACC)"));
    assert_eq!(eval("@hash(this,-4)", Some("ACC")), value("h(ACC)"));
    assert_eq!(eval("@hash(this,)", Some("ACC")), value("h(ACC)"));
    assert_eq!(
        eval("@hash(this,99999999999999999999999)", Some("A")),
        value(&format!(
            "h{}(A)",
            usize::try_from(i64::MAX).unwrap_or(usize::MAX)
        ))
    );
    assert_eq!(eval("@hash(this,16)", Some("")), value("h16()"));
    assert_eq!(eval("@hash(this,16)", None), Outcome::Remove);
    let ctx = Fake::new(Some("x")).with("PatientID", "P1");
    assert_eq!(run("@hash(PatientID,10)", &ctx), Ok(value("h10(P1)")));
    assert_eq!(run("@hash(\"PatientID\")", &ctx), Ok(value("h(P1)")));
    assert_eq!(run("@hash(OtherID)", &ctx), Ok(Outcome::Remove));
    assert_eq!(
        fails("@hash(this,1O)", &ctx),
        "1:1: @hash: argument 2 must be a whole number"
    );
    assert_eq!(
        fails("@hash(@SITEID)", &ctx),
        "1:1: @hash: argument 1 must name an element, not a parameter (@SITEID)"
    );
}

#[test]
fn hashname_hashes_the_first_words() {
    let rule = "@hashname(this,6,2)";
    assert_eq!(
        eval(rule, Some("Doe^John^Quincy^Dr.")),
        value("h6(DOEJOHN)")
    );
    assert_eq!(
        eval(rule, Some("O'Brien, Mary^Ann Lee^X")),
        value("h6(OBRIENMARYANNLEE)")
    );
    assert_eq!(
        eval("@hashname(this,6)", Some("doe^john^q.")),
        value("h6(DOEJOHNQ)")
    );
    assert_eq!(
        eval("@hashname(this,6,0)", Some("doe^john^q")),
        value("h6(DOEJOHNQ)")
    );
    assert_eq!(
        eval("@hashname(this,0,1)", Some("doe^john")),
        value("h(DOE)")
    );
    assert_eq!(
        eval("@hashname(this,4,1)", Some("Müller^Jörg")),
        value("h4(MÜLLER)")
    );
    assert_eq!(eval(rule, Some("")), value("h6()"));
    assert_eq!(eval(rule, None), value("h6()"));
    assert_eq!(
        fails("@hashname(this)", &Fake::new(Some("x"))),
        "1:1: @hashname: takes 2 to 3 arguments, got 1"
    );
    assert_eq!(
        fails("@hashname(this,six)", &Fake::new(Some("x"))),
        "1:1: @hashname: argument 2 must be a whole number"
    );
}

#[test]
fn hashptid_hashes_site_and_id() {
    let ctx = Fake::new(None).with("PatientID", " P1 ");
    assert_eq!(
        run("@hashptid(@SITEID,PatientID)", &ctx),
        Ok(value("h([1]P1)"))
    );
    assert_eq!(
        run("@hashptid(@SITEID,PatientID,8)", &ctx),
        Ok(value("h8([1]P1)"))
    );
    assert_eq!(
        run("@hashptid(Site 7 ,PatientID)", &ctx),
        Ok(value("h([Site 7]P1)"))
    );
    assert_eq!(
        run("@hashptid(@SITEID,OtherID)", &ctx),
        Ok(value("h([1]null)"))
    );
    assert_eq!(
        fails("@hashptid(@SITEID)", &ctx),
        "1:1: @hashptid: takes 2 to 3 arguments, got 1"
    );
}

// ---- dates --------------------------------------------------------------

#[test]
fn incrementdate_shifts_each_date_and_keeps_times() {
    let rule = "@incrementdate(this,@DATEINC)";
    assert_eq!(eval(rule, Some("20200315")), value("20110601"));
    assert_eq!(
        eval(rule, Some("20200315123000.5+0100")),
        value("20110601123000.5+0100")
    );
    assert_eq!(
        eval(rule, Some("20200315\\20200101")),
        value("20110601\\20110319")
    );
    assert_eq!(
        eval(rule, Some("20200315\\\\20200101")),
        value("20110601\\\\20110319")
    );
    assert_eq!(eval(rule, Some("2020-03-15")), value("2011-06-01"));
    assert_eq!(eval(rule, Some("2020.03.15")), value("2011.06.01"));
    assert_eq!(
        eval("@incrementdate(this,1)", Some("19991231")),
        value("20000101")
    );
    assert_eq!(
        eval("@incrementdate(this,+1)", Some("19991231")),
        value("20000101")
    );
    assert_eq!(
        eval("@incrementdate(this, \"-5\" )", Some("20200315")),
        value("20200310")
    );
}

#[test]
fn incrementdate_empties_what_is_not_a_date() {
    let rule = "@incrementdate(this,@DATEINC)";
    assert_eq!(eval(rule, None), Outcome::Remove);
    assert_eq!(eval(rule, Some("")), Outcome::Empty);
    assert_eq!(eval(rule, Some("2020")), Outcome::Empty);
    assert_eq!(eval(rule, Some("20200230")), Outcome::Empty);
    assert_eq!(eval(rule, Some("20201301")), Outcome::Empty);
    assert_eq!(eval(rule, Some("2020031x")), Outcome::Empty);
    assert_eq!(eval(rule, Some("20200315 (Monday)")), Outcome::Empty);
    assert_eq!(eval(rule, Some("20200315\\garbage!")), Outcome::Empty);
    assert_eq!(eval(rule, Some("２０２０03151")), Outcome::Empty);
    assert_eq!(
        eval(
            "@incrementdate(this,99999999999999999999)",
            Some("20200315")
        ),
        Outcome::Empty
    );
    assert_eq!(
        eval("@incrementdate(this,-9000000)", Some("20200315")),
        Outcome::Empty
    );
    assert_eq!(
        eval("@incrementdate(this,3000000)", Some("20200315")),
        Outcome::Empty
    );
    assert_eq!(
        fails("@incrementdate(this,@BAD)", &Fake::new(Some("20200315"))),
        "1:1: @incrementdate: argument 2 must be a whole number"
    );
    // Checked before the value: the error shows whatever the data.
    assert_eq!(
        fails("@incrementdate(this,soon)", &Fake::new(None)),
        "1:1: @incrementdate: argument 2 must be a whole number"
    );
    assert_eq!(
        fails("@incrementdate(this)", &Fake::new(None)),
        "1:1: @incrementdate: takes 2 to 3 arguments, got 1"
    );
}

#[test]
fn incrementdate_with_a_lookup_table() {
    let rule = "@incrementdate(this,PatientID,offset)";
    let ctx = |id: Option<&str>| {
        let ctx = Fake::new(Some("20200315"));
        match id {
            Some(id) => ctx.with("PatientID", id),
            None => ctx,
        }
    };
    assert_eq!(run(rule, &ctx(Some("P1"))), Ok(value("20200310")));
    assert_eq!(run(rule, &ctx(Some(" P1 "))), Ok(value("20200310")));
    assert_eq!(run(rule, &ctx(Some("P9"))), Ok(Outcome::Empty));
    assert_eq!(run(rule, &ctx(Some("P2"))), Ok(Outcome::Empty));
    assert_eq!(run(rule, &ctx(None)), Ok(Outcome::Empty));
}

#[test]
fn hashdate_shifts_by_the_keyed_offset() {
    let rule = "@hashdate(this,PatientID)";
    let ctx = Fake::new(Some("20200315")).with("PatientID", "P1");
    assert_eq!(run(rule, &ctx), Ok(value("20191206")));
    let ctx = Fake::new(Some("20210228\\20200315120000")).with("PatientID", "P7");
    assert_eq!(run(rule, &ctx), Ok(value("20210218\\20200305120000")));
    assert_eq!(run(rule, &Fake::new(Some("20200315"))), Ok(Outcome::Remove));
    let ctx = Fake::new(None).with("PatientID", "P1");
    assert_eq!(run(rule, &ctx), Ok(Outcome::Remove));
    let ctx = Fake::new(Some("2020")).with("PatientID", "P1");
    assert_eq!(run(rule, &ctx), Ok(Outcome::Empty));
    let ctx = Fake::new(Some("20200231")).with("PatientID", "P1");
    assert_eq!(run(rule, &ctx), Ok(Outcome::Empty));
}

#[test]
fn modifydate_sets_fields_leniently() {
    let d = Some("20200315");
    assert_eq!(eval("@modifydate(this,*,1,1)", d), value("20200101"));
    assert_eq!(eval("@modifydate(this,2021,*,*)", d), value("20210315"));
    assert_eq!(eval("@modifydate(this,*,*,*)", d), value("20200315"));
    assert_eq!(eval("@modifydate(this,,,1)", d), value("20200301"));
    assert_eq!(eval("@modifydate(this,*,13,1)", d), value("20210101"));
    assert_eq!(eval("@modifydate(this,*,0,1)", d), value("20191201"));
    assert_eq!(eval("@modifydate(this,*,2,31)", d), value("20200302"));
    assert_eq!(eval("@modifydate(this,*,*,0)", d), value("20200229"));
    assert_eq!(
        eval("@modifydate(this,*,7,4)", Some("2020-03-15T10:00")),
        value("2020-07-04T10:00")
    );
    assert_eq!(
        eval("@modifydate(this,*,7,4)", Some("20200315\\19991231")),
        value("20200704\\19990704")
    );
    assert_eq!(eval("@modifydate(this,99999,*,*)", d), Outcome::Empty);
    assert_eq!(
        eval("@modifydate(this,99999999999999999999,*,*)", d),
        Outcome::Empty
    );
    assert_eq!(eval("@modifydate(this,*,1,1)", None), Outcome::Remove);
    assert_eq!(
        eval("@modifydate(this,*,1,1)", Some("2020")),
        Outcome::Empty
    );
    assert_eq!(
        fails("@modifydate(this,*,x,1)", &Fake::new(d)),
        "1:1: @modifydate: argument 3 must be *, 0 or a positive whole number"
    );
    assert_eq!(
        fails("@modifydate(this,-1,1,1)", &Fake::new(d)),
        "1:1: @modifydate: argument 2 must be *, 0 or a positive whole number"
    );
    assert_eq!(
        fails("@modifydate(this,*,1)", &Fake::new(d)),
        "1:1: @modifydate: takes 4 arguments, got 3"
    );
}

#[test]
fn date_and_time_use_the_context_moment() {
    assert_eq!(eval("@date()", None), value("20240131"));
    assert_eq!(eval("@date(-)", None), value("2024-01-31"));
    assert_eq!(eval("@date(\"/\")", None), value("2024/01/31"));
    assert_eq!(eval("@date(@SEP)", None), value("2024/01/31"));
    assert_eq!(eval("@time()", None), value("235958"));
    assert_eq!(eval("@time(:)", None), value("23:59:58"));
    assert_eq!(
        eval("@date(-)T@time(:)", None),
        value("2024-01-31T23:59:58")
    );
}

// ---- text functions -------------------------------------------------------

#[test]
fn round_groups_ages() {
    assert_eq!(eval("@round(this,5)", Some("027Y")), value("025Y"));
    assert_eq!(eval("@round(this,5)", Some("028Y")), value("030Y"));
    assert_eq!(eval("@round(this,10)", Some("065Y")), value("070Y"));
    assert_eq!(eval("@round(this,10)", Some("064Y")), value("060Y"));
    assert_eq!(eval("@round(this,5)", Some(" 89 ")), value("90"));
    assert_eq!(eval("@round(this,5)", Some("1")), value("00"));
    assert_eq!(eval("@round(this,5)", Some("")), Outcome::Empty);
    assert_eq!(eval("@round(this,5)", None), Outcome::Empty);
    assert_eq!(eval("@round(this,5)", Some("Y")), Outcome::Empty);
    assert_eq!(
        eval("@round(this,5)", Some(&"9".repeat(60))),
        Outcome::Empty
    );
    assert_eq!(
        eval("@round(this,99999999999999999999)", Some("042Y")),
        value("0Y")
    );
    assert_eq!(
        fails("@round(this,0)", &Fake::new(Some("1"))),
        "1:1: @round: argument 2 must be a group size of at least 1"
    );
    assert_eq!(
        fails("@round(this)", &Fake::new(Some("1"))),
        "1:1: @round: takes 2 arguments, got 1"
    );
}

#[test]
fn contents_with_and_without_regex() {
    assert_eq!(eval("@contents(this)", Some("AB12C")), value("AB12C"));
    assert_eq!(
        eval("@contents(this,\"[0-9]\")", Some("AB12C")),
        value("ABC")
    );
    assert_eq!(
        eval("@contents(this,[0-9]+,#)", Some("AB12C3")),
        value("AB#C#")
    );
    assert_eq!(
        eval(
            "@contents(this,\"([A-Z]+)[,^]([A-Z]+)\",\"$2 $1\")",
            Some("DOE^JOHN")
        ),
        value("JOHN DOE")
    );
    assert_eq!(
        eval("@contents(this,\"(?<d>[0-9]+)\",\"<${d}>\")", Some("a1b22")),
        value("a<1>b<22>")
    );
    // Java: `$12` is group 1 then `2` when there is no group 12.
    assert_eq!(
        eval("@contents(this,\"(a)\",\"$12\")", Some("xa")),
        value("xa2")
    );
    // A group that does not take part is empty; `\$` is a dollar.
    assert_eq!(
        eval("@contents(this,\"(a)|b\",\"[$1\\\\$]\")", Some("ab")),
        value("[a$][$]")
    );
    assert_eq!(
        eval("@contents(this,\"\",\"-\")", Some("ab")),
        value("-a-b-")
    );
    assert_eq!(eval("@contents(this,x)", None), Outcome::Empty);
    assert_eq!(eval("@contents(PatientName)", Some("x")), Outcome::Empty);
    let ctx = Fake::new(Some("x"));
    assert_eq!(
        fails("@contents(this,\"(\")", &ctx),
        "1:1: @contents: argument 2 is not a regular expression Gantry can run: unclosed group"
    );
    assert_eq!(
        fails("@contents(this,\"(?=a)\")", &ctx),
        "1:1: @contents: argument 2 is not a regular expression Gantry can run: look-around, \
         including look-ahead and look-behind, is not supported"
    );
    assert_eq!(
        fails("@contents(this,\"(a)\",\"$2\")", &ctx),
        "1:1: @contents: argument 3 is not a valid replacement: the pattern has no group 2"
    );
    assert_eq!(
        fails("@contents(this,a,\"$\")", &ctx),
        "1:1: @contents: argument 3 is not a valid replacement: a `$` not followed by a \
         group number or `{name}`"
    );
    assert_eq!(
        fails("@contents(this,a,b,c)", &ctx),
        "1:1: @contents: takes 1 to 3 arguments, got 4"
    );
}

#[test]
fn value_with_default() {
    let ctx = Fake::new(None).with("PatientID", "P1").with("Blank", "");
    assert_eq!(run("@value(PatientID)", &ctx), Ok(value("P1")));
    assert_eq!(run("@value(this)", &ctx), Ok(Outcome::Empty));
    assert_eq!(run("@value(this,\"NONE\")", &ctx), Ok(value("NONE")));
    assert_eq!(run("@value(Blank,@SITENAME)", &ctx), Ok(value("SiteName")));
    assert_eq!(run("[@value(PatientID)]", &ctx), Ok(value("[P1]")));
}

#[test]
fn truncate_by_characters() {
    assert_eq!(eval("@truncate(this,3)", Some("ABCDEF")), value("ABC"));
    assert_eq!(eval("@truncate(this,-2)", Some("ABCDEF  ")), value("EF"));
    assert_eq!(eval("@truncate(this,100)", Some("ABC")), value("ABC"));
    assert_eq!(eval("@truncate(this,-100)", Some("ABC")), value("ABC"));
    assert_eq!(eval("@truncate(this,0)", Some("ABC")), Outcome::Empty);
    assert_eq!(eval("@truncate(this)", Some("ABC")), value("ABC"));
    assert_eq!(eval("@truncate(this,2)", Some("ÉÈÀÜ")), value("ÉÈ"));
    assert_eq!(eval("@truncate(this,-1)", Some("ÉÈÀ😀")), value("😀"));
    assert_eq!(
        eval("@truncate(this,99999999999999999999)", Some("ABC")),
        value("ABC")
    );
    assert_eq!(
        eval("@truncate(this,-99999999999999999999)", Some("ABC")),
        value("ABC")
    );
    assert_eq!(
        fails("@truncate(this,x)", &Fake::new(Some("ABC"))),
        "1:1: @truncate: argument 2 must be a whole number"
    );
}

#[test]
fn case_changes() {
    assert_eq!(
        eval("@lowercase(this)", Some("ÉCHO Abc")),
        value("écho abc")
    );
    assert_eq!(eval("@uppercase(this)", Some("straße")), value("STRASSE"));
    assert_eq!(eval("@uppercase(this)", None), Outcome::Empty);
    assert_eq!(
        fails("@lowercase()", &Fake::new(None)),
        "1:1: @lowercase: takes 1 argument, got 0"
    );
}

#[test]
fn initials_move_the_family_name_last() {
    assert_eq!(
        eval("@initials(this)", Some("Doe^John^Quincy")),
        value("JQD")
    );
    assert_eq!(eval("@initials(this)", Some("doe, john  q")), value("JQD"));
    assert_eq!(eval("@initials(this)", Some("Doe")), value("D"));
    assert_eq!(eval("@initials(this)", Some("^^")), value("X"));
    assert_eq!(eval("@initials(this)", None), value("X"));
    assert_eq!(eval("@initials(this)", Some("émile^zoë")), value("ZÉ"));
    assert_eq!(
        eval("@initials(this,1)", Some("Doe^John^Quincy")),
        value("KRE")
    );
    assert_eq!(
        eval("@initials(this,-1)", Some("Doe^John^Quincy")),
        value("IPC")
    );
    assert_eq!(eval("@initials(this,27)", Some("Doe^Zed")), value("AE"));
    assert_eq!(eval("@initials(this,3)", Some("7^8^9")), value("120"));
    assert_eq!(
        eval("@initials(this,-9223372036854775808)", Some("Doe^John")),
        value("BV")
    );
    assert_eq!(
        fails("@initials(this,one)", &Fake::new(Some("A"))),
        "1:1: @initials: argument 2 must be a whole number"
    );
}

// ---- @if, @select, @append ------------------------------------------------

/// `@if(this, condition){T}{F}` for `this`.
fn cond(condition: &str, this: Option<&str>) -> Outcome {
    eval(&format!("@if(this,{condition}){{T}}{{F}}"), this)
}

#[test]
fn if_isblank_and_exists() {
    assert_eq!(cond("isblank", Some(" \t")), value("T"));
    assert_eq!(cond("isblank", None), value("T"));
    assert_eq!(cond("isblank", Some("x")), value("F"));
    assert_eq!(cond("exists", Some("")), value("T"));
    assert_eq!(cond("exists", None), value("F"));
    let ctx = Fake::new(None).with("PatientID", "P1");
    assert_eq!(run("@if(PatientID,exists){T}{F}", &ctx), Ok(value("T")));
    assert_eq!(run("@if(OtherID,exists){T}{F}", &ctx), Ok(value("F")));
    assert_eq!(
        run("@if(\"PatientID\",isblank){T}{F}", &ctx),
        Ok(value("F"))
    );
}

#[test]
fn if_contains_and_equals_ignore_case() {
    assert_eq!(cond("contains,medical", Some("GE MEDICAL")), value("T"));
    assert_eq!(cond("contains,philips", Some("GE MEDICAL")), value("F"));
    assert_eq!(cond("contains,\"\"", None), value("T"));
    assert_eq!(cond("equals,abc", Some("ABC")), value("T"));
    assert_eq!(cond("equals,abc", Some("ABCD")), value("F"));
    assert_eq!(cond("equals,\"\"", None), value("T"));
    assert_eq!(cond("equals,@SITEID", Some("1")), value("T"));
    assert_eq!(cond("equals,ÉCHO", Some("écho")), value("T"));
}

#[test]
fn if_matches_the_whole_value() {
    assert_eq!(cond("matches,\"[0-9]+\"", Some("12345")), value("T"));
    assert_eq!(cond("matches,\"[0-9]+\"", Some("12a")), value("F"));
    assert_eq!(cond("matches,\" [0-9]+ \"", Some("12")), value("T"));
    assert_eq!(cond("matches,\"a|b\"", Some("ab")), value("F"));
    assert_eq!(cond("matches,\".*\"", None), value("T"));
    assert_eq!(
        fails("@if(this,matches,\"a)|(b\"){T}{F}", &Fake::new(Some("a"))),
        "1:1: @if: argument 3 is not a regular expression Gantry can run: unopened group"
    );
}

#[test]
fn if_greaterthan_compares_digits() {
    assert_eq!(cond("greaterthan,89", Some("090Y")), value("T"));
    assert_eq!(cond("greaterthan,89", Some("089Y")), value("F"));
    assert_eq!(cond("greaterthan,89", Some("1.5")), value("F"));
    assert_eq!(cond("greaterthan,\"\"", Some("1")), value("T"));
    assert_eq!(cond("greaterthan,0", None), value("F"));
    assert_eq!(
        cond("greaterthan,2147483648", Some("99999999999999999999")),
        value("T")
    );
}

#[test]
fn if_errors() {
    let ctx = Fake::new(Some("x"));
    assert_eq!(
        fails("@if(this,isBlank){T}{F}", &ctx),
        "1:1: @if: unknown condition `isBlank` (CTP's are isblank, exists, contains, equals, \
         matches and greaterthan)"
    );
    assert_eq!(
        fails("@if(this,contains){T}{F}", &ctx),
        "1:1: @if: the condition `contains` needs a third argument"
    );
    assert_eq!(
        fails("@if(this){T}{F}", &ctx),
        "1:1: @if: takes 2 to 3 arguments, got 1"
    );
    assert_eq!(
        fails("@if(this,equals,@NOPE){T}{F}", &ctx),
        "1:1: @if: parameter @NOPE is not defined"
    );
    // An error in a clause that is not taken is never reached.
    assert_eq!(
        run("@if(this,exists){T}{@encrypt(this,k)}", &ctx),
        Ok(value("T"))
    );
}

#[test]
fn if_clauses_decide_and_nest() {
    let rule = "@if(this,isblank){@remove()}{@hash(this,8)}";
    assert_eq!(eval(rule, Some("")), Outcome::Remove);
    assert_eq!(eval(rule, Some("A1")), value("h8(A1)"));
    let nested = "@if(this,exists){@if(PatientID,isblank){A}{B@value(PatientID)}}{C}";
    assert_eq!(run(nested, &Fake::new(Some("x"))), Ok(value("A")));
    assert_eq!(
        run(nested, &Fake::new(Some("x")).with("PatientID", "7")),
        Ok(value("B7"))
    );
    assert_eq!(run(nested, &Fake::new(None)), Ok(value("C")));
    assert_eq!(eval("<@if(this,exists){}{}>", Some("x")), value("<>"));
    // Missing clauses are empty.
    let mut script = sketch("@if(this,exists)");
    if let Part::Call(call) = &mut script.parts[0] {
        call.clauses.clear();
    }
    assert_eq!(
        evaluate(&script, &params(), &Fake::new(Some("x"))),
        Ok(Outcome::Empty)
    );
}

#[test]
fn select_root_or_item() {
    let rule = "@select(){@hashuid(@UIDROOT,this)}{@keep()}";
    assert_eq!(
        run(rule, &Fake::new(Some("1.2"))),
        Ok(value("uid[1.2.840.113654.2.70.1|1.2]"))
    );
    assert_eq!(run(rule, &Fake::new(Some("1.2")).item()), Ok(Outcome::Keep));
    assert_eq!(
        run("@select(){R}{}", &Fake::new(None).item()),
        Ok(Outcome::Empty)
    );
}

#[test]
fn append_adds_a_value() {
    let rule = "@append(){Gantry}";
    assert_eq!(eval(rule, None), value("Gantry"));
    assert_eq!(eval(rule, Some("")), value("Gantry"));
    assert_eq!(eval(rule, Some("CTP")), value("CTP\\Gantry"));
    assert_eq!(eval(rule, Some("A\\B")), value("A\\B\\Gantry"));
    assert_eq!(eval("@append(){@param(@SITEID)}", Some("A")), value("A\\1"));
    assert_eq!(eval("@append(){@remove()}", Some("A")), Outcome::Remove);
    assert_eq!(eval("@append(){@keep()}", None), Outcome::Keep);
    assert_eq!(
        fails("@append(){@keep()}", &Fake::new(Some("A"))),
        "1:11: @keep: yields @keep() but the rule also yields text; CTP would write both \
         into the element as text"
    );
}

// ---- @lookup --------------------------------------------------------------

#[test]
fn lookup_and_its_actions() {
    let p1 = Fake::new(Some("P1"));
    let p9 = Fake::new(Some("P9"));
    assert_eq!(run("@lookup(this,ptid)", &p1), Ok(value("S001")));
    assert_eq!(run("@lookup(this,ptid)", &p9), Ok(Outcome::Quarantine));
    assert_eq!(run("@lookup(this,ptid,keep)", &p9), Ok(Outcome::Keep));
    assert_eq!(run("@lookup(this,ptid,remove)", &p9), Ok(Outcome::Remove));
    assert_eq!(run("@lookup(this,ptid,empty)", &p9), Ok(Outcome::Empty));
    assert_eq!(run("@lookup(this,ptid,keep)", &p1), Ok(value("S001")));
    assert_eq!(
        run("@lookup(this,ptid,default, UNKNOWN )", &p9),
        Ok(value("UNKNOWN"))
    );
    assert_eq!(
        run("@lookup(this,ptid,default,@SITENAME)", &p9),
        Ok(value("SiteName"))
    );
    assert_eq!(
        run("@lookup(this,ptid,ignore,\"P[0-9]\")", &p9),
        Ok(value("P9"))
    );
    assert_eq!(
        run("@lookup(this,ptid,ignore,\"Q[0-9]\")", &p9),
        Ok(Outcome::Quarantine)
    );
    assert_eq!(
        run("@lookup(this,ptid,UC)", &Fake::new(Some("p1"))),
        Ok(value("S001"))
    );
    assert_eq!(
        run("@lookup(this,ptid)", &Fake::new(Some(" P\\1 "))),
        Ok(value("S001"))
    );
    assert_eq!(
        run("@lookup(this,ptid)", &Fake::new(None)),
        Ok(Outcome::Quarantine)
    );
    let both = Fake::new(None)
        .with("PatientID", "P1")
        .with("StudyID", "ST9");
    assert_eq!(
        run("@lookup(PatientID|StudyID,ptid)", &both),
        Ok(value("S001-ST9"))
    );
    assert_eq!(
        run("@lookup(PatientID | StudyID,ptid)", &both),
        Ok(value("S001-ST9"))
    );
    assert_eq!(
        fails("@lookup(this,ptid,discard)", &p1),
        "1:1: @lookup: unknown action `discard` (CTP's are keep, remove, empty, default, \
         ignore and UC)"
    );
    assert_eq!(
        fails("@lookup(this,ptid,default)", &p1),
        "1:1: @lookup: the action `default` needs a fourth argument"
    );
    assert_eq!(
        fails("@lookup(this)", &p1),
        "1:1: @lookup: takes 2 to 4 arguments, got 1"
    );
}

// ---- what Gantry does not run ------------------------------------------------

#[test]
fn unsupported_functions_say_why() {
    let ctx = Fake::new(Some("x"));
    let cases = [
        (
            "@encrypt(this,@KEY)",
            "1:1: @encrypt: not supported: use Gantry's reversible sealing (`reversible: \
             true`) to keep originals recoverable",
        ),
        (
            "@decrypt(this,@KEY)",
            "1:1: @decrypt: not supported: Gantry does not re-identify while de-identifying \
             (originals sealed with `reversible: true` are recovered apart from it)",
        ),
        (
            "@call(plugin,this)",
            "1:1: @call: not supported: CTP plugin calls have no equivalent in Gantry",
        ),
        (
            "@pathelement(this,-1)",
            "1:1: @pathelement: not supported: use @contents with a regular expression and a \
             replacement to pick part of a value",
        ),
        (
            "@integer(this,ptid,4)",
            "1:1: @integer: not supported: CTP's integer table is a stored sequence Gantry \
             does not keep; use @hash or @hashptid for a keyed pseudonym",
        ),
        (
            "@dateinterval(StudyDate,basedate,PatientID)",
            "1:1: @dateinterval: not supported: use @hashdate or @incrementdate to shift dates",
        ),
        (
            "@frobnicate(this)",
            "1:1: @frobnicate: unknown function: CTP would write the call into the element as \
             text",
        ),
    ];
    for (rule, message) in cases {
        assert_eq!(fails(rule, &ctx), message, "{rule}");
    }
}

// ---- nesting ----------------------------------------------------------------

/// `depth` `@select` calls, each the first clause of the one before,
/// around `YES`.
fn nested_selects(depth: usize) -> Script {
    let mut script = Script {
        parts: vec![Part::Text("YES".to_owned())],
    };
    for level in (0..depth).rev() {
        script = Script {
            parts: vec![Part::Call(Call {
                line: 1,
                column: u32::try_from(level + 1).unwrap(),
                function: Function::Select,
                args: vec![],
                clauses: vec![script, Script::default()],
            })],
        };
    }
    script
}

#[test]
fn nesting_is_bounded() {
    let ctx = Fake::new(Some("x"));
    assert_eq!(
        evaluate(&nested_selects(64), &params(), &ctx),
        Ok(value("YES"))
    );
    let error = evaluate(&nested_selects(65), &params(), &ctx).unwrap_err();
    assert_eq!(
        error.to_string(),
        "1:65: @select: clauses nested more than 64 deep"
    );
    let error = evaluate(&nested_selects(2000), &params(), &ctx).unwrap_err();
    assert_eq!(error.column, 65);
}

// ---- the stock script -------------------------------------------------------

/// The rules of CTP's default `DicomAnonymizer.script` (enabled ones, and
/// the disabled `@param`, `@require` and `@hashptid` ones).
#[test]
fn stock_script_rules() {
    let uid = "@hashuid(@UIDROOT,this)";
    assert_eq!(
        eval(uid, Some("1.3.6.1.4.1.5962.99.1")),
        value("uid[1.2.840.113654.2.70.1|1.3.6.1.4.1.5962.99.1]")
    );
    assert_eq!(eval(uid, None), Outcome::Remove);
    let date = "@incrementdate(this,@DATEINC)";
    assert_eq!(eval(date, Some("20200315")), value("20110601"));
    // AcquisitionDatetime: CTP empties it; Gantry keeps the time.
    assert_eq!(eval(date, Some("20200315083000")), value("20110601083000"));
    assert_eq!(
        eval("@hash(this,16)", Some("A123456")),
        value("h16(A123456)")
    );
    assert_eq!(eval("@hash(this,10)", Some("PID-77")), value("h10(PID-77)"));
    assert_eq!(
        eval("@hashname(this,6,2)", Some("Doe^Jane^M")),
        value("h6(DOEJANE)")
    );
    assert_eq!(eval("@always()YES", None), value("YES"));
    assert_eq!(eval("@always()MODIFIED", Some("")), value("MODIFIED"));
    let method = "@always()@append(){CTP Default:  based on DICOM PS3.15 AnnexE. Details in \
                  0012,0064}";
    assert_eq!(
        eval(method, None),
        value("CTP Default:  based on DICOM PS3.15 AnnexE. Details in 0012,0064")
    );
    assert_eq!(
        eval(method, Some("Earlier")),
        value("Earlier\\CTP Default:  based on DICOM PS3.15 AnnexE. Details in 0012,0064")
    );
    assert!(sketch(method).applies_when_absent());
    assert_eq!(eval("@param(@SITEID)", Some("x")), value("1"));
    assert_eq!(eval("@param(@SITENAME)", None), value("SiteName"));
    assert_eq!(eval("@require()", Some("CT")), Outcome::Keep);
    assert_eq!(eval("@require()", None), Outcome::Empty);
    assert_eq!(eval("@always()@process()", Some("")), Outcome::Process);
    assert_eq!(eval("@keep()", Some("ISO_IR 100")), Outcome::Keep);
    assert_eq!(eval("@remove()", Some("General Hospital")), Outcome::Remove);
    assert_eq!(eval("@empty()", Some("Dr Who")), Outcome::Empty);
    assert_eq!(
        eval("113100/113105/113107/113108/113109", None),
        value("113100/113105/113107/113108/113109")
    );
    let ctx = Fake::new(None).with("PatientID", "PID-77");
    assert_eq!(
        run("@hashptid(@SITEID,PatientID)", &ctx),
        Ok(value("h([1]PID-77)"))
    );
}

// ---- hostile input ------------------------------------------------------------

/// A character no script text in the property test contains, in every
/// element value: an error message containing it would carry a value.
const PHI: char = '☃';

fn arb_function() -> impl Strategy<Value = Function> {
    prop::sample::select(vec![
        "always",
        "append",
        "blank",
        "call",
        "contents",
        "date",
        "dateinterval",
        "decrypt",
        "empty",
        "encrypt",
        "hash",
        "hashdate",
        "hashname",
        "hashptid",
        "hashuid",
        "if",
        "incrementdate",
        "initials",
        "integer",
        "keep",
        "lookup",
        "lowercase",
        "modifydate",
        "param",
        "pathelement",
        "process",
        "quarantine",
        "remove",
        "require",
        "round",
        "select",
        "skip",
        "time",
        "truncate",
        "uppercase",
        "value",
        "frob",
    ])
    .prop_map(Function::from_name)
}

fn arb_arg() -> impl Strategy<Value = Arg> {
    let words = prop::sample::select(vec![
        "isblank",
        "exists",
        "contains",
        "equals",
        "matches",
        "greaterthan",
        "isBlank",
        "PatientID",
        "StudyDate",
        "Absent",
        "PatientID|StudyDate",
        "this",
        "keep",
        "remove",
        "empty",
        "default",
        "ignore",
        "UC",
        "ptid",
        "*",
        "16",
        "-3",
        "0",
        "1",
        "55",
        "99999999999999999999",
        "-99999999999999999999",
        "[0-9]+",
        "(a)|b",
        "$1",
        "(",
        "",
    ]);
    prop_oneof![
        Just(Arg::This),
        prop::sample::select(vec![
            "SITEID", "UIDROOT", "DATEINC", "BAD", "SEP", "MISSING"
        ])
        .prop_map(|p| Arg::Param(p.to_owned())),
        words.clone().prop_map(|w| Arg::Bare(w.to_owned())),
        words.prop_map(|w| Arg::Quoted(w.to_owned())),
        "[ -~]{0,10}".prop_map(Arg::Bare),
    ]
}

fn arb_part(clauses: BoxedStrategy<Vec<Script>>) -> impl Strategy<Value = Part> {
    prop_oneof![
        "[ -~]{0,6}".prop_map(Part::Text),
        (
            1u32..4,
            1u32..30,
            arb_function(),
            prop::collection::vec(arb_arg(), 0..5),
            clauses
        )
            .prop_map(|(line, column, function, args, clauses)| Part::Call(Call {
                line,
                column,
                function,
                args,
                clauses
            })),
    ]
}

fn arb_script() -> impl Strategy<Value = Script> {
    let leaf = prop::collection::vec(arb_part(Just(Vec::new()).boxed()), 0..4)
        .prop_map(|parts| Script { parts });
    leaf.prop_recursive(5, 64, 4, |inner| {
        prop::collection::vec(arb_part(prop::collection::vec(inner, 0..3).boxed()), 0..4)
            .prop_map(|parts| Script { parts })
    })
}

fn arb_value() -> impl Strategy<Value = Option<String>> {
    let text = prop_oneof![
        any::<String>(),
        "[0-9]{6,10}(\\.[0-9]{1,3})?",
        "(19|20)[0-9]{2}-?[01][0-9]-?[0-3][0-9]([0-9]{6})?(\\\\(19|20)[0-9]{6})?",
        "[A-Za-z ,'.^]{0,20}",
        "[0-9]{1,40}[YMWD]?",
        Just("@remove()".to_owned()),
    ];
    prop::option::weighted(0.8, text.prop_map(|t| format!("{t}{PHI}")))
}

/// Every call in `script`, clauses included.
fn calls(script: &Script, out: &mut Vec<(u32, u32, String)>) {
    for part in &script.parts {
        if let Part::Call(call) = part {
            out.push((call.line, call.column, call.function.name().to_owned()));
            for clause in &call.clauses {
                calls(clause, out);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_script_on_any_values_returns(
        script in arb_script(),
        this in arb_value(),
        patient in arb_value(),
        date in arb_value(),
        root in any::<bool>(),
    ) {
        let mut ctx = Fake::new(this.as_deref());
        ctx.root = root;
        if let Some(p) = patient {
            ctx.elements.insert("PatientID".to_owned(), p.clone());
            ctx.offsets.insert(p, i32::MIN);
        }
        if let Some(d) = date {
            ctx.elements.insert("StudyDate".to_owned(), d);
        }
        let _ = script.applies_when_absent();
        match evaluate(&script, &params(), &ctx) {
            Ok(Outcome::Value(v)) => prop_assert!(!v.is_empty()),
            Ok(_) => {}
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(!shown.contains(PHI), "a value in {shown}");
                let mut all = Vec::new();
                calls(&script, &mut all);
                prop_assert!(
                    all.contains(&(e.line, e.column, e.function.clone())),
                    "{shown} names no call of the script"
                );
            }
        }
    }

    #[test]
    fn dates_shift_without_panics(value in any::<String>(), days in any::<i64>()) {
        let _ = super::dates::apply(&value, super::dates::Change::Shift(days));
        let _ = super::dates::apply(&value, super::dates::Change::Set {
            year: Some(days),
            month: Some(days.wrapping_mul(3)),
            day: None,
        });
    }
}
