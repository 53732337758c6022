//! Rendering matches as JSON shaped like Elasticsearch's EQL hits.

use eql_runtime::{Match, MatchEvent, RuleSet};
use serde_json::json;

/// Renders a match as one line of JSON:
/// `{"rule": {"name", "id"}, "join_keys": [...], "events": [{"_source": {...}}, ...]}`.
///
/// `_source` is the event's text as read, except that line breaks between
/// tokens (from a pretty-printed JSON array) become spaces so each result
/// stays on one line; JSON strings cannot hold raw line breaks, so no value
/// changes. A missing-event stage is `{"missing": true}`.
pub fn match_to_json(rules: &RuleSet, result: &Match) -> String {
    let rule = &rules.rules()[result.rule];
    let header = json!({ "name": rule.name, "id": rule.id });
    let join_keys: Vec<serde_json::Value> = result.join_keys.iter().map(|k| k.to_json()).collect();
    let mut out = format!(
        "{{\"rule\":{header},\"join_keys\":{},\"events\":[",
        serde_json::Value::from(join_keys)
    );
    for (index, event) in result.events.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        match event {
            MatchEvent::Event(e) => {
                out.push_str("{\"_source\":");
                let source = e.source.trim();
                if source.contains(['\n', '\r']) {
                    out.push_str(&source.replace(['\n', '\r'], " "));
                } else {
                    out.push_str(source);
                }
                out.push('}');
            }
            MatchEvent::Missing => out.push_str("{\"missing\":true}"),
        }
    }
    out.push_str("]}");
    out
}
