//! Word and phrase lists, matched in one linear-time pass.

use regex::{RegexSet, RegexSetBuilder};

/// A compiled word list; reports which entries occur in a text.
#[derive(Debug, Clone)]
pub struct WordList {
    words: Vec<String>,
    set: RegexSet,
}

impl WordList {
    /// Compiles `words`; whole-word entries match only between word boundaries (Unicode-aware).
    pub fn new(words: &[String], case_sensitive: bool, whole_words: bool) -> Result<Self, regex::Error> {
        let words: Vec<String> = words
            .iter()
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty())
            .collect();
        let patterns = words.iter().map(|word| {
            let escaped = regex::escape(word);
            if whole_words {
                format!(r"\b{escaped}\b")
            } else {
                escaped
            }
        });
        let set = RegexSetBuilder::new(patterns)
            .case_insensitive(!case_sensitive)
            .size_limit(8 << 20)
            .build()?;
        Ok(Self { words, set })
    }

    /// The entries found in `text`, in list order.
    pub fn found(&self, text: &str) -> Vec<&str> {
        self.set
            .matches(text)
            .iter()
            .map(|index| self.words[index].as_str())
            .collect()
    }

    /// How many entries the list has.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(words: &[&str], case_sensitive: bool, whole: bool) -> WordList {
        WordList::new(
            &words.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            case_sensitive,
            whole,
        )
        .unwrap()
    }

    #[test]
    fn whole_words_do_not_match_inside_longer_words() {
        let delve = list(&["delve"], false, true);
        assert_eq!(delve.found("Let us DELVE into it."), ["delve"]);
        assert!(delve.found("He delved deeper").is_empty());
        assert_eq!(
            list(&["delve"], false, false).found("He delved deeper"),
            ["delve"]
        );
    }

    #[test]
    fn case_rules_and_phrases_apply() {
        assert!(list(&["Party"], true, true).found("the party").is_empty());
        assert_eq!(
            list(&["shut up", "idiot"], false, true).found("Shut  up? No: shut up, idiot."),
            ["shut up", "idiot"]
        );
    }

    #[test]
    fn punctuation_in_entries_is_literal() {
        assert_eq!(
            list(&["c++", "a.b"], false, false).found("I like c++ and axb"),
            ["c++"]
        );
    }
}
