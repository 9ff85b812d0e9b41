//! Test helpers of the app's integration tests.
pub mod proxy;
