//! Writes the sample logs that `hunt` reads when it runs with no arguments.
//!
//! The output is a fixed, reproducible stream of Elastic Defend-style ECS
//! events from a fleet of 20 hosts, in `@timestamp` order: process, network,
//! DNS, file and registry noise, plus planted activity for the rule
//! "Remotely Started Services via RPC" in `rules/windows/`. The planted
//! activity contains true positives and near misses that must not match, and
//! each planted pattern has a host to itself for 5 s either side, so the
//! patterns cannot pair with each other. The noise never involves
//! `services.exe`, so every match the rule finds is a planted true
//! positive.
//!
//! ```text
//! cargo run --example make_samples [-- OUT]
//! ```
//!
//! OUT defaults to `examples/data/sample.ndjson`. Every run writes the same
//! bytes, and `tests/hunt_cli.rs` compares them with the committed sample.

use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

const DEFAULT_OUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sample.ndjson");

/// 2024-05-14T10:00:00.000Z in milliseconds since the Unix epoch.
const START_MS: i64 = 1_715_680_800_000;
/// Length of the stream in milliseconds (20 minutes).
const SPAN_MS: i64 = 20 * 60 * 1000;
/// Number of background events.
const NOISE_EVENTS: usize = 1700;
/// Minimum distance between two planted patterns on one host.
const PATTERN_SPACING_MS: i64 = 5000;
/// The rule's maxspan in milliseconds.
const MAXSPAN_MS: i64 = 1000;
/// Seed of the generator. A new seed changes every event, so commit the
/// regenerated sample with it.
const SEED: u64 = 0x5eed_2024_0514;

const SYSTEM32: &str = "C:\\Windows\\System32\\";

/// SplitMix64: a small, fast generator with a fixed output for a fixed
/// seed, which is all a reproducible sample needs.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Returns a number in `0..bound`. The modulo bias does not matter for
    /// sample data.
    fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low) as u64) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, digits: usize) -> String {
        let value = self.next_u64();
        format!("{value:016x}")[16 - digits..].to_string()
    }
}

// ---------------------------------------------------------------------------
// Output records: field order is fixed by the struct definitions, so the
// bytes do not depend on how serde_json orders map keys.

#[derive(Serialize, Clone)]
struct Agent {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
}

#[derive(Serialize, Clone)]
struct Os {
    full: &'static str,
    name: &'static str,
    platform: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize, Clone)]
struct HostFields {
    id: String,
    ip: Vec<String>,
    name: String,
    os: Os,
}

#[derive(Serialize)]
struct DataStream {
    dataset: &'static str,
    namespace: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Ecs {
    version: &'static str,
}

#[derive(Serialize)]
struct EventFields {
    action: &'static str,
    category: Vec<&'static str>,
    dataset: &'static str,
    id: String,
    kind: &'static str,
    module: &'static str,
    sequence: u64,
    #[serde(rename = "type")]
    kind_of_change: Vec<&'static str>,
}

#[derive(Serialize, Clone)]
struct ParentFields {
    entity_id: String,
    executable: String,
    name: String,
    pid: u32,
}

#[derive(Serialize)]
struct ProcessFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command_line: Option<String>,
    entity_id: String,
    executable: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<i32>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<ParentFields>,
    pid: u32,
}

#[derive(Serialize)]
struct NetworkFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    protocol: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transport: Option<&'static str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
}

#[derive(Serialize)]
struct EndpointFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    ip: String,
    port: u16,
}

#[derive(Serialize)]
struct DnsQuestion {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct DnsFields {
    question: DnsQuestion,
}

#[derive(Serialize)]
struct FileFields {
    extension: &'static str,
    name: String,
    path: String,
    size: u64,
}

#[derive(Serialize)]
struct RegistryData {
    strings: Vec<String>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct RegistryFields {
    data: RegistryData,
    hive: &'static str,
    key: &'static str,
    path: String,
    value: &'static str,
}

#[derive(Serialize, Clone)]
struct UserFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<&'static str>,
    name: String,
}

#[derive(Serialize)]
struct Record {
    #[serde(rename = "@timestamp")]
    timestamp: String,
    agent: Agent,
    data_stream: DataStream,
    ecs: Ecs,
    event: EventFields,
    host: HostFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    process: Option<ProcessFields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<NetworkFields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<EndpointFields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination: Option<EndpointFields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns: Option<DnsFields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<FileFields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registry: Option<RegistryFields>,
    user: UserFields,
}

// ---------------------------------------------------------------------------
// The fleet.

/// A long-running process of a host.
#[derive(Clone)]
struct Proc {
    name: &'static str,
    pid: u32,
    entity_id: String,
    executable: String,
}

impl Proc {
    fn as_parent(&self) -> ParentFields {
        ParentFields {
            entity_id: self.entity_id.clone(),
            executable: self.executable.clone(),
            name: self.name.to_string(),
            pid: self.pid,
        }
    }

    fn as_actor(&self) -> ProcessFields {
        ProcessFields {
            args: None,
            command_line: None,
            entity_id: self.entity_id.clone(),
            executable: self.executable.clone(),
            exit_code: None,
            name: self.name.to_string(),
            parent: None,
            pid: self.pid,
        }
    }
}

struct Host {
    windows: bool,
    fields: HostFields,
    agent: Agent,
    ip: String,
    user: &'static str,
    procs: Vec<Proc>,
    sequence: u64,
}

impl Host {
    fn services(&self) -> &Proc {
        self.procs
            .iter()
            .find(|p| p.name == "services.exe")
            .expect("every Windows host runs services.exe")
    }

    fn proc_named(&self, name: &str) -> Option<&Proc> {
        self.procs.iter().find(|p| p.name == name)
    }
}

const WINDOWS_LONG_RUNNING: &[(&str, &str)] = &[
    ("System", "System"),
    ("services.exe", "C:\\Windows\\System32\\services.exe"),
    ("lsass.exe", "C:\\Windows\\System32\\lsass.exe"),
    ("svchost.exe", "C:\\Windows\\System32\\svchost.exe"),
    ("spoolsv.exe", "C:\\Windows\\System32\\spoolsv.exe"),
    ("explorer.exe", "C:\\Windows\\explorer.exe"),
    (
        "chrome.exe",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    ),
    (
        "OUTLOOK.EXE",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    ),
    (
        "MsMpEng.exe",
        "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MsMpEng.exe",
    ),
];

const LINUX_LONG_RUNNING: &[(&str, &str)] = &[
    ("systemd", "/usr/lib/systemd/systemd"),
    ("sshd", "/usr/sbin/sshd"),
    ("bash", "/usr/bin/bash"),
    ("nginx", "/usr/sbin/nginx"),
    ("cron", "/usr/sbin/cron"),
];

/// A program: its name, its executable and the arguments after the
/// executable.
type Program = (&'static str, &'static str, &'static [&'static str]);

/// Parent names, each with the programs it starts.
type ChildTable = &'static [(&'static str, &'static [Program])];

/// Short-lived children started by the long-running processes in the
/// noise, by parent name. services.exe is deliberately absent.
const WINDOWS_CHILDREN: ChildTable = &[
    (
        "explorer.exe",
        &[
            ("notepad.exe", "C:\\Windows\\System32\\notepad.exe", &[]),
            (
                "cmd.exe",
                "C:\\Windows\\System32\\cmd.exe",
                &["/c", "ipconfig", "/all"],
            ),
            (
                "powershell.exe",
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                &["-NoProfile"],
            ),
            (
                "WINWORD.EXE",
                "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                &["/n"],
            ),
        ],
    ),
    (
        "svchost.exe",
        &[
            (
                "WmiPrvSE.exe",
                "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
                &["-Embedding"],
            ),
            ("taskhostw.exe", "C:\\Windows\\System32\\taskhostw.exe", &[]),
            (
                "RuntimeBroker.exe",
                "C:\\Windows\\System32\\RuntimeBroker.exe",
                &["-Embedding"],
            ),
        ],
    ),
    (
        "chrome.exe",
        &[(
            "chrome.exe",
            "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            &["--type=utility"],
        )],
    ),
];

const LINUX_CHILDREN: ChildTable = &[
    (
        "bash",
        &[
            ("ls", "/usr/bin/ls", &["-la", "/var/log"]),
            ("grep", "/usr/bin/grep", &["-r", "error", "/var/log/app"]),
        ],
    ),
    (
        "cron",
        &[(
            "sh",
            "/usr/bin/sh",
            &["-c", "run-parts --report /etc/cron.hourly"],
        )],
    ),
    ("sshd", &[("bash", "/usr/bin/bash", &[])]),
];

const USERS: &[&str] = &["jsmith", "adoe", "mbrown", "kwilson", "lgarcia", "tnguyen"];
const DOMAINS: &[&str] = &[
    "login.microsoftonline.com",
    "outlook.office365.com",
    "update.googleapis.com",
    "fileserver01.corp.example.com",
    "dc01.corp.example.com",
];
const FILE_EXTENSIONS: &[&str] = &["tmp", "log", "dat", "docx", "json", "etl"];
const REGISTRY_KEYS: &[(&str, &str, &str)] = &[
    (
        "HKLM",
        "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update",
        "LastOnlineScanTimeForAppCategory",
    ),
    (
        "HKLM",
        "SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates",
        "SignaturesLastUpdated",
    ),
    (
        "HKLM",
        "SYSTEM\\ControlSet001\\Services\\W32Time\\Config",
        "LastKnownGoodTime",
    ),
];

/// Encodes bytes as standard base64 with padding, the form Elastic Defend
/// uses for entity ids.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Builds an entity id the way Elastic Defend does: base64 of the agent id,
/// the process id and the start time as a Windows FILETIME.
fn entity_id(agent_id: &str, pid: u32, start_ms: i64) -> String {
    let filetime = (start_ms + 11_644_473_600_000) * 10_000;
    base64(format!("{agent_id}-{pid}-{filetime}").as_bytes())
}

fn uuid(rng: &mut SplitMix64) -> String {
    format!(
        "{}-{}-4{}-{}-{}",
        rng.hex(8),
        rng.hex(4),
        rng.hex(3),
        rng.hex(4),
        rng.hex(12)
    )
}

fn pid(rng: &mut SplitMix64) -> u32 {
    (rng.range(1000, 60000) as u32) & !3
}

fn make_host(index: usize, rng: &mut SplitMix64) -> Host {
    let windows = index < 17;
    let name = match index {
        0..=13 => format!("ws-{:04}", index + 1),
        14..=16 => format!("srv-{:04}", index - 13),
        _ => format!("lnx-{:04}", index - 16),
    };
    let os = if !windows {
        Os {
            full: "Ubuntu 22.04.4",
            name: "Linux",
            platform: "ubuntu",
            kind: "linux",
        }
    } else if index >= 14 {
        Os {
            full: "Windows Server 2022 Datacenter 21H2 (10.0.20348.2402)",
            name: "Windows",
            platform: "windows",
            kind: "windows",
        }
    } else {
        Os {
            full: "Windows 10 Enterprise 22H2 (10.0.19045.4291)",
            name: "Windows",
            platform: "windows",
            kind: "windows",
        }
    };
    let ip = format!("10.42.{}.{}", index / 8 + 1, 10 + index * 7 % 200);
    let agent = Agent {
        id: uuid(rng),
        kind: "endpoint",
        version: "8.13.2",
    };
    let boot_ms = START_MS - rng.range(3_600_000, 10 * 86_400_000);
    let table = if windows {
        WINDOWS_LONG_RUNNING
    } else {
        LINUX_LONG_RUNNING
    };
    let procs = table
        .iter()
        .map(|(name, executable)| {
            let pid = match *name {
                "System" => 4,
                "systemd" => 1,
                _ => pid(rng),
            };
            Proc {
                name,
                pid,
                entity_id: entity_id(&agent.id, pid, boot_ms + rng.range(1000, 90_000)),
                executable: executable.to_string(),
            }
        })
        .collect();
    Host {
        windows,
        fields: HostFields {
            id: uuid(rng),
            ip: vec![ip.clone()],
            name,
            os,
        },
        agent,
        ip,
        user: rng.pick::<&str>(USERS),
        procs,
        sequence: rng.range(10_000, 5_000_000) as u64,
    }
}

// ---------------------------------------------------------------------------
// Event builders.

/// Formats milliseconds since the Unix epoch as ISO 8601 with milliseconds
/// and `Z`.
fn format_timestamp(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date, counting
/// in 400-year eras that start on March 1st so leap days fall at the end
/// of a year.
fn civil_date(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn system_user() -> UserFields {
    UserFields {
        domain: Some("NT AUTHORITY"),
        name: "SYSTEM".to_string(),
    }
}

fn host_user(host: &Host) -> UserFields {
    if host.windows {
        UserFields {
            domain: Some("CORP"),
            name: host.user.to_string(),
        }
    } else {
        UserFields {
            domain: None,
            name: "root".to_string(),
        }
    }
}

/// Builds the fields every event has, and the caller fills in the rest.
fn envelope(
    host: &mut Host,
    ms: i64,
    rng: &mut SplitMix64,
    dataset: &'static str,
    action: &'static str,
    category: &'static str,
    kind_of_change: Vec<&'static str>,
) -> Record {
    host.sequence += 1;
    let user = host_user(host);
    Record {
        timestamp: format_timestamp(ms),
        agent: host.agent.clone(),
        data_stream: DataStream {
            dataset,
            namespace: "default",
            kind: "logs",
        },
        ecs: Ecs { version: "8.10.0" },
        event: EventFields {
            action,
            category: vec![category],
            dataset,
            id: format!("N{}", rng.hex(15)),
            kind: "event",
            module: "endpoint",
            sequence: host.sequence,
            kind_of_change,
        },
        host: host.fields.clone(),
        process: None,
        network: None,
        source: None,
        destination: None,
        dns: None,
        file: None,
        registry: None,
        user,
    }
}

fn command_line(args: &[String]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("\"{a}\"")
            } else {
                a.clone()
            }
        })
        .collect();
    quoted.join(" ")
}

/// Builds a process start or end for the noise: a child of explorer.exe,
/// svchost.exe, bash and the like, never of services.exe.
fn noise_process(host: &mut Host, ms: i64, rng: &mut SplitMix64, end: bool) -> Record {
    let table = if host.windows {
        WINDOWS_CHILDREN
    } else {
        LINUX_CHILDREN
    };
    let (parent_name, children) = rng.pick(table);
    let parent = host
        .proc_named(parent_name)
        .expect("every parent of the child table runs on the host")
        .as_parent();
    let (name, executable, extra) = rng.pick(children);
    let mut args = vec![executable.to_string()];
    args.extend(extra.iter().map(|a| a.to_string()));
    let pid = pid(rng);
    let started = if end {
        ms - rng.range(5000, 600_000)
    } else {
        ms
    };
    let entity_id = entity_id(&host.agent.id, pid, started);
    let (action, kind) = if end {
        ("end", "end")
    } else {
        ("start", "start")
    };

    let mut record = envelope(
        host,
        ms,
        rng,
        "endpoint.events.process",
        action,
        "process",
        vec![kind],
    );
    record.process = Some(ProcessFields {
        command_line: Some(command_line(&args)),
        args: Some(args),
        entity_id,
        executable: executable.to_string(),
        exit_code: end.then_some(0),
        name: name.to_string(),
        parent: Some(parent),
        pid,
    });
    record
}

/// Picks a long-running process other than services.exe and System.
fn noise_actor(host: &Host, rng: &mut SplitMix64) -> Proc {
    let candidates: Vec<&Proc> = host
        .procs
        .iter()
        .filter(|p| p.name != "services.exe" && p.name != "System")
        .collect();
    (*rng.pick(&candidates)).clone()
}

fn noise_outbound(host: &mut Host, ms: i64, rng: &mut SplitMix64) -> Record {
    let actor = noise_actor(host, rng);
    let destination = format!(
        "{}.{}.{}.{}",
        rng.pick(&[13u8, 20, 40, 52, 104, 142]),
        rng.below(256),
        rng.below(256),
        rng.range(1, 255)
    );
    let direction = *rng.pick(&["egress", "outgoing"]);
    let transport = if rng.below(100) < 85 { "tcp" } else { "udp" };
    let source_port = rng.range(49152, 65535) as u16;
    let destination_port = *rng.pick(&[443u16, 443, 443, 80, 53, 123]);
    let ip = host.ip.clone();

    let mut record = envelope(
        host,
        ms,
        rng,
        "endpoint.events.network",
        "connection_attempted",
        "network",
        vec!["start"],
    );
    record.process = Some(actor.as_actor());
    record.network = Some(NetworkFields {
        direction: Some(direction),
        protocol: None,
        transport: Some(transport),
        kind: Some("ipv4"),
    });
    record.source = Some(endpoint(&ip, source_port, true));
    record.destination = Some(endpoint(&destination, destination_port, true));
    record
}

/// Builds an inbound connection to a service other than services.exe: SMB to
/// System, RPC to svchost.exe, SSH or HTTPS on Linux. Some of these use
/// high ports on both sides, like the RPC traffic the rule looks for.
fn noise_inbound(host: &mut Host, ms: i64, rng: &mut SplitMix64) -> Record {
    let names: &[&str] = if host.windows {
        &["System", "svchost.exe", "lsass.exe", "spoolsv.exe"]
    } else {
        &["sshd", "nginx"]
    };
    let name = *rng.pick(names);
    let actor = host
        .proc_named(name)
        .expect("the inbound services run on the host")
        .clone();
    let port = match actor.name {
        "System" => 445,
        "sshd" => 22,
        "nginx" => 443,
        _ => *rng.pick(&[135u16, 3389, 49664, 49668, 49671]),
    };
    let peer = format!("10.42.{}.{}", rng.range(1, 4), rng.range(10, 200));
    let direction = *rng.pick(&["incoming", "ingress"]);
    let source_port = rng.range(49152, 65535) as u16;
    let ip = host.ip.clone();

    let mut record = envelope(
        host,
        ms,
        rng,
        "endpoint.events.network",
        "connection_accepted",
        "network",
        vec!["start"],
    );
    record.process = Some(actor.as_actor());
    record.network = Some(NetworkFields {
        direction: Some(direction),
        protocol: None,
        transport: Some("tcp"),
        kind: Some("ipv4"),
    });
    record.source = Some(endpoint(&peer, source_port, true));
    record.destination = Some(endpoint(&ip, port, true));
    record.user = system_user();
    record
}

fn noise_dns(host: &mut Host, ms: i64, rng: &mut SplitMix64) -> Record {
    let actor = noise_actor(host, rng);
    let name = *rng.pick(DOMAINS);

    let mut record = envelope(
        host,
        ms,
        rng,
        "endpoint.events.network",
        "lookup_requested",
        "network",
        vec!["protocol", "info"],
    );
    record.process = Some(actor.as_actor());
    record.network = Some(NetworkFields {
        direction: None,
        protocol: Some("dns"),
        transport: None,
        kind: None,
    });
    record.dns = Some(DnsFields {
        question: DnsQuestion { name, kind: "A" },
    });
    record
}

fn noise_file(host: &mut Host, ms: i64, rng: &mut SplitMix64) -> Record {
    let actor = noise_actor(host, rng);
    let extension = *rng.pick(FILE_EXTENSIONS);
    let name = format!("{}.{extension}", rng.hex(8));
    let folder = if host.windows {
        format!("C:\\Users\\{}\\AppData\\Local\\Temp\\", host.user)
    } else {
        "/var/log/app/".to_string()
    };
    let (action, kind) = *rng.pick(&[
        ("creation", "creation"),
        ("overwrite", "change"),
        ("deletion", "deletion"),
    ]);
    let size = rng.below(5_000_000);

    let mut record = envelope(
        host,
        ms,
        rng,
        "endpoint.events.file",
        action,
        "file",
        vec![kind],
    );
    record.process = Some(actor.as_actor());
    record.file = Some(FileFields {
        extension,
        path: format!("{folder}{name}"),
        name,
        size,
    });
    record
}

fn noise_registry(host: &mut Host, ms: i64, rng: &mut SplitMix64) -> Record {
    let actor = noise_actor(host, rng);
    let (hive, key, value) = *rng.pick(REGISTRY_KEYS);
    let data = rng.below(1 << 40).to_string();

    let mut record = envelope(
        host,
        ms,
        rng,
        "endpoint.events.registry",
        "modification",
        "registry",
        vec!["change"],
    );
    record.process = Some(actor.as_actor());
    record.registry = Some(RegistryFields {
        data: RegistryData {
            strings: vec![data],
            kind: "REG_SZ",
        },
        hive,
        key,
        path: format!("{hive}\\{key}\\{value}"),
        value,
    });
    record
}

fn endpoint(ip: &str, port: u16, with_address: bool) -> EndpointFields {
    EndpointFields {
        address: with_address.then(|| ip.to_string()),
        ip: ip.to_string(),
        port,
    }
}

fn noise_event(host: &mut Host, ms: i64, rng: &mut SplitMix64) -> Record {
    // Percent weights of the background mix, close to what an endpoint
    // fleet sends; Linux hosts write files where Windows hosts write the
    // registry.
    let roll = rng.below(100);
    match roll {
        0..=27 => noise_file(host, ms, rng),
        28..=44 if host.windows => noise_registry(host, ms, rng),
        28..=44 => noise_file(host, ms, rng),
        45..=63 => noise_outbound(host, ms, rng),
        64..=71 => noise_dns(host, ms, rng),
        72..=80 => noise_process(host, ms, rng, false),
        81..=88 => noise_process(host, ms, rng, true),
        _ => noise_inbound(host, ms, rng),
    }
}

// ---------------------------------------------------------------------------
// Planted activity around services.exe.

/// The services.exe connection of a planted pattern.
struct Connection {
    source: Option<&'static str>,
    source_port: u16,
    destination_port: u16,
    direction: &'static str,
    transport: &'static str,
    process_name: &'static str,
}

impl Connection {
    /// Returns a remote RPC connection that the rule's first stage accepts.
    fn remote() -> Self {
        Connection {
            source: Some("10.42.3.77"),
            source_port: 0,
            destination_port: 0,
            direction: "incoming",
            transport: "tcp",
            process_name: "services.exe",
        }
    }
}

fn service_connection(host: &mut Host, ms: i64, rng: &mut SplitMix64, c: &Connection) -> Record {
    let mut actor = host.services().as_actor();
    actor.name = c.process_name.to_string();
    let source_port = if c.source_port == 0 {
        rng.range(49152, 65535) as u16
    } else {
        c.source_port
    };
    let destination_port = if c.destination_port == 0 {
        *rng.pick(&[49666u16, 49668, 49670, 49673, 49712, 50123])
    } else {
        c.destination_port
    };
    let action = if c.direction == "egress" {
        "connection_attempted"
    } else {
        "connection_accepted"
    };
    let ip = host.ip.clone();

    let mut record = envelope(
        host,
        ms,
        rng,
        "endpoint.events.network",
        action,
        "network",
        vec!["start"],
    );
    let source = c.source.unwrap_or("10.42.3.77");

    record.process = Some(actor);
    record.network = Some(NetworkFields {
        direction: Some(c.direction),
        protocol: None,
        transport: Some(c.transport),
        kind: Some(if source.contains(':') { "ipv6" } else { "ipv4" }),
    });
    // A connection without source.address stands for sources that map
    // only source.ip, such as the Sysmon integration.
    record.source = Some(endpoint(source, source_port, c.source.is_some()));
    record.destination = Some(endpoint(&ip, destination_port, true));
    record.user = system_user();
    record
}

/// The program a planted service start runs.
#[derive(Clone, Copy)]
enum Service {
    PsExec,
    EncodedPowerShell,
    RandomName,
    Rundll32,
    MsiexecInstall,
    MsiexecVerify,
    SvchostSchedule,
    SvchostTileData,
}

fn service_program(service: Service, rng: &mut SplitMix64) -> (String, String, Vec<String>) {
    let system32 = |name: &str| format!("{SYSTEM32}{name}");
    let (name, executable, extra): (String, String, Vec<String>) = match service {
        Service::PsExec => (
            "PSEXESVC.exe".into(),
            "C:\\Windows\\PSEXESVC.exe".into(),
            vec![],
        ),
        Service::EncodedPowerShell => (
            "cmd.exe".into(),
            system32("cmd.exe"),
            vec![
                "/c".into(),
                "start".into(),
                "/b".into(),
                "/min".into(),
                "powershell.exe".into(),
                "-nop".into(),
                "-w".into(),
                "hidden".into(),
                "-enc".into(),
                format!("SQBFAFgAIAAo{}", rng.hex(12)),
            ],
        ),
        Service::RandomName => {
            let name: String = (0..8)
                .map(|_| (b'a' + rng.below(26) as u8) as char)
                .collect();
            (
                format!("{name}.exe"),
                format!("C:\\Windows\\{name}.exe"),
                vec![],
            )
        }
        Service::Rundll32 => (
            "rundll32.exe".into(),
            system32("rundll32.exe"),
            vec![format!("C:\\Users\\Public\\{}.dll,Start", rng.hex(6))],
        ),
        Service::MsiexecInstall => (
            "msiexec.exe".into(),
            system32("msiexec.exe"),
            vec![
                "/i".into(),
                format!("C:\\Windows\\Temp\\{}.msi", rng.hex(8)),
                "/qn".into(),
            ],
        ),
        Service::MsiexecVerify => (
            "msiexec.exe".into(),
            system32("msiexec.exe"),
            vec!["/V".into()],
        ),
        Service::SvchostSchedule => (
            "svchost.exe".into(),
            system32("svchost.exe"),
            ["-k", "netsvcs", "-p", "-s", "Schedule"]
                .map(String::from)
                .to_vec(),
        ),
        Service::SvchostTileData => (
            "svchost.exe".into(),
            system32("svchost.exe"),
            ["-k", "LocalService", "-p", "-s", "tiledatamodelsvc"]
                .map(String::from)
                .to_vec(),
        ),
    };
    let mut args = vec![executable.clone()];
    args.extend(extra);
    (name, executable, args)
}

/// Builds the start or end event of a process whose parent is services.exe.
/// `parent` is the services.exe process recorded as the parent, which a
/// near miss may take from another host.
fn service_start(
    host: &mut Host,
    ms: i64,
    rng: &mut SplitMix64,
    pattern: &Pattern,
    parent: ParentFields,
) -> Record {
    let end = pattern.end;
    let (name, executable, args) = service_program(pattern.service, rng);
    let pid = pid(rng);
    let started = if end {
        ms - rng.range(5000, 60_000)
    } else {
        ms
    };
    let entity_id = entity_id(&host.agent.id, pid, started);
    let (action, kinds) = if end {
        ("end", vec!["end"])
    } else {
        ("start", pattern.start_types.to_vec())
    };

    let mut record = envelope(
        host,
        ms,
        rng,
        "endpoint.events.process",
        action,
        "process",
        kinds,
    );
    record.process = Some(ProcessFields {
        command_line: Some(command_line(&args)),
        args: Some(args),
        entity_id,
        executable,
        exit_code: end.then_some(0),
        name,
        parent: Some(parent),
        pid,
    });
    record.user = system_user();
    record
}

/// A planted pattern: a services.exe connection and a service start, with
/// the variations that decide whether the rule matches.
struct Pattern {
    /// True when the rule must match the pattern.
    matches: bool,
    connection: Connection,
    service: Service,
    /// Milliseconds from the connection to the service start, negative
    /// when the service starts first.
    gap_ms: i64,
    /// Whether the service start is a process end event.
    end: bool,
    /// The `event.type` values of the service start when it is a start.
    start_types: &'static [&'static str],
    /// Whether the service start is logged by another host that names the
    /// first host's services.exe as its parent.
    other_host: bool,
    /// Whether the connection has no service start at all.
    connection_only: bool,
    /// Whether the service start has no connection at all.
    start_only: bool,
}

impl Pattern {
    fn new(matches: bool, service: Service, gap_ms: i64) -> Self {
        Pattern {
            matches,
            connection: Connection::remote(),
            service,
            gap_ms,
            end: false,
            start_types: &["start"],
            other_host: false,
            connection_only: false,
            start_only: false,
        }
    }

    fn with_connection(mut self, change: impl FnOnce(&mut Connection)) -> Self {
        change(&mut self.connection);
        self
    }
}

/// Lists the planted patterns: one true positive of each kind the rule
/// accepts, one near miss of each kind it rejects, and lone services.exe
/// activity that has no partner.
fn patterns() -> Vec<Pattern> {
    use Service::*;
    let mut list = vec![
        // True positives, each with its own gap so a test can tell them
        // apart.
        Pattern::new(true, PsExec, 130),
        Pattern::new(true, EncodedPowerShell, 578),
        // maxspan is inclusive: exactly 1000 ms still matches.
        Pattern::new(true, RandomName, MAXSPAN_MS),
        Pattern::new(true, Rundll32, 245).with_connection(|c| c.process_name = "SERVICES.EXE"),
        Pattern::new(true, EncodedPowerShell, 410).with_connection(|c| c.source = None),
        Pattern::new(true, MsiexecInstall, 720),
        Pattern::new(true, SvchostSchedule, 60).with_connection(|c| c.direction = "ingress"),
        Pattern::new(true, PsExec, 333)
            .with_connection(|c| c.source = Some("fe80::8d4c:21b7:3c1e:9a02")),
        // `in` matches when any value of the multi-valued event.type is
        // listed.
        Pattern {
            start_types: &["info", "start"],
            ..Pattern::new(true, MsiexecInstall, 875)
        },
        // Near misses.
        Pattern::new(false, RandomName, MAXSPAN_MS + 1),
        Pattern::new(false, PsExec, 200).with_connection(|c| c.source = Some("127.0.0.1")),
        Pattern::new(false, PsExec, 200).with_connection(|c| c.source = Some("::1")),
        Pattern::new(false, EncodedPowerShell, 200).with_connection(|c| c.source_port = 49151),
        Pattern::new(false, EncodedPowerShell, 200).with_connection(|c| c.destination_port = 135),
        Pattern::new(false, Rundll32, 200).with_connection(|c| c.direction = "egress"),
        Pattern::new(false, SvchostTileData, 200),
        Pattern::new(false, MsiexecVerify, 200),
        Pattern::new(false, PsExec, -300),
        Pattern::new(false, EncodedPowerShell, 200).with_connection(|c| c.transport = "TCP"),
        Pattern::new(false, EncodedPowerShell, 200).with_connection(|c| c.transport = "udp"),
    ];
    let mut other_host = Pattern::new(false, PsExec, 200);
    other_host.other_host = true;
    list.push(other_host);
    let mut ended = Pattern::new(false, RandomName, 200);
    ended.end = true;
    list.push(ended);
    for _ in 0..6 {
        let mut lone_connection = Pattern::new(false, SvchostSchedule, 0);
        lone_connection.connection_only = true;
        list.push(lone_connection);
        let mut lone_start = Pattern::new(false, SvchostSchedule, 0);
        lone_start.start_only = true;
        list.push(lone_start);
    }
    list
}

/// Reserves a time on a host that is at least PATTERN_SPACING_MS away from
/// every other reservation on it.
fn reserve(busy: &mut [Vec<i64>], host: usize, rng: &mut SplitMix64) -> i64 {
    loop {
        let at = rng.range(PATTERN_SPACING_MS, SPAN_MS - PATTERN_SPACING_MS);
        if busy[host]
            .iter()
            .all(|&other| (other - at).abs() >= PATTERN_SPACING_MS)
        {
            busy[host].push(at);
            return at;
        }
    }
}

fn plant(
    hosts: &mut [Host],
    rng: &mut SplitMix64,
    busy: &mut [Vec<i64>],
    pattern: &Pattern,
    out: &mut Vec<(i64, Record)>,
) {
    let windows: Vec<usize> = (0..hosts.len()).filter(|&i| hosts[i].windows).collect();
    let first = *rng.pick(&windows);
    let at = reserve(busy, first, rng);
    let mut second = first;
    if pattern.other_host {
        let free: Vec<usize> = windows
            .iter()
            .copied()
            .filter(|&i| {
                i != first
                    && busy[i]
                        .iter()
                        .all(|&o| (o - at).abs() >= PATTERN_SPACING_MS)
            })
            .collect();
        second = *rng.pick(&free);
        busy[second].push(at);
    }
    let parent = hosts[first].services().as_parent();
    if !pattern.start_only {
        let ms = START_MS + at;
        let record = service_connection(&mut hosts[first], ms, rng, &pattern.connection);
        out.push((ms, record));
    }
    if !pattern.connection_only {
        let ms = START_MS + at + pattern.gap_ms;
        let record = service_start(&mut hosts[second], ms, rng, pattern, parent);
        out.push((ms, record));
    }
}

fn main() -> Result<(), String> {
    let out_path = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from(DEFAULT_OUT), PathBuf::from);
    let mut rng = SplitMix64(SEED);
    let mut hosts: Vec<Host> = (0..20).map(|i| make_host(i, &mut rng)).collect();
    let mut busy = vec![Vec::new(); hosts.len()];
    let mut records: Vec<(i64, Record)> = Vec::new();
    let planted = patterns();
    for pattern in &planted {
        plant(&mut hosts, &mut rng, &mut busy, pattern, &mut records);
    }
    for _ in 0..NOISE_EVENTS {
        let host = rng.below(hosts.len() as u64) as usize;
        let ms = START_MS + rng.range(0, SPAN_MS);
        let record = noise_event(&mut hosts[host], ms, &mut rng);
        records.push((ms, record));
    }
    // A stable sort keeps the generation order of events with equal
    // timestamps, so the output is the same on every platform.
    records.sort_by_key(|(ms, _)| *ms);

    let file = std::fs::File::create(&out_path)
        .map_err(|e| format!("cannot create {}: {e}", out_path.display()))?;
    let mut writer = BufWriter::new(file);
    for (_, record) in &records {
        let line =
            serde_json::to_string(record).map_err(|e| format!("cannot serialize an event: {e}"))?;
        writeln!(writer, "{line}")
            .map_err(|e| format!("cannot write {}: {e}", out_path.display()))?;
    }
    writer
        .flush()
        .map_err(|e| format!("cannot write {}: {e}", out_path.display()))?;
    let true_positives = planted.iter().filter(|p| p.matches).count();
    eprintln!(
        "make_samples: wrote {} events to {}; planted true positives: {}, near misses and lone services.exe events: {}",
        records.len(),
        out_path.display(),
        true_positives,
        planted.len() - true_positives
    );
    Ok(())
}
