//! Where an operation's address stands: asked of the resolver, answered, or failed. Node asks
//! its `lookup` for every address (with `lookup_all`); the engine asks for names only otherwise.

use std::net::{IpAddr, SocketAddr};

use super::*;
use crate::error::Error;
use crate::sys::IoHandle;
use crate::types::parse_ip;

/// Where an operation's address stands.
pub(super) enum Target {
    /// Waiting for lookup `id`.
    Lookup(u64),
    /// Resolved.
    Ready(SocketAddr),
    /// The connected peer (a `send` without address).
    Peer,
    /// The lookup failed.
    Failed(Error),
}

pub(super) trait WithScope {
    fn with_scope_of(self, from: SocketAddr) -> Self;
}
impl WithScope for SocketAddr {
    fn with_scope_of(mut self, from: SocketAddr) -> SocketAddr {
        if let (SocketAddr::V6(to), SocketAddr::V6(f)) = (&mut self, from) {
            to.set_scope_id(f.scope_id());
        }
        self
    }
}

impl Target {
    pub(super) fn with_scope(self, from: SocketAddr) -> Target {
        match self {
            Target::Ready(a) => Target::Ready(a.with_scope_of(from)),
            t => t,
        }
    }
}

impl<H: IoHandle> Core<H> {
    pub(super) fn lookup_target(&mut self, host: &str, default: IpAddr) -> Target {
        self.lookup_target_as(host, default, self.opts.lookup_all)
    }

    /// [`Core::lookup_target`], asking the resolver for every address when `all`.
    pub(super) fn lookup_target_as(&mut self, host: &str, default: IpAddr, all: bool) -> Target {
        if all {
            // Node's way: the resolver sees every address, literals and defaults included.
            let host = if host.is_empty() { default.to_string() } else { host.to_string() };
            let id = self.next_id;
            self.next_id += 1;
            self.out.push_back(Output::Lookup { id, host });
            return Target::Lookup(id);
        }
        if host.is_empty() {
            return Target::Ready(SocketAddr::new(default, 0));
        }
        if let Some((ip, scope)) = parse_ip(host) {
            let mut sa = SocketAddr::new(ip, 0);
            if let SocketAddr::V6(v6) = &mut sa {
                v6.set_scope_id(scope);
            }
            return Target::Ready(sa);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.out.push_back(Output::Lookup { id, host: host.to_string() });
        Target::Lookup(id)
    }

    /// A lookup asked for with [`Output::Lookup`] finished.
    pub fn resolved(&mut self, id: u64, r: Result<IpAddr, Error>) {
        self.resolved_addr(id, r.map(|ip| SocketAddr::new(ip, 0)));
    }

    /// A lookup answered with text that is no IP address: the operation fails as the system
    /// call given that text would (`bind EINVAL text`, `send EINVAL host:port`), as Node's does
    /// when a custom `lookup` returns garbage.
    pub fn resolved_unparsable(&mut self, id: u64, text: &str) {
        if self.closed {
            return;
        }
        let is = |t: &Target| matches!(t, Target::Lookup(x) if *x == id);
        if let Some(b) = &mut self.bind_req {
            if is(&b.target) {
                let port = (b.port != 0).then_some(b.port);
                b.target = Target::Failed(Error::system(libc::EINVAL, "bind", Some(text.to_string()), port));
                return;
            }
        }
        if let Some(c) = &mut self.connect_req {
            if is(&c.target) {
                // (The connect's own address, '' when it had none: not the lookup's answer.)
                c.target = Target::Failed(Error::system(libc::EINVAL, "connect", Some(c.host.clone()), Some(c.port)));
                return;
            }
        }
        for (i, s) in self.sends.iter_mut().enumerate() {
            if is(&s.target) {
                let host = s.host.clone().or_else(|| Some(std::sync::Arc::from(text)));
                s.target = Target::Failed(send_error(libc::EINVAL, &host, s.port));
                self.handed_over(i);
                return;
            }
        }
    }

    /// Like [`Core::resolved`], with an IPv6 scope (the port of `r` is ignored).
    pub fn resolved_addr(&mut self, id: u64, r: Result<SocketAddr, Error>) {
        if self.closed {
            return; // closing during a lookup ends quietly
        }
        let settle = |t: &mut Target| {
            if matches!(t, Target::Lookup(x) if *x == id) {
                *t = match &r {
                    Ok(a) => Target::Ready(SocketAddr::new(a.ip(), 0).with_scope_of(*a)),
                    Err(e) => Target::Failed(e.clone()),
                };
                true
            } else {
                false
            }
        };
        if let Some(b) = &mut self.bind_req {
            if settle(&mut b.target) {
                return;
            }
        }
        if let Some(c) = &mut self.connect_req {
            if settle(&mut c.target) {
                return;
            }
        }
        for (i, s) in self.sends.iter_mut().enumerate() {
            if settle(&mut s.target) {
                if let Target::Ready(a) = &mut s.target {
                    a.set_port(s.port);
                }
                self.handed_over(i);
                return;
            }
        }
    }
}
