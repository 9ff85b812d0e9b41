//! A minimal XML writer: elements nest, text is escaped. Enough for the
//! fixed, schema-driven documents Sportello writes.

pub struct XmlWriter {
    out: String,
    open: Vec<&'static str>,
}

impl XmlWriter {
    pub fn new() -> XmlWriter {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn indent(&mut self) {
        self.out.extend(std::iter::repeat_n("  ", self.open.len()));
    }

    /// Opens an element; `attributes` are written as given (already escaped).
    pub fn open_with(&mut self, name: &'static str, attributes: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(attributes);
        self.out.push_str(">\n");
        self.open.push(name);
    }

    pub fn open(&mut self, name: &'static str) {
        self.open_with(name, "");
    }

    pub fn close(&mut self) {
        let name = self.open.pop().expect("close matches an open element");
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    pub fn leaf(&mut self, name: &'static str, text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        for c in text.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                _ => self.out.push(c),
            }
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    pub fn finish(self) -> String {
        assert!(self.open.is_empty(), "every element is closed");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::XmlWriter;

    #[test]
    fn nests_and_escapes() {
        let mut w = XmlWriter::new();
        w.open_with("a", " x=\"1\"");
        w.leaf("b", "Rossi & <Figli>");
        w.close();
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x=\"1\">\n  <b>Rossi &amp; &lt;Figli&gt;</b>\n</a>\n"
        );
    }
}
