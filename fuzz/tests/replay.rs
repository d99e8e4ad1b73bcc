//! Every corpus input of every fuzz target, replayed as an ordinary test (no nightly needed):
//! the seeds and every regression input a fuzzing run found keep passing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use std::path::Path;

#[test]
fn every_corpus_input_passes_its_target() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (name, target) in ossdirect_fuzz::TARGETS {
        let dir = corpus.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{name}: empty corpus");
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name} panicked on {}", input.display());
        }
    }
}

#[test]
fn every_target_has_a_cargo_fuzz_binary() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for (name, _) in ossdirect_fuzz::TARGETS {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name}");
    }
}

#[test]
fn reconcile_seeds_start_past_the_checkpoint_checks() {
    use ossdirect::transfer::{checkpoint, CheckpointCheck, UploadCheckpoint};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/reconcile");
    let mut valid = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
        if let Ok(Ok(cp)) = checkpoint::parse::<UploadCheckpoint>(&data[..end]) {
            valid += usize::from(cp.check().is_ok());
        }
    }
    assert!(valid >= 4, "only {valid} seeds hold a valid checkpoint");
}
