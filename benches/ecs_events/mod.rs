//! A deterministic generator of Elastic Defend-style ECS events for the
//! benchmarks.
//!
//! The stream comes from a fleet of Windows and Linux hosts. Most events are
//! benign process, network, file, registry and DNS activity, shaped like the
//! `logs-endpoint.events.*` documents of the Elastic Defend integration and
//! 0.9 to 1.5 kB long as NDJSON. About once every [`PLANT_INTERVAL`] events,
//! the generator plants one true positive of the reference rule: an incoming
//! RPC connection to `services.exe` followed, less than a second later, by
//! a service process that `services.exe` starts on the same host. It also
//! writes near misses that fail one condition of the rule, and service
//! starts with no connection before them, so the benchmarks exercise the
//! branches of the filters and the pending state of the sequence.

use serde_json::{json, Value};

/// The number of events between two planted true positives. A true
/// positive is left out when a pending second event takes its slot.
pub const PLANT_INTERVAL: usize = 250;

/// Epoch milliseconds of the first event: 2024-05-14T08:00:00.000Z.
const BASE_MS: u64 = 1_715_673_600_000;

/// The time of day of [`BASE_MS`] in milliseconds since midnight.
const BASE_TIME_OF_DAY_MS: u64 = 8 * 3_600_000;
/// The day of month of [`BASE_MS`].
const BASE_DAY_OF_MONTH: u64 = 14;
const MS_PER_DAY: u64 = 86_400_000;

/// The generated NDJSON lines and how many sequence matches they hold.
pub struct Generated {
    /// One JSON object per line, in timestamp order.
    pub lines: Vec<String>,
    /// The number of planted true positives. Each one yields exactly one
    /// sequence match of the reference rule, and benign events form none.
    pub planted_matches: usize,
}

/// Generates `count` events from `seed`; the same arguments always give the
/// same lines.
pub fn generate(count: usize, seed: u64) -> Generated {
    Generator::new(seed).run(count)
}

/// A SplitMix64 generator: small, fast and good enough to pick fields.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a number in `0..bound`; the modulo bias is irrelevant here.
    fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap())
            .collect()
    }

    /// Returns a random version 4 style UUID, as Elastic Agent ids look.
    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(4),
            self.hex(12)
        )
    }

    /// Returns a base64-alphabet string of `len` characters, the look of
    /// Elastic Defend's `entity_id` values.
    fn base64(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        (0..len).map(|_| char::from(*self.pick(ALPHABET))).collect()
    }
}

struct OsInfo {
    family: &'static str,
    full: &'static str,
    name: &'static str,
    platform: &'static str,
    kind: &'static str,
    version: &'static str,
}

const WINDOWS_OS: [OsInfo; 2] = [
    OsInfo {
        family: "windows",
        full: "Windows Server 2022 Datacenter 21H2 (10.0.20348.2402)",
        name: "Windows",
        platform: "windows",
        kind: "windows",
        version: "21H2",
    },
    OsInfo {
        family: "windows",
        full: "Windows 11 Enterprise 23H2 (10.0.22631.3447)",
        name: "Windows",
        platform: "windows",
        kind: "windows",
        version: "23H2",
    },
];

const LINUX_OS: OsInfo = OsInfo {
    family: "debian",
    full: "Ubuntu 22.04.4",
    name: "Linux",
    platform: "ubuntu",
    kind: "linux",
    version: "22.04.4",
};

/// A program that benign process events run: name, path and arguments.
struct Program {
    name: &'static str,
    executable: &'static str,
    args: &'static [&'static str],
}

const WINDOWS_PROGRAMS: [Program; 8] = [
    Program {
        name: "svchost.exe",
        executable: "C:\\Windows\\System32\\svchost.exe",
        args: &["-k", "netsvcs", "-p", "-s", "Schedule"],
    },
    Program {
        name: "powershell.exe",
        executable: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        args: &[
            "-NoProfile",
            "-ExecutionPolicy",
            "Bypass",
            "-File",
            "C:\\Scripts\\inventory.ps1",
        ],
    },
    Program {
        name: "chrome.exe",
        executable: "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        args: &["--type=renderer", "--lang=en-US", "--renderer-client-id=7"],
    },
    Program {
        name: "cmd.exe",
        executable: "C:\\Windows\\System32\\cmd.exe",
        args: &["/c", "ipconfig", "/all"],
    },
    Program {
        name: "conhost.exe",
        executable: "C:\\Windows\\System32\\conhost.exe",
        args: &["0xffffffff", "-ForceV1"],
    },
    Program {
        name: "OUTLOOK.EXE",
        executable: "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        args: &["/recycle"],
    },
    Program {
        name: "MsMpEng.exe",
        executable:
            "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MsMpEng.exe",
        args: &[],
    },
    Program {
        name: "TrustedInstaller.exe",
        executable: "C:\\Windows\\servicing\\TrustedInstaller.exe",
        args: &[],
    },
];

const LINUX_PROGRAMS: [Program; 4] = [
    Program {
        name: "bash",
        executable: "/usr/bin/bash",
        args: &["-c", "apt-get update"],
    },
    Program {
        name: "sshd",
        executable: "/usr/sbin/sshd",
        args: &["-D", "-R"],
    },
    Program {
        name: "python3",
        executable: "/usr/bin/python3.10",
        args: &["/opt/agent/collect.py", "--interval", "60"],
    },
    Program {
        name: "curl",
        executable: "/usr/bin/curl",
        args: &["-sS", "https://packages.example.com/index.json"],
    },
];

/// Services that `services.exe` starts in the planted true positives.
const REMOTE_SERVICES: [Program; 3] = [
    Program {
        name: "PSEXESVC.exe",
        executable: "C:\\Windows\\PSEXESVC.exe",
        args: &[],
    },
    Program {
        name: "update-agent.exe",
        executable: "C:\\Windows\\Temp\\update-agent.exe",
        args: &["--install", "--quiet"],
    },
    Program {
        name: "cmd.exe",
        executable: "C:\\Windows\\System32\\cmd.exe",
        args: &["/c", "C:\\Windows\\Temp\\run.bat"],
    },
];

/// Service starts that the rule's `not (...)` clauses exclude.
const EXCLUDED_SERVICES: [Program; 2] = [
    Program {
        name: "svchost.exe",
        executable: "C:\\Windows\\System32\\svchost.exe",
        args: &["-k", "tiledatamodelsvc"],
    },
    Program {
        name: "msiexec.exe",
        executable: "C:\\Windows\\System32\\msiexec.exe",
        args: &["/V"],
    },
];

const USERS: [&str; 5] = ["adoe", "tnguyen", "jsmith", "SYSTEM", "svc_backup"];
const DOMAINS: [&str; 4] = [
    "fileserver01.corp.example.com",
    "login.microsoftonline.com",
    "packages.example.com",
    "wpad.corp.example.com",
];
const REGISTRY_KEYS: [&str; 3] = [
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
    "SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters",
    "SOFTWARE\\Policies\\Microsoft\\Windows Defender",
];

struct Host {
    id: String,
    agent_id: String,
    name: String,
    ip: String,
    os: &'static OsInfo,
    /// The entity id of the host's one `services.exe` process, which both
    /// stages of the reference rule join on.
    services_entity_id: String,
}

impl Host {
    fn is_windows(&self) -> bool {
        self.os.kind == "windows"
    }
}

/// The second event of a planted true positive, waiting for its time.
struct PendingChild {
    due_ms: u64,
    host: usize,
    program: &'static Program,
}

struct Generator {
    rng: Rng,
    hosts: Vec<Host>,
    now_ms: u64,
    sequence: u64,
    next_planted_host: usize,
    pending: Vec<PendingChild>,
}

/// The number of hosts. Planted true positives visit them in turn, so two
/// plants on one host are far more than the one-second window apart.
const HOSTS: usize = 200;

impl Generator {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        let hosts = (0..HOSTS)
            .map(|index| {
                let windows = index % 10 != 9;
                let os = if windows {
                    &WINDOWS_OS[index % 2]
                } else {
                    &LINUX_OS
                };
                let prefix = if windows { "ws" } else { "lnx" };
                Host {
                    id: rng.uuid(),
                    agent_id: rng.uuid(),
                    name: format!("{prefix}-{index:04}"),
                    ip: format!(
                        "10.{}.{}.{}",
                        1 + index / 100,
                        rng.below(256),
                        1 + rng.below(254)
                    ),
                    os,
                    services_entity_id: rng.base64(64),
                }
            })
            .collect();
        Generator {
            rng,
            hosts,
            now_ms: BASE_MS,
            sequence: 0,
            next_planted_host: 0,
            pending: Vec::new(),
        }
    }

    fn run(mut self, count: usize) -> Generated {
        let mut lines = Vec::with_capacity(count);
        let mut planted_matches = 0;
        while lines.len() < count {
            self.now_ms += self.rng.below(4);
            let remaining = count - lines.len();
            // A child is written when it is due, or early when the stream is
            // about to end, so every planted pair is complete. Writing early
            // only shortens the gap, which stays below the maximum span.
            if let Some(index) = self.due_child(remaining) {
                let child = self.pending.swap_remove(index);
                let host = child.host;
                let event = self.process_start(host, child.program, true);
                lines.push(event.to_string());
                continue;
            }
            let event = if lines.len() % PLANT_INTERVAL == PLANT_INTERVAL / 2 && remaining > 1 {
                planted_matches += 1;
                self.plant_true_positive()
            } else {
                self.benign_event()
            };
            lines.push(event.to_string());
        }
        Generated {
            lines,
            planted_matches,
        }
    }

    fn due_child(&self, remaining: usize) -> Option<usize> {
        let earliest = (0..self.pending.len()).min_by_key(|&i| self.pending[i].due_ms)?;
        let due = self.pending[earliest].due_ms <= self.now_ms;
        (due || remaining <= self.pending.len()).then_some(earliest)
    }

    /// Writes the network half of a true positive and schedules the process
    /// half 50 to 900 ms later.
    fn plant_true_positive(&mut self) -> Value {
        let host = loop {
            let candidate = self.next_planted_host;
            self.next_planted_host = (self.next_planted_host + 1) % HOSTS;
            if self.hosts[candidate].is_windows() {
                break candidate;
            }
        };
        let source = format!(
            "10.{}.{}.{}",
            self.rng.below(256),
            self.rng.below(256),
            1 + self.rng.below(254)
        );
        let event = self.services_connection(host, &source, 49152, "incoming");
        let program = self.rng.pick(&REMOTE_SERVICES);
        self.pending.push(PendingChild {
            due_ms: self.now_ms + self.rng.range(50, 900),
            host,
            program,
        });
        event
    }

    fn benign_event(&mut self) -> Value {
        let host = self.rng.below(HOSTS as u64) as usize;
        let roll = self.rng.below(100);
        let windows = self.hosts[host].is_windows();
        match roll {
            0..=24 => {
                let program = self.random_program(windows);
                self.process_start(host, program, false)
            }
            25..=34 => self.process_end(host),
            35..=59 => self.outgoing_connection(host),
            60..=61 if windows => self.near_miss_connection(host),
            62..=63 if windows => {
                // The second stage's filter matches this service start, but
                // usually no connection precedes it. When it follows a planted
                // connection on the same host within the window, it completes
                // that sequence in place of the planted child, so the number
                // of matches stays the same.
                let program = self.rng.pick(&REMOTE_SERVICES);
                self.process_start(host, program, true)
            }
            64 if windows => {
                let program = self.rng.pick(&EXCLUDED_SERVICES);
                self.process_start(host, program, true)
            }
            65..=79 => self.file_event(host),
            80..=89 if windows => self.registry_event(host),
            _ => self.dns_event(host),
        }
    }

    fn random_program(&mut self, windows: bool) -> &'static Program {
        if windows {
            self.rng.pick(&WINDOWS_PROGRAMS)
        } else {
            self.rng.pick(&LINUX_PROGRAMS)
        }
    }

    /// Returns the fields every Elastic Defend event has.
    fn envelope(
        &mut self,
        host: usize,
        dataset: &str,
        category: &str,
        kinds: &[&str],
        action: &str,
    ) -> Value {
        self.sequence += 1;
        let host = &self.hosts[host];
        json!({
            "@timestamp": format_timestamp(self.now_ms),
            "agent": {"id": host.agent_id, "type": "endpoint", "version": "8.13.2"},
            "data_stream": {"dataset": dataset, "namespace": "default", "type": "logs"},
            "ecs": {"version": "8.10.0"},
            "event": {
                "action": action,
                "category": [category],
                "dataset": dataset,
                "id": self.rng.hex(16),
                "kind": "event",
                "module": "endpoint",
                "sequence": self.sequence,
                "type": kinds,
            },
            "host": {
                "architecture": "x86_64",
                "id": host.id,
                "ip": [host.ip],
                "name": host.name,
                "os": {
                    "family": host.os.family,
                    "full": host.os.full,
                    "name": host.os.name,
                    "platform": host.os.platform,
                    "type": host.os.kind,
                    "version": host.os.version,
                },
            },
            "user": {"domain": "CORP", "name": self.rng.pick(&USERS)},
        })
    }

    /// Returns a `process` object for a running program on `host`.
    fn process_object(&mut self, host: usize, program: &Program) -> Value {
        let windows = self.hosts[host].is_windows();
        let (parent_name, parent_executable) = if windows {
            ("explorer.exe", "C:\\Windows\\explorer.exe")
        } else {
            ("systemd", "/usr/lib/systemd/systemd")
        };
        let mut args = vec![program.executable];
        args.extend_from_slice(program.args);
        json!({
            "args": args,
            "command_line": args.join(" "),
            "entity_id": self.rng.base64(64),
            "executable": program.executable,
            "name": program.name,
            "pid": self.rng.range(300, 60_000),
            "parent": {
                "entity_id": self.rng.base64(64),
                "executable": parent_executable,
                "name": parent_name,
                "pid": self.rng.range(300, 60_000),
            },
        })
    }

    /// Returns a process start; with `by_services`, `services.exe` on the
    /// host is its parent.
    fn process_start(&mut self, host: usize, program: &Program, by_services: bool) -> Value {
        let mut event = self.envelope(
            host,
            "endpoint.events.process",
            "process",
            &["start"],
            "start",
        );
        let mut process = self.process_object(host, program);
        if by_services {
            process["parent"] = json!({
                "entity_id": self.hosts[host].services_entity_id,
                "executable": "C:\\Windows\\System32\\services.exe",
                "name": "services.exe",
                "pid": 684,
            });
        }
        event["process"] = process;
        event
    }

    fn process_end(&mut self, host: usize) -> Value {
        let windows = self.hosts[host].is_windows();
        let program = self.random_program(windows);
        let mut event = self.envelope(host, "endpoint.events.process", "process", &["end"], "end");
        let mut process = self.process_object(host, program);
        process["exit_code"] = json!(0);
        event["process"] = process;
        event
    }

    fn outgoing_connection(&mut self, host: usize) -> Value {
        let windows = self.hosts[host].is_windows();
        let program = self.random_program(windows);
        let mut event = self.envelope(
            host,
            "endpoint.events.network",
            "network",
            &["start"],
            "connection_attempted",
        );
        let source_port = self.rng.range(49152, 65536);
        let destination_port = *self.rng.pick(&[443, 80, 8443, 53, 445]);
        let destination = format!(
            "52.{}.{}.{}",
            self.rng.below(256),
            self.rng.below(256),
            1 + self.rng.below(254)
        );
        let host_ip = self.hosts[host].ip.clone();
        event["network"] = json!({"direction": "egress", "transport": "tcp", "type": "ipv4"});
        event["process"] = json!({
            "entity_id": self.rng.base64(64),
            "executable": program.executable,
            "name": program.name,
            "pid": self.rng.range(300, 60_000),
        });
        event["source"] = json!({"address": host_ip, "ip": host_ip, "port": source_port});
        event["destination"] =
            json!({"address": destination, "ip": destination, "port": destination_port});
        event
    }

    /// Returns an incoming connection to `services.exe` that the first
    /// stage's filter rejects: a low port, a loopback source, UDP, or the
    /// wrong direction.
    fn near_miss_connection(&mut self, host: usize) -> Value {
        let variant = self.rng.below(4);
        let (source, low_port, direction) = match variant {
            0 => ("10.20.30.40", 135, "incoming"),
            1 => ("127.0.0.1", 49152, "incoming"),
            2 => ("10.20.30.41", 49152, "outgoing"),
            _ => ("10.20.30.42", 49152, "ingress"),
        };
        let mut event = self.services_connection(host, source, low_port, direction);
        if variant == 3 {
            event["network"]["transport"] = json!("udp");
        }
        event
    }

    /// Returns a connection accepted by the host's `services.exe`, from
    /// `source` to a destination port of at least `min_port`.
    fn services_connection(
        &mut self,
        host: usize,
        source: &str,
        min_port: u64,
        direction: &str,
    ) -> Value {
        let mut event = self.envelope(
            host,
            "endpoint.events.network",
            "network",
            &["start"],
            "connection_accepted",
        );
        let destination_port = if min_port >= 49152 {
            self.rng.range(49152, 65536)
        } else {
            min_port
        };
        let source_port = self.rng.range(49152, 65536);
        let host = &self.hosts[host];
        event["network"] = json!({"direction": direction, "transport": "tcp", "type": "ipv4"});
        event["process"] = json!({
            "entity_id": host.services_entity_id,
            "executable": "C:\\Windows\\System32\\services.exe",
            "name": "services.exe",
            "pid": 684,
        });
        event["source"] = json!({"address": source, "ip": source, "port": source_port});
        event["destination"] = json!({"address": host.ip, "ip": host.ip, "port": destination_port});
        event
    }

    fn file_event(&mut self, host: usize) -> Value {
        let windows = self.hosts[host].is_windows();
        let program = self.random_program(windows);
        let action = *self.rng.pick(&["creation", "modification", "deletion"]);
        let mut event = self.envelope(host, "endpoint.events.file", "file", &[action], action);
        let number = self.rng.below(10_000);
        let (path, name) = if windows {
            (
                format!("C:\\Users\\adoe\\AppData\\Local\\Temp\\report-{number}.tmp"),
                format!("report-{number}.tmp"),
            )
        } else {
            (
                format!("/var/tmp/report-{number}.tmp"),
                format!("report-{number}.tmp"),
            )
        };
        event["file"] = json!({"extension": "tmp", "name": name, "path": path, "size": self.rng.below(1 << 20)});
        event["process"] = json!({
            "entity_id": self.rng.base64(64),
            "executable": program.executable,
            "name": program.name,
            "pid": self.rng.range(300, 60_000),
        });
        event
    }

    fn registry_event(&mut self, host: usize) -> Value {
        let program = self.random_program(true);
        let mut event = self.envelope(
            host,
            "endpoint.events.registry",
            "registry",
            &["change"],
            "modification",
        );
        let key = *self.rng.pick(&REGISTRY_KEYS);
        event["registry"] = json!({
            "data": {"strings": ["C:\\Program Files\\Vendor\\agent.exe"], "type": "REG_SZ"},
            "hive": "HKLM",
            "key": key,
            "path": format!("HKLM\\{key}\\Agent"),
            "value": "Agent",
        });
        event["process"] = json!({
            "entity_id": self.rng.base64(64),
            "executable": program.executable,
            "name": program.name,
            "pid": self.rng.range(300, 60_000),
        });
        event
    }

    fn dns_event(&mut self, host: usize) -> Value {
        let windows = self.hosts[host].is_windows();
        let program = self.random_program(windows);
        let mut event = self.envelope(
            host,
            "endpoint.events.network",
            "network",
            &["protocol", "info"],
            "lookup_requested",
        );
        event["dns"] = json!({"question": {"name": self.rng.pick(&DOMAINS), "type": "A"}});
        event["network"] = json!({"protocol": "dns"});
        event["process"] = json!({
            "entity_id": self.rng.base64(64),
            "executable": program.executable,
            "name": program.name,
            "pid": self.rng.range(300, 60_000),
        });
        event
    }
}

/// Formats epoch milliseconds at or after [`BASE_MS`] as ISO 8601 UTC.
///
/// NOTE: only days in May 2024 are supported, which covers about 10^9
/// events at the generator's mean spacing of 1.5 ms.
fn format_timestamp(ms: u64) -> String {
    let since_midnight = ms - BASE_MS + BASE_TIME_OF_DAY_MS;
    let day = BASE_DAY_OF_MONTH + since_midnight / MS_PER_DAY;
    assert!(
        day <= 31,
        "the event generator ran past the end of May 2024"
    );
    let time = since_midnight % MS_PER_DAY;
    format!(
        "2024-05-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        time / 3_600_000,
        time / 60_000 % 60,
        time / 1000 % 60,
        time % 1000
    )
}
