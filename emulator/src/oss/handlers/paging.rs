//! Paging of key-sorted listings with prefix, marker and delimiter, as OSS lists.

use std::collections::BTreeSet;

use super::super::error::OssError;
use super::Call;

/// The most entries one page holds.
pub(crate) const MAX_PAGE: u32 = 1000;

/// Something listed under a key.
pub(crate) trait Keyed {
    /// The key it is listed under.
    fn key(&self) -> &str;
}

/// One page of a listing.
#[derive(Debug)]
pub(crate) struct Page<'a, T> {
    /// Entries shown individually.
    pub(crate) entries: Vec<&'a T>,
    /// Common prefixes (keys grouped by the delimiter).
    pub(crate) prefixes: BTreeSet<String>,
    /// Whether more follow.
    pub(crate) truncated: bool,
    /// The last item consumed (the next page starts after it).
    pub(crate) last: Option<&'a T>,
}

/// Pages key-sorted `items` that start with `prefix` and pass `after_marker`, at most `max`
/// entries and prefixes together, grouping keys by `delimiter` into common prefixes.
pub(crate) fn paginate<'a, T: Keyed>(
    items: &'a [T],
    prefix: &str,
    delimiter: &str,
    after_marker: impl Fn(&T) -> bool,
    max: usize,
) -> Page<'a, T> {
    let mut page = Page {
        entries: Vec::new(),
        prefixes: BTreeSet::new(),
        truncated: false,
        last: None,
    };
    for item in items
        .iter()
        .filter(|i| i.key().starts_with(prefix) && after_marker(i))
    {
        let key = item.key();
        let grouped = (!delimiter.is_empty())
            .then(|| key[prefix.len()..].find(delimiter))
            .flatten()
            .map(|i| key[..prefix.len() + i + delimiter.len()].to_owned());
        if !grouped.as_ref().is_some_and(|p| page.prefixes.contains(p)) {
            if page.entries.len() + page.prefixes.len() == max {
                page.truncated = true;
                break;
            }
            match grouped {
                Some(p) => {
                    page.prefixes.insert(p);
                }
                None => page.entries.push(item),
            }
        }
        page.last = Some(item);
    }
    page
}

/// A page size parameter: 1..=1000, `default` when absent.
pub(crate) fn page_size(call: &Call<'_>, name: &str, default: u32) -> Result<u32, OssError> {
    match call.req.query_value(name) {
        None => Ok(default),
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                OssError::invalid_argument(
                    format!("{name} must be an integer between 1 and {MAX_PAGE}."),
                    name,
                    value,
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Keyed for &str {
        fn key(&self) -> &str {
            self
        }
    }

    #[test]
    fn groups_and_pages() {
        let keys = ["a", "b/1", "b/2", "b/3", "c", "d/x"];
        let p = paginate(&keys, "", "/", |_| true, 2);
        assert_eq!(p.entries, [&"a"]);
        assert_eq!(p.prefixes.iter().collect::<Vec<_>>(), ["b/"]);
        assert!(p.truncated);
        assert_eq!(p.last, Some(&"b/3"), "the group is consumed whole");
        let rest = paginate(&keys, "", "/", |k| *k > "b/3", 10);
        assert_eq!(rest.entries, [&"c"]);
        assert_eq!(rest.prefixes.iter().collect::<Vec<_>>(), ["d/"]);
        assert!(!rest.truncated);
        let p = paginate(&keys, "b/", "", |_| true, 10);
        assert_eq!(p.entries.len(), 3);
    }
}
