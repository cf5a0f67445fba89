//! Per-thread values for rayon loops.

use std::sync::Mutex;

/// Values handed out to rayon jobs and given back when a job ends, so that a parallel loop makes
/// one per thread (a node-sized workspace, a copy of the rules) rather than one per job.
pub struct Pool<T, F: Fn() -> T> {
    make: F,
    free: Mutex<Vec<T>>,
}

impl<T, F: Fn() -> T> Pool<T, F> {
    pub fn new(make: F) -> Self {
        Self {
            make,
            free: Mutex::new(Vec::new()),
        }
    }

    /// Every value made, once the loop is over (none is on loan any more).
    pub fn into_values(self) -> Vec<T> {
        self.free
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn take(&self) -> Pooled<'_, T, F> {
        let value = self
            .free
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_else(|| (self.make)());
        Pooled {
            pool: self,
            value: Some(value),
        }
    }
}

/// A value on loan from a [`Pool`].
pub struct Pooled<'a, T, F: Fn() -> T> {
    pool: &'a Pool<T, F>,
    value: Option<T>,
}

impl<T, F: Fn() -> T> std::ops::Deref for Pooled<'_, T, F> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("present until dropped")
    }
}

impl<T, F: Fn() -> T> std::ops::DerefMut for Pooled<'_, T, F> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("present until dropped")
    }
}

impl<T, F: Fn() -> T> Drop for Pooled<'_, T, F> {
    fn drop(&mut self) {
        if let (Some(value), Ok(mut free)) = (self.value.take(), self.pool.free.lock()) {
            free.push(value);
        }
    }
}
