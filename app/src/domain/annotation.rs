//! Annotation: queues of sampled outputs, who rates what, the annotator's workspace, and the
//! agreement between annotators.

pub mod agreement;
pub mod queue;
pub mod settle;
pub mod work;
