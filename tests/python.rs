//! The Python package (python/) installed with pip as the README says, its pytest suite,
//! and the Spark example's local-mode test (examples/spark/), run from `cargo test` in
//! the Python environment `.ci/run` makes (target/py-ci, or `$YKIEN_PYTHON`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A Python with what the tests need, or None (the test then says why it skips).
fn python() -> Option<PathBuf> {
    let candidates =
        [std::env::var_os("YKIEN_PYTHON").map(PathBuf::from), Some(root().join("target/py-ci/bin/python"))];
    for c in candidates.into_iter().flatten() {
        let ready = Command::new(&c)
            .args(["-c", "import pytest, pyarrow, pandas, maturin, pyspark"])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return Some(c);
        }
    }
    eprintln!(
        "skipping the Python package and Spark tests: no Python environment with pytest, pyarrow, \
         pandas, maturin and pyspark (.ci/run makes one in target/py-ci from python/requirements-ci.txt; \
         or set YKIEN_PYTHON)"
    );
    None
}

#[test]
fn the_python_package_installs_and_its_tests_and_the_spark_example_pass() {
    let Some(py) = python() else { return };
    let bin = py.parent().expect("a python in a folder");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    // `pip install ./python` builds the package from this tree (with the dev profile, to
    // share this build's compiled dependencies).
    let installed = Command::new(&py)
        .args(["-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps", "--force-reinstall", "./python"])
        .current_dir(root())
        .env("PATH", &path)
        .env("MATURIN_PEP517_ARGS", "--profile dev")
        .status()
        .expect("pip runs");
    assert!(installed.success(), "pip install ./python failed");
    let tested = Command::new(&py)
        .args(["-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "python/tests", "examples/spark"])
        .current_dir(root())
        .env("PATH", &path)
        .env("YKIEN_BIN", env!("CARGO_BIN_EXE_ykien"))
        .status()
        .expect("pytest runs");
    assert!(tested.success(), "the Python or Spark tests failed (their output is above)");
}
