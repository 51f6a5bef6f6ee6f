//! Remote HDF5 through an h5grove server (the REST API of h5web):
//! `/meta`, `/attr`, and `/data` as raw little-endian binary (`format=bin`,
//! `dtype=safe`), with a bearer token when the source has an account.

use std::time::Duration;

use serde::Deserialize;

use super::{
    Attribute, Capabilities, DType, Data, DataError, DataSource, DatasetInfo, Entity, EntityKind,
    FilterUse, Progress, Selection, Value, join_path,
};
use std::sync::Arc;

use crate::net::credentials::{Secret, SharedTokens, StaticToken};

/// Longest a single request may take.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Most bytes of a metadata or attribute answer (a server that sends more
/// is refused rather than filling memory).
const MAX_META_BYTES: u64 = 64 << 20;

/// Read at most `limit` bytes of a response body; more is an error.
fn read_limited(
    resp: reqwest::blocking::Response,
    limit: u64,
    object: &str,
) -> Result<Vec<u8>, DataError> {
    Ok(crate::net::read_limited_blocking(
        resp,
        limit,
        &format!("“{object}”"),
    )?)
}

/// A file served by h5grove.
pub struct H5Grove {
    base: url::Url,
    file: String,
    auth: Option<SharedTokens>,
    client: reqwest::blocking::Client,
}

#[derive(Debug, Deserialize)]
struct MetaType {
    #[serde(default)]
    class: Option<i64>,
    #[serde(default)]
    dtype: Option<serde_json::Value>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    vlen: Option<bool>,
    #[serde(default)]
    cset: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct MetaAttr {
    name: String,
    #[serde(default)]
    shape: Option<Vec<u64>>,
    #[serde(rename = "type")]
    ty: Option<MetaType>,
}

#[derive(Debug, Deserialize)]
struct Meta {
    #[serde(default)]
    name: String,
    kind: String,
    #[serde(default)]
    attributes: Vec<MetaAttr>,
    #[serde(default)]
    children: Vec<Meta>,
    #[serde(default)]
    shape: Option<Vec<u64>>,
    #[serde(rename = "type", default)]
    ty: Option<MetaType>,
    #[serde(default)]
    chunks: Option<Vec<u64>>,
    #[serde(default)]
    filters: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    target_path: Option<String>,
    #[serde(default)]
    target_file: Option<String>,
}

/// Parse a NumPy dtype string such as `<f8`, `>i2`, `|u1`, `|b1`, `|S5`, `|O`.
pub fn parse_numpy_dtype(s: &str) -> Option<DType> {
    let mut chars = s.chars();
    let order = chars.next()?;
    let big_endian = order == '>';
    let kind = chars.next()?;
    let size: usize = chars.as_str().parse().unwrap_or(0);
    let bytes = u8::try_from(size).ok();
    Some(match kind {
        'i' => DType::Int {
            bytes: bytes.filter(|b| [1, 2, 4, 8].contains(b))?,
            signed: true,
            big_endian,
        },
        'u' => DType::Int {
            bytes: bytes.filter(|b| [1, 2, 4, 8].contains(b))?,
            signed: false,
            big_endian,
        },
        'f' => DType::Float {
            bytes: bytes.filter(|b| [2, 4, 8, 16].contains(b))?,
            big_endian,
        },
        'b' => DType::Bool,
        'c' => DType::Complex {
            bytes: bytes.filter(|b| [8, 16].contains(b))?,
        },
        'S' => DType::Str {
            fixed: Some(size),
            utf8: false,
        },
        'U' => DType::Str {
            fixed: Some(size / 4),
            utf8: true,
        },
        'O' => DType::Str {
            fixed: None,
            utf8: true,
        },
        _ => return None,
    })
}

fn dtype_of(t: Option<&MetaType>) -> DType {
    let Some(t) = t else {
        return DType::Other {
            description: "unknown type".into(),
        };
    };
    if let Some(d) = t
        .dtype
        .as_ref()
        .and_then(|d| d.as_str())
        .and_then(parse_numpy_dtype)
    {
        // h5grove reports variable-length strings as objects.
        if t.class == Some(3) {
            return DType::Str {
                fixed: if t.vlen == Some(true) {
                    None
                } else {
                    t.size.and_then(|s| usize::try_from(s).ok())
                },
                utf8: t.cset == Some(1),
            };
        }
        return d;
    }
    match t.class {
        Some(3) => DType::Str {
            fixed: None,
            utf8: t.cset == Some(1),
        },
        Some(6) => DType::Compound { fields: Vec::new() },
        Some(8) => DType::Enum {
            bytes: t.size.and_then(|s| u8::try_from(s).ok()).unwrap_or(0),
            signed: true,
            members: Vec::new(),
        },
        c => DType::Other {
            description: format!("HDF5 type class {}", c.unwrap_or(-1)),
        },
    }
}

/// Element size in a `dtype=safe` binary answer (little-endian, f16 widened).
fn safe_size(d: &DType) -> Option<usize> {
    match d {
        DType::Int { bytes, .. } => Some(usize::from(*bytes)),
        DType::Float { bytes: 2 | 4, .. } => Some(4),
        // Complex numbers: (re, im) pairs, little-endian, as numpy stores them.
        DType::Float { .. } | DType::Complex { bytes: 8 } => Some(8),
        DType::Bool => Some(1),
        DType::Complex { bytes: 16 } => Some(16),
        _ => None,
    }
}

/// Turn the bytes of a `format=bin&dtype=safe` answer into a value, checking
/// that their length matches the shape. Never panics on bad input.
pub fn decode_bin(
    bytes: &[u8],
    dtype: &DType,
    shape: Vec<usize>,
    object: &str,
) -> Result<Value, DataError> {
    let size = safe_size(dtype).ok_or_else(|| DataError::Malformed {
        object: object.to_owned(),
        message: format!("{dtype} cannot be read as binary"),
    })?;
    let count = super::checked_product(shape.iter().copied()).unwrap_or(usize::MAX);
    if count.checked_mul(size) != Some(bytes.len()) {
        return Err(DataError::Malformed {
            object: object.to_owned(),
            message: format!(
                "the server sent {} bytes for {count} values of {size} bytes",
                bytes.len()
            ),
        });
    }
    macro_rules! le {
        ($t:ty, $v:ident) => {
            Data::$v(
                bytes
                    .chunks_exact(std::mem::size_of::<$t>())
                    .map(|c| {
                        let mut a = [0u8; std::mem::size_of::<$t>()];
                        a.copy_from_slice(c);
                        <$t>::from_le_bytes(a)
                    })
                    .collect(),
            )
        };
    }
    let data = match (dtype, size) {
        (DType::Complex { .. }, 8) => Data::Complex(
            bytes
                .chunks_exact(8)
                .map(|c| {
                    let f = |b: &[u8]| f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    (f64::from(f(&c[..4])), f64::from(f(&c[4..])))
                })
                .collect(),
        ),
        (DType::Complex { .. }, _) => Data::Complex(
            bytes
                .chunks_exact(16)
                .map(|c| {
                    let f = |b: &[u8]| {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(b);
                        f64::from_le_bytes(a)
                    };
                    (f(&c[..8]), f(&c[8..]))
                })
                .collect(),
        ),
        (DType::Bool, _) => Data::Bool(bytes.iter().map(|&b| b != 0).collect()),
        (DType::Int { signed: true, .. }, 1) => le!(i8, I8),
        (DType::Int { signed: true, .. }, 2) => le!(i16, I16),
        (DType::Int { signed: true, .. }, 4) => le!(i32, I32),
        (DType::Int { signed: true, .. }, _) => le!(i64, I64),
        (DType::Int { .. }, 1) => le!(u8, U8),
        (DType::Int { .. }, 2) => le!(u16, U16),
        (DType::Int { .. }, 4) => le!(u32, U32),
        (DType::Int { .. }, _) => le!(u64, U64),
        (_, 4) => le!(f32, F32),
        _ => le!(f64, F64),
    };
    Value::new(shape, data)
}

/// A JSON value of a known type: complex numbers arrive as `[re, im]`
/// pairs (h5grove's encoder), so a last axis of 2 becomes complex values.
fn typed_json(j: &serde_json::Value, dtype: &DType) -> Value {
    let v = json_to_value(j);
    if !matches!(dtype, DType::Complex { .. }) || v.shape.last() != Some(&2) {
        return v;
    }
    let numbers: Option<Vec<f64>> = match &v.data {
        Data::F64(x) => Some(x.clone()),
        #[allow(clippy::cast_precision_loss)]
        Data::I64(x) => Some(x.iter().map(|&i| i as f64).collect()),
        _ => None,
    };
    let Some(numbers) = numbers else {
        return v;
    };
    let shape = v.shape[..v.shape.len() - 1].to_vec();
    let pairs = numbers.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    Value::new(shape, Data::Complex(pairs)).unwrap_or(v)
}

/// A JSON value (scalar or nested arrays) as a typed value.
pub fn json_to_value(j: &serde_json::Value) -> Value {
    fn shape_of(j: &serde_json::Value, shape: &mut Vec<usize>) {
        if let serde_json::Value::Array(a) = j {
            shape.push(a.len());
            if let Some(first) = a.first() {
                shape_of(first, shape);
            }
        }
    }
    fn flatten(j: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
        match j {
            serde_json::Value::Array(a) => a.iter().for_each(|x| flatten(x, out)),
            other => out.push(other.clone()),
        }
    }
    let mut shape = Vec::new();
    shape_of(j, &mut shape);
    let mut items = Vec::new();
    flatten(j, &mut items);
    if super::checked_product(shape.iter().copied()) != Some(items.len()) {
        // Ragged arrays: keep the elements, one dimension.
        shape = vec![items.len()];
    }
    let data = if items.iter().all(serde_json::Value::is_i64) {
        Data::I64(items.iter().filter_map(serde_json::Value::as_i64).collect())
    } else if items.iter().all(serde_json::Value::is_number) {
        Data::F64(items.iter().filter_map(serde_json::Value::as_f64).collect())
    } else if items.iter().all(serde_json::Value::is_boolean) {
        Data::Bool(
            items
                .iter()
                .filter_map(serde_json::Value::as_bool)
                .collect(),
        )
    } else {
        Data::Str(
            items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect(),
        )
    };
    Value { shape, data }
}

impl H5Grove {
    /// A file on an h5grove server, e.g. `("http://127.0.0.1:9020", "scan.nxs")`.
    pub fn new(base: &str, file: &str, token: Option<Secret>) -> Result<Self, DataError> {
        let bad = |m: String| DataError::Remote {
            object: base.to_owned(),
            status: 0,
            message: m,
        };
        let base = url::Url::parse(base).map_err(|e| bad(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("only http and https servers are supported".into()));
        }
        let client = crate::net::blocking_client(TIMEOUT).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            base,
            file: file.to_owned(),
            auth: token.map(|t| Arc::new(StaticToken(t)) as SharedTokens),
            client,
        })
    }

    /// Send the bearer token of a signed-in account (refreshed when needed).
    pub fn with_auth(mut self, auth: Option<SharedTokens>) -> Self {
        if auth.is_some() {
            self.auth = auth;
        }
        self
    }

    /// From a URL such as `http://host:9020/?file=scan.nxs`.
    pub fn from_url(url: &str, token: Option<Secret>) -> Result<Self, DataError> {
        let u = url::Url::parse(url).map_err(|e| DataError::Remote {
            object: url.to_owned(),
            status: 0,
            message: e.to_string(),
        })?;
        let file = u
            .query_pairs()
            .find(|(k, _)| k == "file")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| DataError::Remote {
                object: url.to_owned(),
                status: 0,
                message: "the URL names no file: add ?file=NAME".into(),
            })?;
        let mut base = u.clone();
        base.set_query(None);
        Self::new(base.as_str(), &file, token)
    }

    fn get(
        &self,
        endpoint: &str,
        params: &[(&str, &str)],
        object: &str,
    ) -> Result<reqwest::blocking::Response, DataError> {
        let mut url = self.base.clone();
        url.set_path(&format!(
            "{}/{endpoint}",
            self.base.path().trim_end_matches('/')
        ));
        let mut query: Vec<(&str, &str)> = vec![("file", self.file.as_str())];
        query.extend_from_slice(params);
        let auth_error = |e: crate::net::credentials::TokenError| DataError::Remote {
            object: object.to_owned(),
            status: 401,
            message: e.to_string(),
        };
        let send = |token: Option<&Secret>| {
            crate::net::with_bearer(self.client.get(url.clone()).query(&query), token)
                .send()
                .map_err(|e| DataError::Remote {
                    object: object.to_owned(),
                    status: 0,
                    message: if e.is_timeout() {
                        "the server did not answer in time".into()
                    } else if e.is_connect() {
                        format!("cannot reach {}: is the server running?", self.base)
                    } else {
                        e.to_string()
                    },
                })
        };
        let token = match &self.auth {
            Some(a) => Some(
                crate::net::credentials::block_on_token(a.access_token()).map_err(auth_error)?,
            ),
            None => None,
        };
        let mut resp = send(token.as_ref())?;
        if resp.status().as_u16() == 401
            && let (Some(a), Some(t)) = (&self.auth, &token)
        {
            // Refresh once and try again: the token may have been revoked or expired early.
            let fresh = crate::net::credentials::block_on_token(a.after_unauthorized(t))
                .map_err(auth_error)?;
            resp = send(Some(&fresh))?;
        }
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = read_limited(resp, 64 << 10, object)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|j| j.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| body.chars().take(200).collect());
        let message = match status.as_u16() {
            401 => format!("sign in to read this file ({message})"),
            403 => match &self.auth {
                Some(a) => format!(
                    "{} may not read this file ({message}). Ask the facility for access",
                    a.label()
                ),
                None => format!("your account may not read this ({message})"),
            },
            _ => message,
        };
        if status.as_u16() == 404 && message.contains("not a valid path") {
            return Err(DataError::NoSuchObject {
                object: object.to_owned(),
            });
        }
        Err(DataError::Remote {
            object: object.to_owned(),
            status: status.as_u16(),
            message,
        })
    }

    fn json<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        params: &[(&str, &str)],
        object: &str,
    ) -> Result<T, DataError> {
        self.json_limited(endpoint, params, object, MAX_META_BYTES)
    }

    /// [`Self::json`] with a body size limit; the JSON is parsed once from
    /// the bytes as they came.
    fn json_limited<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        params: &[(&str, &str)],
        object: &str,
        limit: u64,
    ) -> Result<T, DataError> {
        let resp = self.get(endpoint, params, object)?;
        let body = read_limited(resp, limit, object)?;
        serde_json::from_slice(&body).map_err(|e| DataError::Malformed {
            object: object.to_owned(),
            message: format!("unexpected answer from the server: {e}"),
        })
    }

    #[allow(clippy::unused_self)] // one of the source's readers, beside the others
    fn to_entity(&self, m: &Meta, path: &str) -> Entity {
        let kind = match m.kind.as_str() {
            "group" => EntityKind::Group,
            "dataset" => EntityKind::Dataset(DatasetInfo {
                shape: m.shape.clone().unwrap_or_default(),
                dtype: dtype_of(m.ty.as_ref()),
                chunks: m.chunks.clone(),
                filters: m
                    .filters
                    .iter()
                    .flatten()
                    .map(|f| FilterUse {
                        id: f
                            .get("id")
                            .and_then(serde_json::Value::as_i64)
                            .and_then(|i| i32::try_from(i).ok())
                            .unwrap_or(0),
                        name: f
                            .get("name")
                            .and_then(|n| n.as_str())
                            .unwrap_or("filter")
                            .to_owned(),
                        // The server decodes: every filter is available to us.
                        available: true,
                    })
                    .collect(),
                storage_size: None,
                fill_value: None,
            }),
            "soft_link" => EntityKind::Broken {
                reason: format!(
                    "soft link to {}, which does not exist",
                    m.target_path.clone().unwrap_or_default()
                ),
            },
            "external_link" => EntityKind::Broken {
                reason: format!(
                    "external link to {}:{}, which cannot be opened",
                    m.target_file.clone().unwrap_or_default(),
                    m.target_path.clone().unwrap_or_default()
                ),
            },
            "datatype" => EntityKind::Datatype,
            other => EntityKind::Broken {
                reason: format!("unknown kind “{other}”"),
            },
        };
        Entity {
            name: if path == "/" {
                String::new()
            } else {
                m.name.clone()
            },
            path: path.to_owned(),
            kind,
            // Filled from the attribute values by the caller.
            nx_class: None,
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }
}

impl DataSource for H5Grove {
    fn label(&self) -> String {
        self.file.clone()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            partial_reads: true,
            statistics: true,
            raw_chunks: false,
        }
    }

    fn entity(&self, path: &str) -> Result<Entity, DataError> {
        let path = if path.is_empty() { "/" } else { path };
        let meta: Meta = self.json("meta", &[("path", path)], path)?;
        let mut e = self.to_entity(&meta, path);
        path.rsplit('/')
            .next()
            .unwrap_or_default()
            .clone_into(&mut e.name);
        if !meta.attributes.is_empty() {
            let values: serde_json::Map<String, serde_json::Value> =
                self.json("attr", &[("path", path)], path)?;
            e.attributes = meta
                .attributes
                .iter()
                .map(|a| {
                    let dtype = dtype_of(a.ty.as_ref());
                    Attribute {
                        name: a.name.clone(),
                        shape: a.shape.clone().unwrap_or_default(),
                        value: values
                            .get(&a.name)
                            .map(|j| typed_json(j, &dtype))
                            .ok_or_else(|| "not sent by the server".to_owned()),
                        dtype,
                    }
                })
                .collect();
            e.nx_class = e.attr_text("NX_class");
        }
        e.children = meta
            .children
            .iter()
            .map(|c| {
                let mut child = self.to_entity(c, &join_path(path, &c.name));
                // Children's NX_class needs their attribute values: read groups' lazily.
                if child.is_group() && c.attributes.iter().any(|a| a.name == "NX_class") {
                    child.nx_class = self
                        .json::<serde_json::Map<String, serde_json::Value>>(
                            "attr",
                            &[("path", &child.path), ("attr_keys", "NX_class")],
                            &child.path,
                        )
                        .ok()
                        .and_then(|m| {
                            m.get("NX_class")
                                .and_then(|v| v.as_str())
                                .map(str::to_owned)
                        });
                }
                child
            })
            .collect();
        Ok(e)
    }

    /// One request per group: its members as the server lists them (no
    /// attribute values, so no NeXus classes), for walks and search.
    fn children(&self, path: &str) -> Result<Vec<Entity>, DataError> {
        let path = if path.is_empty() { "/" } else { path };
        let meta: Meta = self.json("meta", &[("path", path)], path)?;
        if meta.kind != "group" {
            return Err(DataError::NotADataset {
                object: path.to_owned(),
                kind: meta.kind,
            });
        }
        Ok(meta
            .children
            .iter()
            .map(|c| self.to_entity(c, &join_path(path, &c.name)))
            .collect())
    }

    /// Every path below the root, from h5grove's `/paths` (HDF5 visits each
    /// object once, so hard-link cycles end there); `None` from servers
    /// without that endpoint.
    fn all_paths(&self) -> Option<Vec<String>> {
        self.json_limited::<Vec<String>>("paths", &[("path", "/")], "/", MAX_META_BYTES)
            .ok()
    }

    fn value(
        &self,
        path: &str,
        selection: &Selection,
        progress: &dyn Progress,
    ) -> Result<Value, DataError> {
        let meta: Meta = self.json("meta", &[("path", path)], path)?;
        if meta.kind != "dataset" {
            return Err(DataError::NotADataset {
                object: path.to_owned(),
                kind: meta.kind,
            });
        }
        let dtype = dtype_of(meta.ty.as_ref());
        let shape = meta.shape.clone().unwrap_or_default();
        let resolved = selection.resolve(&shape)?;
        if resolved.count() > super::max_read_elements(&dtype) {
            return Err(DataError::TooLarge {
                object: path.to_owned(),
                elements: resolved.count(),
                limit: super::max_read_elements(&dtype),
            });
        }
        if progress.cancelled() {
            return Err(DataError::Cancelled);
        }
        progress.report(0.0, "downloading");
        let sel = selection.to_string();
        let mut params = vec![("path", path)];
        if !selection.is_all() {
            params.push(("selection", sel.as_str()));
        }
        if safe_size(&dtype).is_some() {
            params.extend([("format", "bin"), ("dtype", "safe")]);
            // Exactly the selection's bytes are expected; more is refused unread.
            let expected = resolved
                .count()
                .saturating_mul(safe_size(&dtype).unwrap_or(8) as u64);
            let bytes = read_limited(self.get("data", &params, path)?, expected, path)?;
            progress.report(1.0, "done");
            decode_bin(&bytes, &dtype, resolved.shape(), path)
        } else {
            // Text can be long (embedded XML, configurations): the read limit.
            let limit = super::MAX_READ_BYTES;
            let j: serde_json::Value = self.json_limited("data", &params, path, limit)?;
            let mut v = typed_json(&j, &dtype);
            if v.len() == resolved.count().try_into().unwrap_or(usize::MAX) {
                v.shape = resolved.shape();
            }
            Ok(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_dtypes_parse() {
        assert_eq!(
            parse_numpy_dtype(">i2"),
            Some(DType::Int {
                bytes: 2,
                signed: true,
                big_endian: true
            })
        );
        assert_eq!(
            parse_numpy_dtype("<f8"),
            Some(DType::Float {
                bytes: 8,
                big_endian: false
            })
        );
        assert_eq!(parse_numpy_dtype("|b1"), Some(DType::Bool));
        assert!(parse_numpy_dtype("<i3").is_none());
        assert!(parse_numpy_dtype("").is_none());
        assert!(parse_numpy_dtype("?").is_none());
    }

    #[test]
    fn binary_answers_decode_little_endian_and_check_length() {
        let i32s = DType::Int {
            bytes: 4,
            signed: true,
            big_endian: false,
        };
        let v = decode_bin(&[1, 0, 0, 0, 2, 0, 0, 0], &i32s, vec![2], "x").expect("ok");
        assert_eq!(v.data, Data::I32(vec![1, 2]));
        // Big-endian in the file, but `dtype=safe` sends little-endian.
        let be = DType::Int {
            bytes: 2,
            signed: true,
            big_endian: true,
        };
        let v = decode_bin(&[0, 0, 1, 0, 2, 0, 3, 0], &be, vec![4], "x").expect("ok");
        assert_eq!(v.data, Data::I16(vec![0, 1, 2, 3]));
        // float16 arrives widened to float32.
        let half = DType::Float {
            bytes: 2,
            big_endian: false,
        };
        let v = decode_bin(&0.5f32.to_le_bytes(), &half, vec![], "x").expect("ok");
        assert_eq!(v.data, Data::F32(vec![0.5]));
        assert!(matches!(
            decode_bin(&[1, 2, 3], &i32s, vec![1], "x"),
            Err(DataError::Malformed { .. })
        ));
    }

    /// Garbage from a server never panics the decoder: a small deterministic fuzz.
    #[test]
    fn decoder_survives_random_input() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let types = [
            DType::Bool,
            DType::Int {
                bytes: 1,
                signed: false,
                big_endian: false,
            },
            DType::Int {
                bytes: 8,
                signed: true,
                big_endian: true,
            },
            DType::Float {
                bytes: 4,
                big_endian: false,
            },
            DType::Float {
                bytes: 16,
                big_endian: false,
            },
            DType::Str {
                fixed: None,
                utf8: true,
            },
            DType::Compound { fields: Vec::new() },
        ];
        for _ in 0..20_000 {
            let len = usize::try_from(next() % 64).unwrap_or(0);
            let bytes: Vec<u8> = (0..len).map(|_| (next() & 0xff) as u8).collect();
            let dims = usize::try_from(next() % 4).unwrap_or(0);
            let shape: Vec<usize> = (0..dims)
                .map(|_| usize::try_from(next() % 9).unwrap_or(0))
                .collect();
            let t = &types[usize::try_from(next() % 7).unwrap_or(0)];
            if let Ok(v) = decode_bin(&bytes, t, shape.clone(), "fuzz") {
                assert_eq!(v.len(), shape.iter().product::<usize>());
            }
            let text = String::from_utf8_lossy(&bytes);
            if let Ok(j) = serde_json::from_str::<serde_json::Value>(&text) {
                let _ = json_to_value(&j);
            }
            let _ = parse_numpy_dtype(&text);
        }
    }

    #[test]
    fn json_values_keep_their_shape() {
        let v = json_to_value(&serde_json::json!([[1, 2], [3, 4]]));
        assert_eq!(v.shape, vec![2, 2]);
        assert_eq!(v.data, Data::I64(vec![1, 2, 3, 4]));
        let s = json_to_value(&serde_json::json!("hello"));
        assert!(s.shape.is_empty());
        assert_eq!(s.element_text(0), "hello");
        let ragged = json_to_value(&serde_json::json!([[1], [2, 3]]));
        assert_eq!(ragged.shape, vec![3]);
    }
}
