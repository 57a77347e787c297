//! The heart of intake: the contact model, the normalizers, mapping, and the import
//! pipeline that gives every row of a file exactly one outcome.
//!
//! This crate does no I/O of its own: readers hand it a [`read::Source`], a store implements
//! [`store::ImportStore`], and results go to a [`report::ResultSink`]. The stages are
//! modules, in the order rows flow through them:
//!
//! read → [`map`] → [`normalize`] → [`identify`] → match ([`store`]) → [`plan`] → commit
//! ([`store`]) → [`report`], driven by [`pipeline::run_import`].
#![deny(missing_docs)]

mod fan;
pub mod identify;
pub mod known;
pub mod map;
mod matching;
pub mod model;
pub mod normalize;
pub mod overlay;
pub mod pipeline;
pub mod plan;
pub mod read;
pub mod recheck;
pub mod report;
pub mod store;
pub mod suggest;
