//! JSON pointers (RFC 6901) to the values of a document, and where each
//! value starts: in its text (byte offsets, for line and column), or in a
//! preorder walk of a parsed value. Orders a check's violations as the
//! document does.

use std::collections::HashMap;

use serde_json::Value;

/// `key` as one pointer token: `~` is `~0`, `/` is `~1`.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// 1-based line and column of the end of `prefix` (column in characters).
pub fn line_column(prefix: &str) -> (usize, usize) {
    let line = prefix.matches('\n').count() + 1;
    let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Each value's pointer in a preorder walk of `doc`, with its rank.
pub fn preorder(doc: &Value) -> HashMap<String, usize> {
    fn walk(v: &Value, at: String, out: &mut HashMap<String, usize>) {
        let rank = out.len();
        match v {
            Value::Object(map) => {
                out.insert(at.clone(), rank);
                for (k, v) in map {
                    walk(v, format!("{at}/{}", escape(k)), out);
                }
            }
            Value::Array(items) => {
                out.insert(at.clone(), rank);
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{at}/{i}"), out);
                }
            }
            _ => {
                out.insert(at, rank);
            }
        }
    }
    let mut out = HashMap::new();
    walk(doc, String::new(), &mut out);
    out
}

/// Each value's pointer in `text`, with the byte offset where it starts.
/// `text` should be JSON (serde_json accepted it); anything else gives a
/// partial map, never a panic.
pub fn offsets(text: &str) -> HashMap<String, usize> {
    let mut scan = Scan {
        text,
        at: 0,
        out: HashMap::new(),
    };
    scan.value(String::new(), 0);
    scan.out
}

struct Scan<'t> {
    text: &'t str,
    at: usize,
    out: HashMap<String, usize>,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Skips a string starting at `self.at` (a `"`); returns its text.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.at += 1;
        while let Some(b) = self.peek() {
            self.at += 1;
            match b {
                b'\\' => self.at += 1,
                b'"' => return serde_json::from_str(self.text.get(start..self.at)?).ok(),
                _ => {}
            }
        }
        None
    }

    fn value(&mut self, pointer: String, depth: usize) -> Option<()> {
        self.skip_ws();
        self.out.insert(pointer.clone(), self.at);
        if depth > 256 {
            return None;
        }
        match self.peek()? {
            b'{' => self.container(b'}', |scan, index| {
                let key = scan.string()?;
                scan.skip_ws();
                (scan.peek()? == b':').then_some(())?;
                scan.at += 1;
                let _ = index;
                scan.value(format!("{pointer}/{}", escape(&key)), depth + 1)
            }),
            b'[' => self.container(b']', |scan, index| {
                scan.value(format!("{pointer}/{index}"), depth + 1)
            }),
            b'"' => self.string().map(drop),
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.at += 1;
                }
                Some(())
            }
        }
    }

    /// An object or array: `member` reads each entry (the `index`th).
    fn container(
        &mut self,
        close: u8,
        mut member: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        self.at += 1;
        for index in 0.. {
            self.skip_ws();
            if self.peek()? == close {
                self.at += 1;
                return Some(());
            }
            if index > 0 {
                (self.peek()? == b',').then_some(())?;
                self.at += 1;
                self.skip_ws();
            }
            member(self, index)?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_find_every_value_with_escaped_keys() {
        let text = "{\n  \"a/b\": [1, {\"x~\": \"s\\\"]\"}],\n  \"c\": null\n}";
        let at = offsets(text);
        let line_col = |p: &str| line_column(&text[..at[p]]);
        assert_eq!(at[""], 0);
        assert_eq!(line_col("/a~1b"), (2, 10));
        assert_eq!(&text[at["/a~1b/0"]..=at["/a~1b/0"]], "1");
        assert_eq!(&text[at["/a~1b/1/x~0"]..at["/a~1b/1/x~0"] + 2], "\"s");
        assert_eq!(line_col("/c"), (3, 8));
        assert_eq!(at.len(), 6);
    }

    #[test]
    fn broken_text_gives_a_partial_map_without_panicking() {
        for text in ["", "{", "{\"a\"", "[1,", "{\"a\":[\"\\", "\"é"] {
            let _ = offsets(text);
        }
        assert_eq!(offsets("{\"a\": [1,").get("/a/0"), Some(&7));
    }

    #[test]
    fn preorder_ranks_parents_before_children() {
        let doc = serde_json::json!({"b": [1, {"c": 2}], "a": 3});
        let rank = preorder(&doc);
        assert!(rank[""] < rank["/a"]);
        assert!(rank["/b"] < rank["/b/0"] && rank["/b/0"] < rank["/b/1/c"]);
    }
}
