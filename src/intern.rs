//! Shared strings: a value met again is handed out as the same `Arc<str>`, so a million
//! records that repeat a few thousand strings hold each once.

use std::sync::Arc;

/// Strings met so far, up to a bound; past it the memory starts again (a long-running
/// process, or input whose values rarely repeat, never holds more than the bound).
#[derive(Debug, Default)]
pub struct Interner {
    seen: rustc_hash::FxHashSet<Arc<str>>,
    bound: usize,
}

impl Interner {
    /// An interner remembering at most `bound` strings at once.
    pub fn new(bound: usize) -> Self {
        Interner { seen: Default::default(), bound }
    }

    /// `s` as a shared string: the one met before if equal, else a new one (remembered).
    pub fn share(&mut self, s: &str) -> Arc<str> {
        if let Some(v) = self.seen.get(s) {
            return v.clone();
        }
        if self.seen.len() >= self.bound {
            self.seen.clear();
        }
        let v: Arc<str> = s.into();
        self.seen.insert(v.clone());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_are_one_and_the_bound_holds() {
        let mut i = Interner::new(2);
        let a = i.share("Văn Quan");
        assert!(Arc::ptr_eq(&a, &i.share("Văn Quan")));
        assert!(!Arc::ptr_eq(&a, &i.share("Bắc Sơn")));
        // A third string empties the memory: "Văn Quan" is then made anew, equal in text.
        i.share("Lộc Bình");
        let again = i.share("Văn Quan");
        assert_eq!(&*again, "Văn Quan");
        assert!(!Arc::ptr_eq(&a, &again));
        assert!(i.seen.len() <= 2);
    }
}
