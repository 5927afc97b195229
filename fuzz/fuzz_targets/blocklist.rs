//! `node_dgram::BlockList` driven by a small program decoded from the input, checked against a
//! reference model written here: every rule is an inclusive `u128` range over the IPv6 space,
//! IPv4 mapped into `::ffff:0:0/96`.
//!
//! Program: a sequence of instructions, each an opcode byte (`op % 4`: add_address, add_range,
//! add_subnet, check) followed by its operands. Each address operand starts with a tag byte:
//! a string cut from the input (length byte + bytes, skipped unless UTF-8), an IPv4 address from
//! 4 bytes, an IPv6 one from 16, a short IPv6 one (one group set), an IPv4-mapped IPv6 one, or an
//! earlier address plus or minus a small delta (to land on range edges), the last three in
//! either textual form, sometimes with a `%zone`.
//!
//! Invariants: each add succeeds iff the model accepts it, failing with the model's error code;
//! `rules().len()` is the number of successful adds; `check` / `check_ip` equal the model for
//! the operand, for every rule's edges (and one past them) in both IPv4 and IPv6 form; every rule
//! reads back (newest first) with the right kind, family and addresses.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use node_dgram::BlockList;

const MAPPED: u128 = 0xffff << 32;

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
}

// ---- the model ----

fn key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => MAPPED | u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// IPv4, or IPv6 with an optional (ignored) `%zone`.
fn model_parse(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    let (addr, _) = s.split_once('%')?;
    addr.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

#[derive(Debug, Clone, Copy)]
enum Rule {
    Address(IpAddr),
    Range(IpAddr, IpAddr),
    Subnet(IpAddr, u8),
}

fn bounds(rule: Rule) -> (u128, u128) {
    match rule {
        Rule::Address(ip) => (key(ip), key(ip)),
        Rule::Range(a, b) => (key(a), key(b)),
        Rule::Subnet(IpAddr::V4(v4), p) => {
            let v = u32::from(v4);
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            (MAPPED | u128::from(v & mask), MAPPED | u128::from(v | !mask))
        }
        Rule::Subnet(IpAddr::V6(v6), p) => {
            let v = u128::from(v6);
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - u32::from(p)) };
            (v & mask, v | !mask)
        }
    }
}

struct Model {
    rules: Vec<Rule>,
}

impl Model {
    fn blocks(&self, k: u128) -> bool {
        self.rules.iter().any(|&r| {
            let (lo, hi) = bounds(r);
            lo <= k && k <= hi
        })
    }
    fn add_address(&mut self, s: &str) -> Result<(), &'static str> {
        let ip = model_parse(s).ok_or("ERR_INVALID_ADDRESS")?;
        self.rules.push(Rule::Address(ip));
        Ok(())
    }
    fn add_range(&mut self, a: &str, b: &str) -> Result<(), &'static str> {
        let a = model_parse(a).ok_or("ERR_INVALID_ADDRESS")?;
        let b = model_parse(b).ok_or("ERR_INVALID_ADDRESS")?;
        if a.is_ipv4() != b.is_ipv4() || key(a) > key(b) {
            return Err("ERR_INVALID_ARG_VALUE");
        }
        self.rules.push(Rule::Range(a, b));
        Ok(())
    }
    fn add_subnet(&mut self, s: &str, prefix: u8) -> Result<(), &'static str> {
        let ip = model_parse(s).ok_or("ERR_INVALID_ADDRESS")?;
        if prefix > if ip.is_ipv4() { 32 } else { 128 } {
            return Err("ERR_OUT_OF_RANGE");
        }
        self.rules.push(Rule::Subnet(ip, prefix));
        Ok(())
    }
}

// ---- operands ----

fn ip_of_key(k: u128, v4_if_mapped: bool) -> IpAddr {
    if v4_if_mapped && k >> 32 == 0xffff {
        IpAddr::V4(Ipv4Addr::from(k as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(k))
    }
}

/// Writes `ip` in one of several textual forms.
fn render(ip: IpAddr, style: u8) -> String {
    match (ip, style % 4) {
        (IpAddr::V6(v6), 1) => {
            // Fully expanded, upper case.
            let s = v6.segments();
            format!("{:X}:{:X}:{:X}:{:X}:{:X}:{:X}:{:X}:{:X}", s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
        }
        (IpAddr::V6(v6), 2) if v6.to_ipv4_mapped().is_some() => {
            format!("::ffff:{}", v6.to_ipv4_mapped().unwrap())
        }
        (IpAddr::V6(v6), 3) => format!("{v6}%eth{}", style >> 2),
        _ => ip.to_string(),
    }
}

fn operand(input: &mut Input<'_>, seen: &mut Vec<u128>) -> Option<String> {
    let tag = input.byte()?;
    let s = match tag % 6 {
        0 => {
            let n = usize::from(input.byte()? % 48);
            let raw = input.bytes(n)?;
            std::str::from_utf8(raw).ok()?.to_string()
        }
        1 => {
            let b = input.bytes(4)?;
            Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()
        }
        2 => {
            let b: [u8; 16] = input.bytes(16)?.try_into().unwrap();
            render(IpAddr::V6(Ipv6Addr::from(b)), tag >> 3)
        }
        3 => {
            // One group set (addresses near ::, ::1, ...).
            let g = input.byte()?;
            let v = input.bytes(2)?;
            let mut segs = [0u16; 8];
            segs[usize::from(g % 8)] = u16::from_le_bytes([v[0], v[1]]);
            render(IpAddr::V6(Ipv6Addr::from(segs)), tag >> 3)
        }
        4 => {
            let b = input.bytes(4)?;
            render(IpAddr::V6(Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_ipv6_mapped()), tag >> 3)
        }
        _ => {
            // An earlier address, moved by -2..=2 (wrapping at the ends of the space).
            let i = input.byte()?;
            let d = input.byte()?;
            let &k = seen.get(usize::from(i) % seen.len().max(1))?;
            let k = k.wrapping_add((i128::from(d % 5) - 2) as u128);
            render(ip_of_key(k, d & 0x80 != 0), tag >> 3)
        }
    };
    if let Some(ip) = model_parse(&s) {
        seen.push(key(ip));
    }
    Some(s)
}

fn assert_check(list: &BlockList, model: &Model, s: &str) {
    let want = model_parse(s).is_some_and(|ip| model.blocks(key(ip)));
    assert_eq!(list.check(s), want, "check({s:?})");
}

fn assert_key(list: &BlockList, model: &Model, k: u128) {
    let want = model.blocks(k);
    let v6 = IpAddr::V6(Ipv6Addr::from(k));
    assert_eq!(list.check_ip(v6), want, "check_ip({v6})");
    if k >> 32 == 0xffff {
        let v4 = IpAddr::V4(Ipv4Addr::from(k as u32));
        assert_eq!(list.check_ip(v4), want, "check_ip({v4})");
    }
}

fn uv_parse(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|_| panic!("rule address {s:?} does not read back"))
}

fn family(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() { "IPv4" } else { "IPv6" }
}

fn assert_rules(list: &BlockList, model: &Model) {
    let got = list.rules();
    assert_eq!(got.len(), model.rules.len(), "rules: {got:?}");
    for (text, &rule) in got.iter().zip(model.rules.iter().rev()) {
        let (kind, rest) = text.split_once(": ").unwrap();
        let (fam, rest) = rest.split_once(' ').unwrap();
        match rule {
            Rule::Address(ip) => {
                assert_eq!((kind, fam), ("Address", family(ip)), "{text}");
                assert_eq!(uv_parse(rest), ip, "{text}");
            }
            Rule::Range(a, b) => {
                assert_eq!((kind, fam), ("Range", family(a)), "{text}");
                // Split at the '-' that separates two addresses (neither contains one).
                let (x, y) = rest.split_once('-').unwrap();
                assert_eq!((uv_parse(x), uv_parse(y)), (a, b), "{text}");
            }
            Rule::Subnet(ip, p) => {
                assert_eq!((kind, fam), ("Subnet", family(ip)), "{text}");
                let (x, n) = rest.rsplit_once('/').unwrap();
                assert_eq!((uv_parse(x), n.parse::<u8>().unwrap()), (ip, p), "{text}");
            }
        }
    }
}

fn check_result(got: Result<(), node_dgram::Error>, want: Result<(), &'static str>, what: &str) {
    match (got, want) {
        (Ok(()), Ok(())) => {}
        (Err(e), Err(code)) => assert_eq!(e.code(), code, "{what}: {e}"),
        (got, want) => panic!("{what}: BlockList {got:?}, model {want:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let list = BlockList::new();
    let mut model = Model { rules: Vec::new() };
    let mut seen: Vec<u128> = Vec::new();
    let mut steps = 0;
    while let Some(op) = input.byte() {
        steps += 1;
        if steps > 64 {
            break;
        }
        match op % 4 {
            0 => {
                let Some(a) = operand(&mut input, &mut seen) else { break };
                check_result(list.add_address(&a), model.add_address(&a), &format!("add_address({a:?})"));
            }
            1 => {
                let Some(a) = operand(&mut input, &mut seen) else { break };
                let Some(b) = operand(&mut input, &mut seen) else { break };
                check_result(list.add_range(&a, &b), model.add_range(&a, &b), &format!("add_range({a:?}, {b:?})"));
            }
            2 => {
                let Some(a) = operand(&mut input, &mut seen) else { break };
                let Some(p) = input.byte() else { break };
                // Mostly valid prefixes; the high bit keeps the byte as is (out of range too).
                let p = if p & 0x80 == 0 { p % 129 } else { p };
                check_result(list.add_subnet(&a, p), model.add_subnet(&a, p), &format!("add_subnet({a:?}, {p})"));
            }
            _ => {
                let Some(a) = operand(&mut input, &mut seen) else { break };
                assert_check(&list, &model, &a);
            }
        }
        assert_eq!(list.rules().len(), model.rules.len());
    }

    assert_rules(&list, &model);
    // Every rule's edges and their neighbours, and every address the program used.
    let mut probes: Vec<u128> = seen.clone();
    for &r in &model.rules {
        let (lo, hi) = bounds(r);
        probes.extend([lo, hi, lo.wrapping_sub(1), hi.wrapping_add(1)]);
    }
    probes.extend([0, u128::MAX, MAPPED, MAPPED | 0xffff_ffff, MAPPED - 1, (MAPPED | 0xffff_ffff) + 1]);
    for k in probes {
        assert_key(&list, &model, k);
    }
    // A clone shares the rules.
    let clone = list.clone();
    assert_eq!(clone.rules(), list.rules());
});
