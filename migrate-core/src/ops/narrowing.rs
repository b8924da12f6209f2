//! Which type changes can lose data: what `alter_column` refuses without
//! [`lossy_ok`](super::AlterColumn::lossy_ok).
//!
//! PostgreSQL rounds `numeric` into `integer` and drops the time from a
//! `timestamptz` turned `date`; a shorter `varchar` cuts; all of them with
//! success, and the derived downgrade then "restores" the type but not the
//! data. Those changes are [`Fit::Loses`]: refused. A change the database
//! checks value by value and refuses when one does not fit (`bigint` to
//! `integer` with a value out of range, text that is not a number) loses
//! nothing silently: [`Fit::MayFail`], allowed (the safety linter will warn
//! of it). A type written as raw SQL is [`Fit::Unknown`], never refused.

use super::ColumnType;

/// What happens to the values of a column whose type changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Every value fits.
    Holds,
    /// Some values can be changed (rounded, cut, dropped in part) without
    /// an error, and why.
    Loses(&'static str),
    /// Some values may not fit, and the database then refuses the change
    /// rather than lose them (on MySQL, in its default strict mode), and
    /// why.
    MayFail(&'static str),
    /// One of the types is raw SQL: nothing can be said.
    Unknown,
}

/// The values a type can hold, in the terms the rules need.
#[derive(Debug, Clone, PartialEq)]
enum Domain<'a> {
    /// An integer of this many decimal digits.
    Integer(u32),
    /// An exact decimal: digits before and after the point.
    Exact {
        whole: u32,
        scale: u32,
    },
    /// A floating-point number with about this many exact decimal digits.
    Float(u32),
    /// Text of at most this many characters (`None`: unbounded).
    Text(Option<u32>),
    Boolean,
    Date,
    Time,
    Timestamp {
        zone: bool,
    },
    Uuid,
    Json {
        binary: bool,
    },
    Binary,
    Enum(&'a [String]),
    Unknown,
}

fn domain(ty: &ColumnType) -> Domain<'_> {
    match ty {
        ColumnType::SmallInteger => Domain::Integer(5),
        ColumnType::Integer => Domain::Integer(10),
        ColumnType::BigInteger => Domain::Integer(19),
        ColumnType::Decimal { precision, scale } => Domain::Exact {
            whole: precision.saturating_sub(*scale),
            scale: *scale,
        },
        ColumnType::Real => Domain::Float(6),
        ColumnType::Double => Domain::Float(15),
        ColumnType::String(n) | ColumnType::Char(n) => Domain::Text(Some(*n)),
        ColumnType::Text => Domain::Text(None),
        ColumnType::Boolean => Domain::Boolean,
        ColumnType::Date => Domain::Date,
        ColumnType::Time => Domain::Time,
        ColumnType::Timestamp => Domain::Timestamp { zone: false },
        ColumnType::TimestampTz => Domain::Timestamp { zone: true },
        ColumnType::Uuid => Domain::Uuid,
        ColumnType::Json => Domain::Json { binary: false },
        ColumnType::Jsonb => Domain::Json { binary: true },
        ColumnType::Binary => Domain::Binary,
        ColumnType::Enum(e) => Domain::Enum(&e.values),
        ColumnType::Raw(_) => Domain::Unknown,
    }
}

/// The most characters a value of `domain` takes as text, `None` when
/// there is no bound.
fn text_length(domain: &Domain<'_>) -> Option<u32> {
    match domain {
        // A sign, the digits, a point.
        Domain::Integer(digits) => Some(digits + 1),
        Domain::Exact { whole, scale } => Some(whole + scale + 2),
        // `-1.2345678901234567e-308`
        Domain::Float(_) => Some(24),
        Domain::Boolean => Some(5),
        Domain::Date => Some(10),
        Domain::Time => Some(15),
        Domain::Timestamp { zone: false } => Some(26),
        Domain::Timestamp { zone: true } => Some(32),
        Domain::Uuid => Some(36),
        Domain::Enum(values) => values
            .iter()
            .map(|v| u32::try_from(v.chars().count()).unwrap_or(u32::MAX))
            .max(),
        Domain::Text(n) => *n,
        Domain::Json { .. } | Domain::Binary | Domain::Unknown => None,
    }
}

/// What a change from type `from` to type `to` does to the values.
///
/// ```
/// use migrate_core::ops::{ColumnType, Fit, fit};
///
/// assert_eq!(fit(&ColumnType::Integer, &ColumnType::BigInteger), Fit::Holds);
/// assert!(matches!(fit(&ColumnType::String(100), &ColumnType::String(5)), Fit::Loses(_)));
/// assert_eq!(
///     fit(&ColumnType::Decimal { precision: 10, scale: 2 }, &ColumnType::Integer),
///     Fit::Loses("fractions are rounded away")
/// );
/// assert!(matches!(fit(&ColumnType::BigInteger, &ColumnType::Integer), Fit::MayFail(_)));
/// ```
pub fn fit(from: &ColumnType, to: &ColumnType) -> Fit {
    use Domain as D;
    if from == to {
        return Fit::Holds;
    }
    let (old, new) = (domain(from), domain(to));
    let range = |ok: bool| {
        if ok {
            Fit::Holds
        } else {
            Fit::MayFail("values too large for the new type fail the change")
        }
    };
    let loses = |ok: bool, why: &'static str| if ok { Fit::Holds } else { Fit::Loses(why) };
    // PostgreSQL and MySQL in strict mode refuse a value that is too long;
    // MySQL without it cuts the value, and so do explicit casts.
    const CUT: &str = "longer values are cut (MySQL without strict mode) or fail the change";
    match (&old, &new) {
        (D::Unknown, _) | (_, D::Unknown) => Fit::Unknown,
        (D::Integer(a), D::Integer(b)) => range(b >= a),
        (D::Integer(a), D::Exact { whole, .. }) => range(whole >= a),
        (D::Exact { scale, .. }, D::Integer(_)) if *scale > 0 => {
            Fit::Loses("fractions are rounded away")
        }
        (D::Exact { whole, .. }, D::Integer(b)) => range(whole <= b),
        (
            D::Exact {
                whole: w1,
                scale: s1,
            },
            D::Exact {
                whole: w2,
                scale: s2,
            },
        ) => {
            if s2 < s1 {
                Fit::Loses("fractions are rounded to fewer digits")
            } else {
                range(w2 >= w1)
            }
        }
        (D::Float(_), D::Integer(_) | D::Exact { .. }) => Fit::Loses("fractions are rounded away"),
        (D::Integer(a), D::Float(b)) => loses(a <= b, "large integers lose their last digits"),
        (D::Exact { whole, scale }, D::Float(b)) => loses(
            whole + scale <= *b,
            "decimals lose digits in floating point",
        ),
        (D::Float(a), D::Float(b)) => loses(b >= a, "digits are rounded away in the smaller type"),
        (D::Boolean, D::Integer(_) | D::Exact { .. } | D::Float(_)) => Fit::Holds,
        (D::Integer(_) | D::Exact { .. } | D::Float(_), D::Boolean) => {
            Fit::Loses("every number but 0 becomes true")
        }
        (D::Binary, D::Text(_)) => Fit::Loses("bytes become their escaped text, or are lost"),
        (D::Text(_), D::Binary) => Fit::Holds,
        (_, D::Text(Some(n))) => match text_length(&old) {
            Some(needed) => loses(needed <= *n, CUT),
            None => Fit::Loses(CUT),
        },
        (_, D::Text(None)) => Fit::Holds,
        (D::Date, D::Timestamp { .. }) => Fit::Holds,
        (D::Timestamp { .. }, D::Date) => Fit::Loses("the time of day is dropped"),
        (D::Timestamp { .. }, D::Time) => Fit::Loses("the date is dropped"),
        (D::Timestamp { zone: true }, D::Timestamp { zone: false }) => {
            Fit::Loses("the time zone is dropped")
        }
        (D::Timestamp { zone: false }, D::Timestamp { zone: true }) => Fit::Holds,
        (D::Json { binary: false }, D::Json { binary: true }) => {
            Fit::Loses("duplicate keys, key order and spacing are dropped")
        }
        (D::Json { binary: true }, D::Json { binary: false }) => Fit::Holds,
        (D::Enum(a), D::Enum(b)) if a.iter().all(|v| b.contains(v)) => Fit::Holds,
        (D::Enum(_), D::Enum(_)) => {
            Fit::MayFail("rows holding a value the new enum lacks fail the change")
        }
        (D::Text(_), _) => {
            Fit::MayFail("text that is not a valid value of the new type fails the change")
        }
        _ => Fit::MayFail("the database refuses values the new type cannot hold"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Enum;
    use ColumnType as T;

    fn loses(from: &T, to: &T) -> bool {
        matches!(fit(from, to), Fit::Loses(_))
    }

    #[test]
    fn widenings_hold() {
        let dec = |precision, scale| T::Decimal { precision, scale };
        for (from, to) in [
            (T::SmallInteger, T::Integer),
            (T::Integer, T::BigInteger),
            (T::Integer, dec(12, 2)),
            (dec(10, 2), dec(12, 4)),
            (T::Real, T::Double),
            (T::Integer, T::Double),
            (T::String(5), T::String(100)),
            (T::Char(5), T::String(5)),
            (T::String(100), T::Text),
            (T::BigInteger, T::Text),
            (T::Uuid, T::String(36)),
            (T::Date, T::TimestampTz),
            (T::Timestamp, T::TimestampTz),
            (T::Jsonb, T::Json),
            (T::Boolean, T::Integer),
            (T::Text, T::Binary),
            (
                T::Enum(Enum::new("e", ["a", "b"])),
                T::Enum(Enum::new("e", ["a", "b", "c"])),
            ),
        ] {
            assert_eq!(fit(&from, &to), Fit::Holds, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn silent_losses_lose() {
        let dec = |precision, scale| T::Decimal { precision, scale };
        for (from, to) in [
            (dec(10, 2), T::Integer),
            (dec(10, 2), dec(10, 1)),
            (T::Double, T::Real),
            (T::Double, T::BigInteger),
            (T::BigInteger, T::Double),
            (T::String(100), T::String(5)),
            (T::Text, T::String(255)),
            (T::Uuid, T::String(20)),
            (T::TimestampTz, T::Date),
            (T::TimestampTz, T::Timestamp),
            (T::Timestamp, T::Time),
            (T::Integer, T::Boolean),
            (T::Json, T::Jsonb),
            (T::Binary, T::Text),
        ] {
            assert!(loses(&from, &to), "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn checked_conversions_may_fail() {
        let dec = |precision, scale| T::Decimal { precision, scale };
        for (from, to) in [
            (T::BigInteger, T::Integer),
            (dec(12, 2), dec(10, 2)),
            (T::Text, T::Integer),
            (T::Date, T::Integer),
            (
                T::Enum(Enum::new("e", ["a", "b"])),
                T::Enum(Enum::new("e", ["a"])),
            ),
        ] {
            assert!(
                matches!(fit(&from, &to), Fit::MayFail(_)),
                "{from:?} -> {to:?}"
            );
        }
        assert_eq!(
            fit(&T::Raw("money".into()), &T::Integer),
            Fit::Unknown,
            "raw SQL types are never judged"
        );
    }
}
