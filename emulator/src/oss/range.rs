//! The `Range` header of GetObject, as OSS reads it: one range; a malformed one is ignored.

/// What a `Range` header asks for, resolved against the object's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ByteRange {
    /// The whole object (no header, or one OSS ignores: malformed, several ranges, `a > b`).
    Whole,
    /// Bytes `first..=last` (206 Partial Content).
    Part { first: u64, last: u64 },
    /// Starts past the end (416 InvalidRange).
    Unsatisfiable,
}

/// Resolves `header` for an object of `size` bytes.
pub(crate) fn resolve(header: Option<&str>, size: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return ByteRange::Whole;
    };
    if spec.contains(',') {
        return ByteRange::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, false) => match number(last) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if size == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Part {
                first: size.saturating_sub(n),
                last: size - 1,
            },
            None => ByteRange::Whole,
        },
        (false, true) => match number(first) {
            Some(a) if a >= size => ByteRange::Unsatisfiable,
            Some(a) => ByteRange::Part {
                first: a,
                last: size - 1,
            },
            None => ByteRange::Whole,
        },
        (false, false) => match (number(first), number(last)) {
            (Some(a), Some(b)) if a > b => ByteRange::Whole,
            (Some(a), Some(_)) if a >= size => ByteRange::Unsatisfiable,
            (Some(a), Some(b)) => ByteRange::Part {
                first: a,
                last: b.min(size - 1),
            },
            _ => ByteRange::Whole,
        },
        (true, true) => ByteRange::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ByteRange::*;

    #[test]
    fn ranges() {
        assert_eq!(resolve(None, 10), Whole);
        assert_eq!(resolve(Some("bytes=2-6"), 10), Part { first: 2, last: 6 });
        assert_eq!(resolve(Some("bytes=2-100"), 10), Part { first: 2, last: 9 });
        assert_eq!(resolve(Some("bytes=7-"), 10), Part { first: 7, last: 9 });
        assert_eq!(resolve(Some("bytes=-3"), 10), Part { first: 7, last: 9 });
        assert_eq!(resolve(Some("bytes=-30"), 10), Part { first: 0, last: 9 });
        assert_eq!(resolve(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=10-12"), 10), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=0-0"), 0), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=6-2"), 10), Whole);
        assert_eq!(resolve(Some("bytes=0-1,3-4"), 10), Whole);
        assert_eq!(resolve(Some("bytes=x-1"), 10), Whole);
        assert_eq!(resolve(Some("items=0-1"), 10), Whole);
    }
}
