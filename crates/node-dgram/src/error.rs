//! Node's errors: one type carrying `code`, `errno`, `syscall`, `address`, `port` and the message
//! text Node prints.

use std::fmt;

/// Which JavaScript error class Node would throw or emit for this error.
///
/// Rust has no class hierarchy; this keeps the distinction for the Node addon and for users who
/// want to report errors as Node does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// `Error`: system errors (`bind EADDRINUSE ...`) and most `ERR_SOCKET_*` codes.
    Error,
    /// `TypeError`: `ERR_SOCKET_BAD_TYPE`, `ERR_INVALID_ARG_TYPE`, ...
    TypeError,
    /// `RangeError`: `ERR_SOCKET_BAD_PORT`, `ERR_OUT_OF_RANGE`, `ERR_BUFFER_OUT_OF_BOUNDS`.
    RangeError,
    /// `SystemError`: `ERR_SOCKET_BUFFER_SIZE`, which wraps a libuv error in `info`.
    SystemError,
}

/// An error as Node reports it.
///
/// `code` is Node's code (`ERR_SOCKET_BAD_PORT`, `EADDRINUSE`, `ENOTFOUND`, ...); system errors
/// also carry the negative `errno` Node shows (libuv's numbering), the `syscall`, and the
/// `address`/`port` involved, and their message is Node's text, e.g. `bind EADDRINUSE 0.0.0.0:41234`.
///
/// ```
/// use node_dgram::Error;
/// let e = Error::system(libc::EADDRINUSE, "bind", Some("0.0.0.0".into()), Some(41234));
/// assert_eq!(e.code(), "EADDRINUSE");
/// assert_eq!(e.message(), "bind EADDRINUSE 0.0.0.0:41234");
/// assert_eq!(e.errno(), Some(-98));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    class: ErrorClass,
    code: String,
    message: String,
    errno: Option<i32>,
    syscall: Option<String>,
    address: Option<String>,
    port: Option<u16>,
    hostname: Option<String>,
    /// An adapter's handle on an error object of its own (see [`Error::external`]).
    token: Option<u64>,
}

impl Error {
    fn plain(class: ErrorClass, code: &str, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            class,
            code: code.to_string(),
            message: message.into(),
            errno: None,
            syscall: None,
            address: None,
            port: None,
            hostname: None,
            token: None,
        }))
    }

    pub(crate) fn with_message(mut self, message: String) -> Error {
        self.0.message = message;
        self
    }

    /// An error that stands for an error object the adapter keeps (the Node addon passes a
    /// failed `lookup`'s own JavaScript error through the core this way, as Node passes it to
    /// the callback unchanged). `code` and `message` describe it for Rust code.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = node_dgram::Error::external(7, "ENOTFOUND", "getaddrinfo ENOTFOUND example");
    /// assert_eq!(e.token(), Some(7));
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn external(token: u64, code: &str, message: &str) -> Error {
        let mut e = Error::plain(ErrorClass::Error, code, message);
        e.0.token = Some(token);
        e
    }
    /// The adapter's token, for an error made with [`Error::external`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(node_dgram::Error::lookup("ENOTFOUND", "h").token(), None);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn token(&self) -> Option<u64> {
        self.0.token
    }

    /// Node's code: `ERR_...` or an errno name such as `EADDRINUSE`.
    ///
    /// [Node: `error.code`](https://nodejs.org/api/errors.html#errorcode)
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(node_dgram::Error::lookup("ENOTFOUND", "h").code(), "ENOTFOUND");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn code(&self) -> &str {
        &self.0.code
    }
    /// Node's message text.
    ///
    /// [Node: `error.message`](https://nodejs.org/api/errors.html#errormessage)
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(node_dgram::Error::lookup("ENOTFOUND", "h").message(), "getaddrinfo ENOTFOUND h");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The error's JavaScript class.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{Error, ErrorClass};
    /// assert_eq!(Error::lookup("ENOTFOUND", "h").class(), ErrorClass::Error);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn class(&self) -> ErrorClass {
        self.0.class
    }
    /// The negative errno Node reports (libuv numbering), for system errors.
    ///
    /// [Node: `error.errno`](https://nodejs.org/api/errors.html#errorerrno)
    ///
    /// # Examples
    ///
    /// ```
    /// let e = node_dgram::Error::system(98, "bind", Some("0.0.0.0".into()), Some(41234));
    /// assert_eq!(e.errno(), Some(-98));
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn errno(&self) -> Option<i32> {
        self.0.errno
    }
    /// The failing system call (`bind`, `send`, `getaddrinfo`, ...), for system errors.
    ///
    /// [Node: `error.syscall`](https://nodejs.org/api/errors.html#errorsyscall)
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(node_dgram::Error::lookup("ENOTFOUND", "h").syscall(), Some("getaddrinfo"));
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn syscall(&self) -> Option<&str> {
        self.0.syscall.as_deref()
    }
    /// The address involved, when Node reports one.
    ///
    /// [Node: `error.address`](https://nodejs.org/api/errors.html#erroraddress)
    ///
    /// # Examples
    ///
    /// ```
    /// let e = node_dgram::Error::system(98, "bind", Some("0.0.0.0".into()), Some(41234));
    /// assert_eq!((e.address(), e.port()), (Some("0.0.0.0"), Some(41234)));
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// The port involved, when Node reports one (only when it is above 0).
    ///
    /// [Node: `error.port`](https://nodejs.org/api/errors.html#errorport)
    ///
    /// # Examples
    ///
    /// See [`address`](Error::address).
    ///
    /// # Errors
    ///
    /// None.
    pub fn port(&self) -> Option<u16> {
        self.0.port
    }
    /// The host name a failed lookup was for.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(node_dgram::Error::lookup("ENOTFOUND", "h").hostname(), Some("h"));
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn hostname(&self) -> Option<&str> {
        self.0.hostname.as_deref()
    }

    /// `ERR_SOCKET_BAD_TYPE`.
    pub(crate) fn bad_socket_type() -> Error {
        Error::plain(
            ErrorClass::TypeError,
            "ERR_SOCKET_BAD_TYPE",
            "Bad socket type specified. Valid types are: udp4, udp6",
        )
    }
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING`.
    pub(crate) fn not_running() -> Error {
        Error::plain(ErrorClass::Error, "ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running")
    }
    /// `ERR_SOCKET_ALREADY_BOUND`.
    pub(crate) fn already_bound() -> Error {
        Error::plain(ErrorClass::Error, "ERR_SOCKET_ALREADY_BOUND", "Socket is already bound")
    }
    /// `ERR_SOCKET_DGRAM_IS_CONNECTED`.
    pub(crate) fn is_connected() -> Error {
        Error::plain(ErrorClass::Error, "ERR_SOCKET_DGRAM_IS_CONNECTED", "Already connected")
    }
    /// `ERR_SOCKET_DGRAM_NOT_CONNECTED`.
    pub(crate) fn not_connected() -> Error {
        Error::plain(ErrorClass::Error, "ERR_SOCKET_DGRAM_NOT_CONNECTED", "Not connected")
    }
    /// `ERR_SOCKET_BAD_PORT` for a value Node describes as `received` (see [`describe`]).
    ///
    /// `allow_zero` selects Node's wording (`>= 0` for bind, `> 0` for connect and send).
    pub(crate) fn bad_port(received: &str, allow_zero: bool) -> Error {
        let op = if allow_zero { ">=" } else { ">" };
        Error::plain(
            ErrorClass::RangeError,
            "ERR_SOCKET_BAD_PORT",
            format!("Port should be {op} 0 and < 65536. Received {received}."),
        )
    }
    /// `ERR_IP_BLOCKED`: `IP(127.0.0.1) is blocked by net.BlockList`.
    pub(crate) fn ip_blocked(ip: &str) -> Error {
        Error::plain(ErrorClass::Error, "ERR_IP_BLOCKED", format!("IP({ip}) is blocked by net.BlockList"))
    }
    /// `ERR_INVALID_FD_TYPE`: `Unsupported fd type: TCP`.
    pub(crate) fn invalid_fd_type(kind: &str) -> Error {
        Error::plain(ErrorClass::TypeError, "ERR_INVALID_FD_TYPE", format!("Unsupported fd type: {kind}"))
    }
    /// `ERR_MISSING_ARGS` with Node's message.
    pub(crate) fn missing_args(name: &str) -> Error {
        Error::plain(ErrorClass::TypeError, "ERR_MISSING_ARGS", format!("The \"{name}\" argument must be specified"))
    }
    /// `ERR_INVALID_ARG_TYPE` with Node's message.
    pub(crate) fn invalid_arg_type(name: &str, expected: &str, received: &str) -> Error {
        Error::plain(
            ErrorClass::TypeError,
            "ERR_INVALID_ARG_TYPE",
            format!("The \"{name}\" argument must be {expected}. Received {received}"),
        )
    }
    /// `ERR_INVALID_ARG_VALUE` with Node's message.
    pub(crate) fn invalid_arg_value(name: &str, received: &str, reason: &str) -> Error {
        Error::plain(
            ErrorClass::TypeError,
            "ERR_INVALID_ARG_VALUE",
            format!("The argument '{name}' {reason}. Received {received}"),
        )
    }
    /// `ERR_BUFFER_OUT_OF_BOUNDS` for `offset` or `length` past the end of a message.
    pub(crate) fn buffer_out_of_bounds(name: &str) -> Error {
        Error::plain(
            ErrorClass::RangeError,
            "ERR_BUFFER_OUT_OF_BOUNDS",
            format!("\"{name}\" is outside of buffer bounds"),
        )
    }
    /// `ERR_OUT_OF_RANGE` with Node's message.
    pub(crate) fn out_of_range(name: &str, range: &str, received: &str) -> Error {
        Error::plain(
            ErrorClass::RangeError,
            "ERR_OUT_OF_RANGE",
            format!("The value of \"{name}\" is out of range. It must be {range}. Received {received}"),
        )
    }

    /// A system error as Node's `ExceptionWithHostPort` builds it: message
    /// `syscall CODE address:port` (the port only when above 0, the address only when given).
    ///
    /// [Node: `SystemError`](https://nodejs.org/api/errors.html#class-systemerror)
    ///
    /// # Examples
    ///
    /// ```
    /// let e = node_dgram::Error::system(98, "bind", Some("0.0.0.0".into()), Some(41234));
    /// assert_eq!(e.message(), "bind EADDRINUSE 0.0.0.0:41234");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn system(errno: i32, syscall: &str, address: Option<String>, port: Option<u16>) -> Error {
        let code = crate::sys::errno_name(errno);
        let port = port.filter(|p| *p > 0);
        let mut message = format!("{syscall} {code}");
        match (&address, port) {
            (Some(a), Some(p)) => message.push_str(&format!(" {a}:{p}")),
            (Some(a), None) => message.push_str(&format!(" {a}")),
            _ => {}
        }
        Error(Box::new(Inner {
            class: ErrorClass::Error,
            code: code.to_string(),
            message,
            errno: Some(crate::sys::uv_errno(errno)),
            syscall: Some(syscall.to_string()),
            address,
            port,
            hostname: None,
            token: None,
        }))
    }

    /// A system error from an `io::Error` (its raw OS error; `EIO` when it has none).
    ///
    /// # Examples
    ///
    /// ```
    /// let io = std::io::Error::from_raw_os_error(111);
    /// let e = node_dgram::Error::from_io(&io, "recvmsg", None, None);
    /// assert_eq!(e.message(), "recvmsg ECONNREFUSED");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn from_io(e: &std::io::Error, syscall: &str, address: Option<String>, port: Option<u16>) -> Error {
        Error::system(crate::sys::errno_of(e).unwrap_or(libc::EIO), syscall, address, port)
    }

    /// A failed name lookup, as Node's `dns.lookup` reports it: `getaddrinfo ENOTFOUND host`.
    ///
    /// `code` is Node's name for the resolver's error (`ENOTFOUND`, `EAI_AGAIN`, `EAI_FAIL`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Error;
    /// // What a custom resolver returns for a name it does not know.
    /// let e = Error::lookup("ENOTFOUND", "nowhere.test");
    /// assert_eq!(e.message(), "getaddrinfo ENOTFOUND nowhere.test");
    /// // libuv's numbers, as Node's errors carry them.
    /// assert_eq!(e.errno(), Some(-3008));
    /// assert_eq!(Error::lookup("EAI_FAIL", "x.test").errno(), Some(-3004));
    /// assert_eq!(Error::lookup("EAI_FAMILY", "x.test").errno(), Some(-3005));
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn lookup(code: &str, hostname: &str) -> Error {
        let errno = match code {
            "ENOTFOUND" => Some(-3008),
            "EAI_AGAIN" => Some(-3001),
            "EAI_FAIL" => Some(-3004),
            "EAI_NODATA" => Some(-3007),
            "EAI_NONAME" => Some(-3008),
            "EAI_MEMORY" => Some(-3006),
            "EAI_SERVICE" => Some(-3010),
            "EAI_ADDRFAMILY" => Some(-3000),
            "EAI_BADFLAGS" => Some(-3002),
            "EAI_CANCELED" => Some(-3003),
            "EAI_FAMILY" => Some(-3005),
            _ => None,
        };
        Error(Box::new(Inner {
            class: ErrorClass::Error,
            code: code.to_string(),
            message: format!("getaddrinfo {code} {hostname}"),
            errno,
            syscall: Some("getaddrinfo".into()),
            address: None,
            port: None,
            hostname: Some(hostname.to_string()),
            token: None,
        }))
    }

    /// `ERR_SOCKET_BUFFER_SIZE`: a `SystemError` wrapping the libuv call's failure.
    pub(crate) fn buffer_size(errno: i32, which: &str) -> Error {
        let code = crate::sys::errno_name(errno);
        let syscall = format!("uv_{which}_buffer_size");
        Error(Box::new(Inner {
            class: ErrorClass::SystemError,
            code: "ERR_SOCKET_BUFFER_SIZE".into(),
            message: format!(
                "Could not get or set buffer size: {syscall} returned {code} ({})",
                crate::sys::errno_description(errno)
            ),
            errno: Some(crate::sys::uv_errno(errno)),
            syscall: Some(syscall),
            address: None,
            port: None,
            hostname: None,
            token: None,
        }))
    }

    /// `ERR_INVALID_ADDRESS`: a string that is not an IP address where Node wants one
    /// (`net.BlockList`, `net.SocketAddress`).
    pub(crate) fn invalid_address() -> Error {
        Error::plain(ErrorClass::Error, "ERR_INVALID_ADDRESS", "Invalid socket address")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.0.message, self.0.code)
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        match e.0.errno {
            Some(n) if n < 0 && n > -3000 => std::io::Error::from_raw_os_error(-n),
            _ => std::io::Error::other(e),
        }
    }
}

/// How Node's `determineSpecificType` describes a value in messages ("type number (1.5)").
///
/// Used by the argument conversions of this crate.
pub(crate) fn describe(v: &Value<'_>) -> String {
    match v {
        Value::Number(n) => format!("type number ({})", js_number(*n)),
        Value::Str(s) => {
            let shown: String = if s.chars().count() > 28 {
                format!("{}...", s.chars().take(25).collect::<String>())
            } else {
                s.to_string()
            };
            format!("type string ('{shown}')")
        }
    }
}

/// A JavaScript-like value, as used to describe bad arguments in Node's wording.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    /// A number.
    Number(f64),
    /// A string.
    Str(&'a str),
}

/// Formats a number as JavaScript prints it (`1`, `1.5`, `-1`, `NaN`, `Infinity`).
pub(crate) fn js_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if n == n.trunc() && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
