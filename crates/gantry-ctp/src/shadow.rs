//! The shadowed-signature lint: a sound, deliberately simple implication
//! check between conditions.

use serde::Serialize;

use crate::condition::{Condition, Method, Predicate};

/// A signature that can never be chosen: every instance it matches is
/// matched first by an earlier signature (first match wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Shadowed {
    /// Line of the shadowed signature's `{`.
    pub line: u32,
    /// Line of the `{` of the first earlier signature that shadows it.
    pub by_line: u32,
}

/// Work allowed per pair of conditions, and in all; past either the
/// answer is "not proven". Real scripts need a tiny fraction of both.
const PAIR_BUDGET: u32 = 10_000;
const TOTAL_BUDGET: u64 = 20_000_000;

/// For each condition (in order), the index of the first earlier one it
/// implies, as far as the total budget allows.
pub(crate) fn first_implied(conditions: &[&Condition]) -> Vec<Option<usize>> {
    let mut remaining = TOTAL_BUDGET;
    let mut out = Vec::with_capacity(conditions.len());
    for (k, later) in conditions.iter().enumerate() {
        let mut found = None;
        for (i, earlier) in conditions[..k].iter().enumerate() {
            if remaining == 0 {
                break;
            }
            let mut budget = u32::try_from(remaining)
                .unwrap_or(u32::MAX)
                .min(PAIR_BUDGET);
            let start = budget;
            let implied = implies_within(later, earlier, &mut budget);
            remaining -= u64::from(start - budget);
            if implied {
                found = Some(i);
                break;
            }
        }
        out.push(found);
    }
    out
}

/// Structural rules, each sound on its own:
///
/// - `j ⇒ true`;
/// - `a + b ⇒ i` when `a ⇒ i` and `b ⇒ i`;
/// - `j ⇒ a * b` when `j ⇒ a` and `j ⇒ b`;
/// - `j ⇒ a + b` when `j ⇒ a` or `j ⇒ b`;
/// - `a * b ⇒ i` when `a ⇒ i` or `b ⇒ i`;
/// - `!a ⇒ !b` when `b ⇒ a`;
/// - tests on the same operand: see [`predicate_implies`].
///
/// So a later signature whose `*`-terms include all of an earlier one's
/// (`A * B * C` after `A * B`) is found, as is `A * B` after `A + C`; what
/// needs real reasoning (`Rows.isLessThan("100")` after
/// `Rows.isLessThan("200")`, keywords versus their tags, De Morgan) is not.
fn implies_within(j: &Condition, i: &Condition, budget: &mut u32) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    match (j, i) {
        (_, Condition::Const(true)) => true,
        (Condition::Or(js), _) => js.iter().all(|e| implies_within(e, i, budget)),
        (_, Condition::And(is)) => is.iter().all(|c| implies_within(j, c, budget)),
        (_, Condition::Or(is)) => is.iter().any(|d| implies_within(j, d, budget)),
        (Condition::And(js), _) => js.iter().any(|c| implies_within(c, i, budget)),
        (Condition::Not(a), Condition::Not(b)) => implies_within(b, a, budget),
        (Condition::Predicate(p), Condition::Predicate(q)) => predicate_implies(p, q),
        _ => j == i,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Relation {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

fn relation(method: Method) -> Option<(Relation, bool)> {
    Some(match method {
        Method::Equals => (Relation::Equals, false),
        Method::EqualsIgnoreCase => (Relation::Equals, true),
        Method::Contains => (Relation::Contains, false),
        Method::ContainsIgnoreCase => (Relation::Contains, true),
        Method::StartsWith => (Relation::StartsWith, false),
        Method::StartsWithIgnoreCase => (Relation::StartsWith, true),
        Method::EndsWith => (Relation::EndsWith, false),
        Method::EndsWithIgnoreCase => (Relation::EndsWith, true),
        Method::Matches | Method::IsLessThan | Method::IsGreaterThan => return None,
    })
}

/// `p ⇒ q` for two tests of the same operand: identical tests, or string
/// relations that chain (`equals("GE MEDICAL")` ⇒ `startsWith("GE")`,
/// `contains("AB")` ⇒ `contains("B")`). A case-insensitive `q` is
/// compared lowercased, and only for ASCII literals, where lowercasing is
/// the same character by character whatever surrounds it.
fn predicate_implies(p: &Predicate, q: &Predicate) -> bool {
    if p.operand != q.operand {
        return false;
    }
    if p.method == q.method && p.literal == q.literal {
        return true;
    }
    let (Some((pr, p_ci)), Some((qr, q_ci))) = (relation(p.method), relation(q.method)) else {
        return false;
    };
    if p_ci && !q_ci {
        return false;
    }
    let (a, b) = if q_ci {
        if !(p.literal.is_ascii() && q.literal.is_ascii()) {
            return false;
        }
        (
            p.literal.to_ascii_lowercase(),
            q.literal.to_ascii_lowercase(),
        )
    } else {
        (p.literal.clone(), q.literal.clone())
    };
    match (pr, qr) {
        (Relation::Equals, Relation::Equals) => a == b,
        (Relation::Equals | Relation::Contains, Relation::Contains) => a.contains(&b),
        (Relation::StartsWith | Relation::EndsWith, Relation::Contains) => a.contains(&b),
        (Relation::Equals | Relation::StartsWith, Relation::StartsWith) => a.starts_with(&b),
        (Relation::Equals | Relation::EndsWith, Relation::EndsWith) => a.ends_with(&b),
        _ => false,
    }
}
