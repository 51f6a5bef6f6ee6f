//! Moving files: resumable, verified downloads (`download`), the queue that
//! runs them a few at a time with pause, resume and cancel (`queue`), and
//! WebDAV folder listings (`webdav`) for dCache and other storage. The
//! catalogue says which files a dataset has; this module fetches them.

pub mod download;
pub mod queue;
pub mod webdav;
