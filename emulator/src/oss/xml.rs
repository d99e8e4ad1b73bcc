//! A minimal XML writer for OSS response documents.

use std::fmt::Display;

/// Escapes text for XML element content.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Builds a document: `<?xml …?><Root>…</Root>`.
#[derive(Debug)]
pub(crate) struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Xml {
    /// Starts a document with root element `root`.
    pub(crate) fn new(root: &'static str) -> Self {
        let mut xml = Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        };
        xml.open(root);
        xml
    }

    /// Opens an element.
    pub(crate) fn open(&mut self, name: &'static str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.open.push(name);
        self
    }

    /// Closes the innermost open element.
    pub(crate) fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
        self
    }

    /// Writes `<name>text</name>` (text escaped).
    pub(crate) fn elem(&mut self, name: &str, text: impl Display) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.out.push_str(&escape(&text.to_string()));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Writes text (escaped) into the innermost open element.
    pub(crate) fn text(&mut self, text: impl Display) -> &mut Self {
        self.out.push_str(&escape(&text.to_string()));
        self
    }

    /// Closes every open element and returns the document.
    pub(crate) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// Text for a document that may be URL-encoded (`encoding-type=url`).
pub(crate) fn maybe_encoded(text: &str, url_encode: bool) -> String {
    if url_encode {
        ossdirect::sign::uri_encode(text)
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_documents() {
        let mut x = Xml::new("Root");
        x.elem("Key", "a<b>&'\"").open("Part").elem("N", 1).close();
        assert_eq!(
            x.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Root><Key>a&lt;b&gt;&amp;&apos;&quot;</Key><Part><N>1</N></Part></Root>"
        );
        assert_eq!(maybe_encoded("a b/c", true), "a%20b%2Fc");
        assert_eq!(maybe_encoded("a b/c", false), "a b/c");
    }
}
