//! The kinds of catalogue and how a configured source becomes a client:
//! [`KindSpec`] (each kind's file holds its `KIND`), [`SourceKind`] and
//! [`connect_with`]; the registry, `KINDS`, is beside the module list.

use std::sync::Arc;

use super::{Catalogue, CatalogueError, KINDS, SourceConfig};
use crate::net::credentials::SharedTokens;

/// How a kind makes the client of a configured source.
pub type ConnectFn =
    fn(&SourceConfig, Option<SharedTokens>) -> Result<Arc<dyn Catalogue>, CatalogueError>;

/// One kind of catalogue service (PaNOSC, SciCat, …): what the program
/// needs to know about it, kept in the kind's own file as its `KIND`.
/// Adding a kind is its file and one line in [`KINDS`].
#[derive(Debug)]
pub struct KindSpec {
    /// The name `sources.json` uses (`"kind": "panosc"`).
    pub id: &'static str,
    /// What the Sources window calls it.
    pub label: &'static str,
    /// Served from this computer: no URL to check, no account, searched
    /// when offline.
    pub local: bool,
    /// What the Sources window shows instead of the URL, if anything.
    pub place: Option<&'static str>,
    /// The client for a configured source; requests carry the tokens of
    /// `auth`.
    pub connect: ConnectFn,
    /// Whether the kind's search sends this filter to its service; the
    /// others are applied here on each page it sends ("filtered here").
    pub expresses: fn(&super::query::Filter) -> bool,
}

impl KindSpec {
    /// Sources of this kind are configured with this.
    pub fn kind(&self) -> SourceKind {
        SourceKind(std::borrow::Cow::Borrowed(self.id))
    }
}

/// Which kind of service a source is: the id of an entry of [`KINDS`]. A
/// kind this version does not know (a `sources.json` from a newer one) is
/// kept and reported when the source is searched.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SourceKind(std::borrow::Cow<'static, str>);

impl SourceKind {
    /// Its entry in [`KINDS`], if this version knows it.
    pub fn spec(&self) -> Option<&'static KindSpec> {
        KINDS.iter().copied().find(|k| k.id == self.0)
    }

    /// Whether this is the kind `spec` describes.
    pub fn is(&self, spec: &KindSpec) -> bool {
        self.0 == spec.id
    }

    pub fn id(&self) -> &str {
        &self.0
    }

    /// What people call it (its id when unknown).
    pub fn label(&self) -> &str {
        self.spec().map_or(&self.0, |k| k.label)
    }

    /// Served from this computer (see [`KindSpec::local`]).
    pub fn is_local(&self) -> bool {
        self.spec().is_some_and(|k| k.local)
    }
}

/// The client for a configured source, anonymous.
pub fn connect(cfg: &SourceConfig) -> Result<std::sync::Arc<dyn Catalogue>, CatalogueError> {
    connect_with(cfg, None)
}

/// The client for a configured source; requests carry the tokens of `auth`.
pub fn connect_with(
    cfg: &SourceConfig,
    auth: Option<SharedTokens>,
) -> Result<std::sync::Arc<dyn Catalogue>, CatalogueError> {
    let spec = cfg.kind.spec().ok_or_else(|| CatalogueError::Malformed {
        source_name: cfg.name.clone(),
        detail: format!(
            "“{}” is not a kind of catalogue this version knows ({}); update Panorama or \
             remove the source",
            cfg.kind.id(),
            KINDS.iter().map(|k| k.id).collect::<Vec<_>>().join(", ")
        ),
    })?;
    (spec.connect)(cfg, auth)
}
