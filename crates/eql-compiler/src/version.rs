//! Ordering of `version` field values.
//!
//! Elasticsearch's `version` type orders valid semantic versions by
//! semantic-version precedence: numeric components compared as numbers, a
//! pre-release (`1.2.4-SNAPSHOT`) before its release, build metadata
//! ignored. Strings that are not versions sort after every valid version,
//! by their bytes.

use std::cmp::Ordering;

struct Parsed<'a> {
    numbers: Vec<u64>,
    pre_release: Option<&'a str>,
}

fn parse(text: &str) -> Option<Parsed<'_>> {
    let text = text.split_once('+').map_or(text, |(v, _)| v);
    let (core, pre_release) = match text.split_once('-') {
        Some((core, pre)) if !pre.is_empty() => (core, Some(pre)),
        Some(_) => return None,
        None => (text, None),
    };
    let numbers = core
        .split('.')
        .map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                part.parse::<u64>().ok()
            }
        })
        .collect::<Option<Vec<u64>>>()?;
    Some(Parsed {
        numbers,
        pre_release,
    })
}

fn compare_pre_release(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Orders two IP addresses as an `ip` field does: IPv4 addresses as their
/// IPv4-mapped IPv6 form, so all of them sort before other IPv6 ones.
/// Returns `None` when either side is not an address.
pub fn compare_addresses(a: &str, b: &str) -> Option<Ordering> {
    let key = |text: &str| -> Option<u128> {
        match text.trim().parse::<std::net::IpAddr>().ok()? {
            std::net::IpAddr::V4(v4) => Some(u128::from(v4.to_ipv6_mapped())),
            std::net::IpAddr::V6(v6) => Some(u128::from(v6)),
        }
    };
    Some(key(a)?.cmp(&key(b)?))
}

/// Orders two version strings.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => {
            let width = x.numbers.len().max(y.numbers.len());
            for i in 0..width {
                let order = x
                    .numbers
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .cmp(&y.numbers.get(i).copied().unwrap_or(0));
                if order != Ordering::Equal {
                    return order;
                }
            }
            match (x.pre_release, y.pre_release) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(p), Some(q)) => compare_pre_release(p, q),
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.as_bytes().cmp(b.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_order_numerically() {
        assert_eq!(
            compare_addresses("10.1.2.3", "9.0.0.0"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_addresses("192.168.0.1", "fe80::1"),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare_addresses("FE80::1", "fe80::1"),
            Some(Ordering::Equal)
        );
        assert_eq!(compare_addresses("x", "fe80::1"), None);
    }

    #[test]
    fn versions_order_by_precedence() {
        assert_eq!(compare_versions("1.11.3", "1.5.0"), Ordering::Greater);
        assert_eq!(compare_versions("1.2.4-SNAPSHOT", "1.2.4"), Ordering::Less);
        assert_eq!(compare_versions("1.2.4-SNAPSHOT", "1.5.0"), Ordering::Less);
        assert_eq!(compare_versions("bad", "99.0.0"), Ordering::Greater);
        assert_eq!(compare_versions("1.0.0+build", "1.0.0"), Ordering::Equal);
        assert_eq!(
            compare_versions("1.0.0-alpha.2", "1.0.0-alpha.10"),
            Ordering::Less
        );
    }
}
