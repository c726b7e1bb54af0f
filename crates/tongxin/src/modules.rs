//! The modules this binary is made of, in navigation order. Adding a campaign is one line here
//! and one dependency in Cargo.toml; removing it is deleting both.

use std::sync::Arc;

use platform::Module;

pub fn all() -> Vec<Arc<dyn Module>> {
    vec![
        Arc::new(platform::Kernel),
        Arc::new(platform::Registries),
        Arc::new(platform::Tickets),
        Arc::new(epidemic::Epidemic),
        Arc::new(economy::Economy),
        Arc::new(command::Command),
    ]
}
