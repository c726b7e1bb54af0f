//! The migrations are embedded by `sqlx::migrate!` (`db::migrate`), which does not notice a new
//! file in the migration trees: rebuild whenever anything in them changes.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
