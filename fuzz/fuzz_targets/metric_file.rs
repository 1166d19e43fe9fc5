//! Metrics-as-code import: any JSON or YAML file (the first byte picks which) is read or refused
//! on the `file` field, and planning it names each problem by metric index and field; a file
//! that reads is written out and read back unchanged.
#![no_main]

use app::domain::metric::document::{plan, read_file, write_file, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let format = if first % 2 == 0 { Format::Json } else { Format::Yaml };
    let file = match read_file(format, text) {
        Ok(file) => file,
        Err(error) => {
            assert_eq!(error.field(), Some("file"));
            return;
        }
    };
    let planned = plan(&file, &[]);
    for problem in &planned.errors {
        assert!(problem.index < file.metrics.len(), "a problem names a metric of the file");
    }
    if planned.errors.is_empty() {
        assert_eq!(planned.definitions.len(), file.metrics.len());
    }
    let written = write_file(format, &file).expect("a file that reads is written");
    assert_eq!(read_file(format, &written).expect("written files read"), file);
});
