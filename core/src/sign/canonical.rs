//! Header blocks as both signature versions canonicalize them: names lower-cased, sorted,
//! `name:value\n` each. Names are compared and written lower-cased without building lower-case
//! copies of them.

use std::cmp::Ordering;

/// Whether `name`, lower-cased, equals `lower`.
pub(crate) fn eq_lowercased(name: &str, lower: &str) -> bool {
    name.len() == lower.len()
        && name
            .bytes()
            .zip(lower.bytes())
            .all(|(n, l)| n.to_ascii_lowercase() == l)
}

/// Whether `name`, lower-cased, starts with `lower_prefix`.
pub(crate) fn starts_with_lowercased(name: &str, lower_prefix: &str) -> bool {
    name.get(..lower_prefix.len())
        .is_some_and(|head| eq_lowercased(head, lower_prefix))
}

/// Orders two names as their lower-cased forms order.
fn cmp_lowercased(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Items sorted without a heap allocation: requests rarely carry more headers or parameters.
const ON_STACK: usize = 16;

/// Collects `items`, sorts them stably by `cmp` and passes the sorted slice to `f`. Up to
/// [`ON_STACK`] items are sorted in an array on the stack, more in a `Vec`.
pub(crate) fn with_sorted<T: Copy + Default, R>(
    mut items: impl Iterator<Item = T>,
    mut cmp: impl FnMut(&T, &T) -> Ordering,
    f: impl FnOnce(&[T]) -> R,
) -> R {
    let mut stack = [T::default(); ON_STACK];
    let mut len = 0;
    for slot in &mut stack {
        match items.next() {
            Some(item) => *slot = item,
            None => break,
        }
        len += 1;
    }
    if len < ON_STACK {
        let sorted = &mut stack[..len];
        sorted.sort_by(&mut cmp);
        return f(sorted);
    }
    let mut heap = stack.to_vec();
    heap.extend(items);
    heap.sort_by(cmp);
    f(&heap)
}

/// Passes to `f` the headers whose names `signed` accepts, values trimmed, in the order of their
/// lower-cased names (headers of the same name keep their order).
pub(crate) fn with_signed_headers<R>(
    headers: &[(String, String)],
    signed: impl Fn(&str) -> bool,
    f: impl FnOnce(&[(&str, &str)]) -> R,
) -> R {
    with_sorted(
        headers
            .iter()
            .filter(|(name, _)| signed(name))
            .map(|(name, value)| (name.as_str(), value.trim())),
        |a, b| cmp_lowercased(a.0, b.0),
        f,
    )
}

/// Appends `lower-cased name:value\n` for each header.
pub(crate) fn push_headers(out: &mut String, headers: &[(&str, &str)]) {
    for (name, value) in headers {
        let start = out.len();
        out.push_str(name);
        out[start..].make_ascii_lowercase();
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercased_comparisons() {
        assert!(eq_lowercased("Content-MD5", "content-md5"));
        assert!(!eq_lowercased("content-md5", "Content-MD5"));
        assert!(starts_with_lowercased("X-OSS-Date", "x-oss-"));
        assert!(!starts_with_lowercased("X-OS", "x-oss-"));
        assert!(!starts_with_lowercased("x-o中", "x-oss-"));
        assert_eq!(cmp_lowercased("B", "a"), Ordering::Greater);
        assert_eq!(cmp_lowercased("A", "a"), Ordering::Equal);
    }

    #[test]
    fn sorts_stably_and_writes_lower_case() {
        let headers: Vec<(String, String)> =
            [("X-B", " 1 "), ("x-a", "2"), ("x-b", "3"), ("Y", "4")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let mut out = String::new();
        with_signed_headers(
            &headers,
            |n| starts_with_lowercased(n, "x-"),
            |picked| push_headers(&mut out, picked),
        );
        assert_eq!(out, "x-a:2\nx-b:1\nx-b:3\n");
    }

    #[test]
    fn sorts_on_the_stack_and_beyond() {
        for n in [0, 1, 15, 16, 17, 40] {
            let items: Vec<(u32, u32)> = (0..n).map(|i| ((i * 7) % 5, i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|item| item.0);
            with_sorted(
                items.into_iter(),
                |a, b| a.0.cmp(&b.0),
                |sorted| {
                    assert_eq!(sorted, expected.as_slice());
                },
            );
        }
    }
}
