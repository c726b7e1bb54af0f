//! Periodic jobs. Every node schedules every job; before each run a node takes the job's database
//! lease, so on several nodes one runs it per turn. A failing run is logged and retried next turn.

use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;

use crate::db::try_take_lease;
use crate::module::JobDef;
use crate::state::AppState;

pub struct JobRunner {
    state: AppState,
    jobs: Vec<JobDef>,
}

impl JobRunner {
    pub(crate) fn new(state: AppState, jobs: Vec<JobDef>) -> Self {
        JobRunner { state, jobs }
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|j| j.name).collect()
    }

    /// Runs job `name` once now if this node can take its lease; answers whether it ran.
    pub async fn run_once(&self, name: &str) -> anyhow::Result<bool> {
        let job = self
            .jobs
            .iter()
            .find(|j| j.name == name)
            .ok_or_else(|| anyhow::anyhow!("no job named {name}"))?;
        run_turn(&self.state, job).await
    }

    /// Starts one task per job; abort the handle to stop them.
    pub fn start(self) -> JoinHandle<()> {
        let JobRunner { state, jobs } = self;
        tokio::spawn(async move {
            let mut set = tokio::task::JoinSet::new();
            for job in jobs {
                let state = state.clone();
                set.spawn(async move {
                    let mut ticker = tokio::time::interval(job.every);
                    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        ticker.tick().await;
                        if let Err(err) = run_turn(&state, &job).await {
                            tracing::error!(job = job.name, error = %format!("{err:#}"), "job failed");
                        }
                    }
                });
            }
            while set.join_next().await.is_some() {}
        })
    }
}

async fn run_turn(state: &AppState, job: &JobDef) -> anyhow::Result<bool> {
    let now = Utc::now();
    // The lease outlives one period a little, so a slow node keeps it while running.
    let hold = chrono::Duration::from_std(job.every + Duration::from_secs(5))?;
    if !try_take_lease(
        state.db(),
        job.name,
        &state.config().node_id,
        now,
        now + hold,
    )
    .await?
    {
        return Ok(false);
    }
    (job.run)(state.clone()).await?;
    Ok(true)
}
