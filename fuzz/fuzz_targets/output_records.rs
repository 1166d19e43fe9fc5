//! Output record validation (`POST …/outputs`, the check, OTLP): any JSON batch is either
//! accepted whole or refused with every problem named by record index and field; never a panic.
#![no_main]

use app::domain::output;
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Array(records)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let count = records.len();
    let now = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
    match output::validate(records, now) {
        Ok(outputs) => {
            assert_eq!(outputs.len(), count, "an accepted batch keeps every record");
            for accepted in &outputs {
                assert!(!accepted.version.is_empty(), "an accepted record has a version");
                // What the scorers read of it must be computable too.
                let _ = accepted.user_messages();
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "a refusal names its problems");
            for problem in &problems {
                assert!(problem.index < count, "a problem names a record of the batch");
                assert!(!problem.field.is_empty() && !problem.message.is_empty());
            }
        }
    }
});
