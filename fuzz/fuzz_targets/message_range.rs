//! `node_dgram::Message::from(bytes).range(offset, length)`.
//!
//! Input: a mode byte, then offset and length (2 bytes each, or 8 bytes each when the mode's low
//! bit is set, to reach `usize` overflow), then the message's bytes.
//! Invariants: `Ok` iff `offset <= len && offset + length <= len` (no overflow), and then the
//! bytes are `data[offset..offset + length]`; otherwise `ERR_BUFFER_OUT_OF_BOUNDS`. A list of
//! buffers (`Message::Many`) is always `ERR_INVALID_ARG_TYPE`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use node_dgram::Message;

fn take<const N: usize>(data: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = data.split_first_chunk::<N>()?;
    *data = rest;
    Some(*head)
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let Some([mode]) = take::<1>(&mut data) else { return };
    let (offset, length) = if mode & 1 == 1 {
        let (Some(o), Some(l)) = (take::<8>(&mut data), take::<8>(&mut data)) else { return };
        (u64::from_le_bytes(o) as usize, u64::from_le_bytes(l) as usize)
    } else {
        let (Some(o), Some(l)) = (take::<2>(&mut data), take::<2>(&mut data)) else { return };
        (usize::from(u16::from_le_bytes(o)), usize::from(u16::from_le_bytes(l)))
    };
    let len = data.len();
    let ok = offset <= len && offset.checked_add(length).is_some_and(|end| end <= len);

    // From each kind of single buffer.
    let mut msgs = vec![Message::from(data), Message::from(data.to_vec())];
    if let Ok(s) = std::str::from_utf8(data) {
        msgs.push(Message::from(s));
        msgs.push(Message::from(s.to_string()));
    }
    for m in msgs {
        assert_eq!(m.len(), len);
        match m.range(offset, length) {
            Ok(part) => {
                assert!(ok, "offset {offset} length {length} len {len}: Ok");
                assert_eq!(part.len(), length);
                assert_eq!(part.to_vec(), &data[offset..offset + length]);
                assert!(matches!(part, Message::One(_)));
            }
            Err(e) => {
                assert!(!ok, "offset {offset} length {length} len {len}: {e}");
                assert_eq!(e.code(), "ERR_BUFFER_OUT_OF_BOUNDS");
            }
        }
    }

    // A list of buffers (the data cut in two at `mode`): never accepts a range.
    let cut = usize::from(mode).min(len);
    let many = Message::from(vec![&data[..cut], &data[cut..]]);
    assert_eq!(many.len(), len);
    assert_eq!(many.to_vec(), data);
    assert_eq!(many.range(offset, length).unwrap_err().code(), "ERR_INVALID_ARG_TYPE");
});

