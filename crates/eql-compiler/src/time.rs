//! Dates: parsing timestamps and date fields, with Elasticsearch's
//! default format and mapping `format` patterns, into nanoseconds since the
//! Unix epoch.

use crate::value::Value;
use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Parses a timestamp value into nanoseconds since the Unix epoch.
///
/// Accepts epoch milliseconds as a number or a numeric string (a fraction
/// adds sub-millisecond precision: `"1.000001"` is 1 ms and 1 ns), and ISO
/// 8601 dates with or without time, fraction and zone (no zone means UTC).
pub fn parse_timestamp(value: &Value<'_>) -> Option<i64> {
    match value {
        Value::Int(ms) => ms.checked_mul(1_000_000),
        Value::Float(ms) => Some((ms * 1_000_000.0).round() as i64),
        Value::Str(text) => parse_timestamp_str(text),
        _ => None,
    }
}

fn parse_timestamp_str(text: &str) -> Option<i64> {
    let text = text.trim();
    // Elasticsearch tries ISO 8601 before epoch milliseconds, so a bare
    // year (`"2024"`) or year and month (`"2024-05"`) is a date.
    if let Some(nanos) = parse_year_month(text) {
        return Some(nanos);
    }
    if let Some(nanos) = parse_epoch_millis(text) {
        return Some(nanos);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return dt.timestamp_nanos_opt();
    }
    let formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ];
    for format in formats {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), format) {
            return dt.and_utc().timestamp_nanos_opt();
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(dt) = DateTime::parse_from_str(text, format) {
            return dt.timestamp_nanos_opt();
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|dt| dt.and_utc().timestamp_nanos_opt())
}

fn parse_year_month(text: &str) -> Option<i64> {
    let (year, month) = match text.split_once('-') {
        Some((year, month)) if month.len() == 2 => (year, month.parse::<u32>().ok()?),
        Some(_) => return None,
        None => (text, 1),
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month, 1)?
        .and_hms_opt(0, 0, 0)?
        .and_utc()
        .timestamp_nanos_opt()
}

pub(crate) fn parse_epoch_millis(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 6 {
        return None;
    }
    let millis: i64 = whole.parse().ok()?;
    let sub: i64 = format!("{fraction:0<6}").parse().ok()?;
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    millis.checked_mul(1_000_000)?.checked_add(sign * sub)
}

/// Formats nanoseconds since the epoch as ISO 8601 with milliseconds and
/// `Z`, as Elasticsearch renders dates.
pub fn format_timestamp(nanos: i64) -> String {
    DateTime::from_timestamp_nanos(nanos)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Truncates nanoseconds to whole milliseconds unless `keep_nanos`, as a
/// `date` field (unlike `date_nanos`) stores them.
pub fn truncate_to_precision(nanos: i64, keep_nanos: bool) -> i64 {
    if keep_nanos {
        nanos
    } else {
        nanos - nanos.rem_euclid(1_000_000)
    }
}

/// How to read the values of one date field: the mapping `format`, with
/// `||` between alternatives. The default accepts ISO 8601 and epoch
/// milliseconds, like Elasticsearch's `strict_date_optional_time||epoch_millis`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DateFormat {
    /// chrono patterns translated from the mapping; empty for the default.
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// The default: ISO 8601 or epoch milliseconds.
    Default,
    /// `epoch_millis`.
    EpochMillis,
    /// `epoch_second`.
    EpochSeconds,
    /// A chrono pattern; `date_only` when it has no time of day.
    Chrono { pattern: String, date_only: bool },
}

impl DateFormat {
    /// Translates a mapping `format` such as `dd-MM-yyyy||epoch_millis`.
    /// Unknown named formats fall back to the default parser.
    pub fn from_mapping(format: &str) -> DateFormat {
        let patterns = format
            .split("||")
            .map(|part| match part.trim() {
                "epoch_millis" => Pattern::EpochMillis,
                "epoch_second" => Pattern::EpochSeconds,
                name if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
                    Pattern::Default
                }
                java => {
                    let pattern = java_to_chrono(java);
                    let date_only = !["%H", "%M", "%S"].iter().any(|p| pattern.contains(p));
                    Pattern::Chrono { pattern, date_only }
                }
            })
            .collect();
        DateFormat { patterns }
    }

    /// Parses a field value into nanoseconds since the epoch.
    pub fn parse(&self, value: &Value<'_>) -> Option<i64> {
        if self.patterns.is_empty() {
            return parse_timestamp(value);
        }
        self.patterns.iter().find_map(|pattern| match pattern {
            Pattern::Default => parse_timestamp(value),
            Pattern::EpochMillis => match value {
                Value::Str(s) => parse_epoch_millis(s.trim()),
                other => parse_timestamp(other),
            },
            Pattern::EpochSeconds => match value {
                Value::Int(s) => s.checked_mul(1_000_000_000),
                Value::Str(s) => s.trim().parse::<i64>().ok()?.checked_mul(1_000_000_000),
                _ => None,
            },
            Pattern::Chrono { pattern, date_only } => {
                let text = value.as_str()?.trim();
                if *date_only {
                    NaiveDate::parse_from_str(text, pattern)
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .and_then(|dt| dt.and_utc().timestamp_nanos_opt())
                } else {
                    NaiveDateTime::parse_from_str(text, pattern)
                        .ok()
                        .and_then(|dt| dt.and_utc().timestamp_nanos_opt())
                }
            }
        })
    }
}

/// Translates the common letters of a Java date pattern to chrono's.
fn java_to_chrono(java: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = java.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let piece = match (c, run) {
            ('y' | 'u', 2) => "%y".to_string(),
            ('y' | 'u', _) => "%Y".to_string(),
            ('M', 1 | 2) => "%m".to_string(),
            ('M', 3) => "%b".to_string(),
            ('M', _) => "%B".to_string(),
            ('d', _) => "%d".to_string(),
            ('H', _) => "%H".to_string(),
            ('m', _) => "%M".to_string(),
            ('s', _) => "%S".to_string(),
            ('S', _) => "%.f".to_string(),
            ('\'', _) => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == '\'')
                    .map_or(chars.len(), |p| i + 1 + p);
                out.extend(chars[i + 1..end].iter());
                i = end + 1;
                continue;
            }
            (other, n) => other.to_string().repeat(n),
        };
        out.push_str(&piece);
        i += run;
    }
    out.replace(".%.f", "%.f")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value<'static> {
        Value::Str(text.to_string().into())
    }

    #[test]
    fn timestamps_parse_iso_and_epoch() {
        assert_eq!(
            parse_timestamp(&s("1970-01-01T00:00:01.5Z")),
            Some(1_500_000_000)
        );
        assert_eq!(
            parse_timestamp(&s("1970-01-01T00:00:01")),
            Some(1_000_000_000)
        );
        assert_eq!(parse_timestamp(&s("1970-01-01T01:00:00+01:00")), Some(0));
        assert_eq!(parse_timestamp(&s("123")), Some(123_000_000));
        assert_eq!(parse_timestamp(&s("12345")), Some(12_345_000_000));
        assert_eq!(parse_timestamp(&s("1970")), Some(0));
        assert_eq!(
            parse_timestamp(&s("1970-02")),
            Some(31 * 86_400_000_000_000)
        );
        assert_eq!(
            parse_timestamp(&s("131485996510.000123")),
            Some(131_485_996_510_000_123)
        );
        assert_eq!(parse_timestamp(&s("1970-01-02")), Some(86_400_000_000_000));
        assert_eq!(parse_timestamp(&s("yesterday")), None);
        assert_eq!(parse_timestamp(&Value::Int(2)), Some(2_000_000));
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn mapping_formats_parse_by_instant() {
        let day = Some(1_671_235_200_000_000_000);
        assert_eq!(
            DateFormat::from_mapping("dd-MM-yyyy").parse(&s("17-12-2022")),
            day
        );
        assert_eq!(
            DateFormat::from_mapping("yyyy-MM-dd").parse(&s("2022-12-17")),
            day
        );
        let either = DateFormat::from_mapping("dd-MM-yyyy||epoch_millis");
        assert_eq!(either.parse(&s("1671235200000")), day);
        let with_time = DateFormat::from_mapping("yyyy-MM-dd'T'HH:mm:ss");
        assert_eq!(with_time.parse(&s("2022-12-17T00:00:00")), day);
        assert_eq!(DateFormat::default().parse(&s("2022-12-17")), day);
    }
}
