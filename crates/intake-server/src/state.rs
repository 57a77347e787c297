//! What every handler shares: the settings, the store's path, the data folder and the per-key
//! request limit. Each request opens its own connection to its own workspace (cheap with
//! SQLite), on the blocking pool.

use std::path::PathBuf;
use std::sync::Arc;

use intake_store::SqliteStore;

use crate::ServerConfig;
use crate::auth::Caller;
use crate::error::{AppError, ServerError};
use crate::key_cache::KeyCache;
use crate::limit::KeyLimiter;
use crate::runner::{Runner, RunnerSettings};

/// The service's shared state.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    /// `config.db`, as the store names it.
    db: PathBuf,
    /// `config.data`, absolute.
    data: PathBuf,
    limiter: KeyLimiter,
    runner: Runner,
    keys: KeyCache,
    /// Sign-in attempts per client address (the web pages).
    sign_ins: crate::wizard::SignInLimiter,
}

impl AppState {
    /// The state of a service on `config`'s store (created and migrated when needed).
    pub fn new(config: &ServerConfig) -> Result<AppState, ServerError> {
        let db = intake_store::store_path(&config.db).map_err(ServerError::Store)?;
        std::fs::create_dir_all(&config.data)
            .map_err(|source| ServerError::Data { path: config.data.clone(), source })?;
        let data = std::path::absolute(&config.data)
            .map_err(|source| ServerError::Data { path: config.data.clone(), source })?;
        // Opening it migrates it once, before any request.
        SqliteStore::open(&db, "default").map_err(ServerError::Store)?;
        let limiter = KeyLimiter::new(config.rate_limit_per_minute);
        let runner = Runner::start(RunnerSettings {
            db: db.clone(),
            review_window: config.review_window.get(),
            max_running_jobs: (config.max_running_jobs as usize).max(1),
            retention: config.retention.get(),
            data: data.clone(),
            max_rows: config.max_rows,
        })
        .map_err(|source| ServerError::Data { path: db.clone(), source })?;
        let keys = KeyCache::default();
        let sign_ins = crate::wizard::SignInLimiter::default();
        let inner = Inner { config: config.clone(), db, data, limiter, runner, keys, sign_ins };
        Ok(AppState { inner: Arc::new(inner) })
    }

    /// A state only good for generating the OpenAPI document.
    pub(crate) fn for_document() -> Result<AppState, ServerError> {
        let config = crate::config::Settings::default().resolve().map_err(ServerError::Config)?;
        let inner = Inner {
            db: PathBuf::new(),
            data: PathBuf::new(),
            limiter: KeyLimiter::new(0),
            runner: Runner::idle(RunnerSettings {
                db: PathBuf::new(),
                review_window: config.review_window.get(),
                max_running_jobs: 0,
                retention: config.retention.get(),
                data: PathBuf::new(),
                max_rows: config.max_rows,
            }),
            keys: KeyCache::default(),
            sign_ins: crate::wizard::SignInLimiter::default(),
            config,
        };
        Ok(AppState { inner: Arc::new(inner) })
    }

    /// The service's settings.
    pub(crate) fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The per-key request limit.
    pub(crate) fn limiter(&self) -> &KeyLimiter {
        &self.inner.limiter
    }

    pub(crate) fn db(&self) -> &std::path::Path {
        &self.inner.db
    }

    pub(crate) fn max_upload_bytes(&self) -> u64 {
        self.inner.config.max_upload_bytes()
    }

    /// The API keys recently seen.
    pub(crate) fn keys(&self) -> &KeyCache {
        &self.inner.keys
    }

    /// Sign-in attempts per client address.
    pub(crate) fn sign_ins(&self) -> &crate::wizard::SignInLimiter {
        &self.inner.sign_ins
    }

    pub(crate) fn runner(&self) -> &Runner {
        &self.inner.runner
    }

    /// The folder of the caller's workspace's uploads and results (`ws-<id>/uploads`, by the
    /// workspace's id: its name is the client's), made when needed.
    pub(crate) async fn uploads_of(&self, caller: &Caller) -> Result<PathBuf, AppError> {
        let data = self.inner.data.clone();
        self.with_store(caller, move |store| {
            let folder = data.join(format!("ws-{}", store.workspace_id())).join("uploads");
            std::fs::create_dir_all(&folder).map_err(AppError::internal)?;
            Ok(folder)
        })
        .await
    }

    /// Runs `work` on the caller's workspace, on the blocking pool.
    pub(crate) async fn with_store<T, F>(&self, caller: &Caller, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteStore) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.inner.db.clone();
        let workspace = caller.workspace.clone();
        blocking(move || {
            let mut store = SqliteStore::open(&db, &workspace)?;
            work(&mut store)
        })
        .await
    }
}

/// Runs `work` on the blocking pool.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::internal(format!("blocking task: {e}")))?
}
