//! The seeded fleet a demo server manages: computers, users, software, commands, agent
//! requests, licences, mobile devices, packages and distribution points. Every row carries the
//! instant it came into being, so a backup set taken earlier simply holds fewer rows.

use chrono::{DateTime, Duration, Utc};
use rand::seq::IndexedRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random stream for one purpose: the same seed and label always give the same numbers,
/// and adding a new purpose never shifts the numbers of an existing one.
pub(crate) fn rng(seed: u64, label: &str) -> ChaCha8Rng {
    // FNV-1a of the label, mixed into the seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(seed ^ h.rotate_left(17))
}

/// A managed computer.
pub(crate) struct Computer {
    pub id: i64,
    pub name: String,
    pub serial: String,
    pub os_version: String,
    pub model: String,
    pub ip: String,
    pub mac: String,
    pub user_id: i64,
    pub agent_version: &'static str,
    pub last_contact: DateTime<Utc>,
    pub created: DateTime<Utc>,
}

/// A user known to the server.
pub(crate) struct User {
    pub id: i64,
    pub short_name: String,
    pub full_name: String,
    pub email: String,
    pub department: &'static str,
}

/// A software title in the catalogue.
pub(crate) struct Title {
    pub id: i64,
    pub name: &'static str,
    pub publisher: &'static str,
    pub version: String,
}

/// One title installed on one computer.
pub(crate) struct Install {
    pub computer_id: i64,
    pub title_id: i64,
    pub size_bytes: i64,
    pub installed: DateTime<Utc>,
}

/// A periodic inventory record of one computer.
pub(crate) struct HistoryRecord {
    pub computer_id: i64,
    pub recorded: DateTime<Utc>,
    pub free_disk_mb: i64,
    pub uptime_hours: i64,
    pub logged_in_user: String,
    pub summary: Vec<u8>,
}

/// A command sent to a computer.
pub(crate) struct Command {
    pub id: i64,
    pub computer_id: i64,
    pub command: &'static str,
    pub parameters: String,
    pub status: &'static str,
    pub queued: DateTime<Utc>,
    pub completed: Option<DateTime<Utc>>,
    pub result_code: Option<i64>,
}

/// A request an agent sent to the server.
pub(crate) struct AgentRequest {
    pub id: i64,
    pub serial: String,
    pub kind: &'static str,
    pub received: DateTime<Utc>,
    pub payload: Vec<u8>,
    pub processed: bool,
}

/// A software licence.
pub(crate) struct Licence {
    pub id: i64,
    pub product: &'static str,
    pub publisher: &'static str,
    pub seats: i64,
    pub key_hint: String,
    pub expires: DateTime<Utc>,
    pub created: DateTime<Utc>,
}

/// A licence seat in use.
pub(crate) struct LicenceUse {
    pub licence_id: i64,
    pub computer_id: i64,
    pub last_used: DateTime<Utc>,
}

/// A managed phone or tablet.
pub(crate) struct Mobile {
    pub id: i64,
    pub name: String,
    pub udid: String,
    pub serial: String,
    pub model: &'static str,
    pub os_version: &'static str,
    pub phone: Option<String>,
    pub user_id: i64,
    pub enrolled: DateTime<Utc>,
    pub last_checkin: DateTime<Utc>,
}

/// A distributable package and its bytes.
pub(crate) struct Package {
    pub id: i64,
    pub name: &'static str,
    pub version: &'static str,
    pub file: String,
    pub bytes: Vec<u8>,
    pub uploaded: DateTime<Utc>,
}

/// A custom inventory field and the script that gathers it.
pub(crate) struct CustomField {
    pub id: i64,
    pub name: &'static str,
    pub data_type: &'static str,
    pub script: &'static str,
    pub body: &'static str,
    pub created: DateTime<Utc>,
}

/// A distribution point definition.
#[derive(Clone)]
pub(crate) struct DpRow {
    pub id: i64,
    pub name: &'static str,
    pub address: &'static str,
    pub path: &'static str,
    pub is_master: bool,
}

/// Everything the server's databases know, generated once from the seed.
pub(crate) struct Fleet {
    pub users: Vec<User>,
    pub computers: Vec<Computer>,
    pub titles: Vec<Title>,
    pub installs: Vec<Install>,
    pub history: Vec<HistoryRecord>,
    pub commands: Vec<Command>,
    pub requests: Vec<AgentRequest>,
    pub licences: Vec<Licence>,
    pub licence_uses: Vec<LicenceUse>,
    pub mobiles: Vec<Mobile>,
    pub packages: Vec<Package>,
    pub custom_fields: Vec<CustomField>,
}

const FIRST: &[&str] = &[
    "Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kavya",
    "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tess", "Umar", "Vera", "Wei",
    "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Andersen", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito",
    "Jensen", "Khan", "Lopez", "Martin", "Nowak", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka",
    "Weber",
];
const DEPARTMENTS: &[&str] = &[
    "Finance",
    "Design",
    "Engineering",
    "Sales",
    "Support",
    "Marketing",
    "IT",
    "Legal",
];
const MODELS: &[(&str, &str)] = &[
    ("MBP", "MacBook Pro (14-inch, 2023)"),
    ("MBA", "MacBook Air (M2, 2022)"),
    ("IMAC", "iMac (24-inch, M3, 2023)"),
    ("MINI", "Mac mini (M2, 2023)"),
    ("PC", "Dell Latitude 7440"),
    ("PC", "Lenovo ThinkPad T14 Gen 4"),
];
const MAC_OS: &[&str] = &["macOS 13.7.1", "macOS 14.7.1", "macOS 15.1", "macOS 15.1.1"];
const WIN_OS: &[&str] = &["Windows 10 22H2", "Windows 11 23H2", "Windows 11 24H2"];
const AGENT_VERSIONS: &[&str] = &["7.4.2.7", "7.4.3.1", "7.5.0.4"];
const TITLES: &[(&str, &str)] = &[
    ("Google Chrome", "Google LLC"),
    ("Mozilla Firefox", "Mozilla"),
    ("Microsoft Word", "Microsoft Corporation"),
    ("Microsoft Excel", "Microsoft Corporation"),
    ("Microsoft Outlook", "Microsoft Corporation"),
    ("Microsoft Teams", "Microsoft Corporation"),
    ("Adobe Acrobat Reader", "Adobe Inc."),
    ("Adobe Photoshop", "Adobe Inc."),
    ("Slack", "Slack Technologies"),
    ("Zoom Workplace", "Zoom Video Communications"),
    ("Visual Studio Code", "Microsoft Corporation"),
    ("1Password", "AgileBits"),
    ("VLC media player", "VideoLAN"),
    ("7-Zip", "Igor Pavlov"),
    ("Xcode", "Apple Inc."),
    ("Keynote", "Apple Inc."),
    ("Pages", "Apple Inc."),
    ("Numbers", "Apple Inc."),
    ("FileMaker Pro", "Claris International"),
    ("Sophos Endpoint", "Sophos Ltd"),
    ("Cisco Secure Client", "Cisco Systems"),
    ("Python", "Python Software Foundation"),
    ("Docker Desktop", "Docker Inc."),
    ("Figma", "Figma Inc."),
    ("Notepad++", "Don Ho"),
    ("Tableau Desktop", "Salesforce"),
];
const COMMANDS: &[(&str, &str)] = &[
    ("InstallPackage", "package="),
    ("RunScript", "script="),
    ("GatherInventory", "full=1"),
    ("RestartComputer", "delay=300"),
    ("InstallSoftwareUpdates", "category=security"),
    ("SendMessage", "text=Please restart tonight"),
    ("SetCustomField", "field="),
    ("UninstallPackage", "package="),
];
const REQUEST_KINDS: &[&str] = &[
    "Heartbeat",
    "Heartbeat",
    "Heartbeat",
    "InventoryUpload",
    "SoftwareScan",
    "CommandResult",
    "CustomFieldUpload",
];
const LICENCED: &[(&str, &str)] = &[
    ("Microsoft 365 Apps for business", "Microsoft Corporation"),
    ("Adobe Creative Cloud", "Adobe Inc."),
    ("Adobe Acrobat Pro", "Adobe Inc."),
    ("FileMaker Pro", "Claris International"),
    ("Tableau Desktop", "Salesforce"),
    ("1Password Business", "AgileBits"),
    ("Sophos Central Endpoint", "Sophos Ltd"),
    ("Zoom Workplace Pro", "Zoom Video Communications"),
    ("Figma Professional", "Figma Inc."),
    ("Parallels Desktop Business", "Parallels"),
];
const MOBILE_MODELS: &[(&str, &str)] = &[
    ("iPhone 15", "iOS 18.1"),
    ("iPhone 14", "iOS 17.7.1"),
    ("iPhone 16 Pro", "iOS 18.1.1"),
    ("iPad Air (M2)", "iPadOS 18.1"),
    ("iPad (10th generation)", "iPadOS 17.7"),
];
const PACKAGES: &[(&str, &str)] = &[
    ("GoogleChrome", "131.0.6778.86"),
    ("Firefox", "132.0.2"),
    ("MicrosoftOffice", "16.91"),
    ("ZoomWorkplace", "6.2.10"),
    ("Slack", "4.41.105"),
    ("SophosEndpoint", "2024.3"),
    ("LANrevAgent", "7.5.0.4"),
    ("VPNProfile", "2.1"),
];
const CUSTOM_FIELDS: &[(&str, &str, &str, &str)] = &[
    (
        "FileVault Status",
        "String",
        "FileVaultStatus.sh",
        "#!/bin/sh\n# Custom field: FileVault Status\n/usr/bin/fdesetup status | head -n 1\n",
    ),
    (
        "Battery Cycle Count",
        "Integer",
        "BatteryCycles.sh",
        "#!/bin/sh\n# Custom field: Battery Cycle Count\n/usr/sbin/ioreg -r -c AppleSmartBattery | awk '/\"CycleCount\" =/ {print $3}'\n",
    ),
    (
        "Last Boot Time",
        "Date",
        "LastBootTime.ps1",
        "# Custom field: Last Boot Time\n(Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToString('s')\n",
    ),
    (
        "Local Admins",
        "String",
        "LocalAdmins.sh",
        "#!/bin/sh\n# Custom field: Local Admins\n/usr/bin/dscl . -read /Groups/admin GroupMembership | cut -d: -f2\n",
    ),
];

/// The healthy distribution points: one master and two mirrors.
pub(crate) const DISTRIBUTION_POINTS: &[DpRow] = &[
    DpRow {
        id: 1,
        name: "Master DP",
        address: "lanrev.example.com",
        path: "srv/dp/master",
        is_master: true,
    },
    DpRow {
        id: 2,
        name: "Mirror London",
        address: "dp-lon.example.com",
        path: "srv/dp/mirror-london",
        is_master: false,
    },
    DpRow {
        id: 3,
        name: "Mirror Sydney",
        address: "dp-syd.example.com",
        path: "srv/dp/mirror-sydney",
        is_master: false,
    },
];

fn hex(rng: &mut ChaCha8Rng, len: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEF";
    (0..len)
        .map(|_| DIGITS[rng.random_range(0..16)] as char)
        .collect()
}

fn serial(rng: &mut ChaCha8Rng) -> String {
    const CHARS: &[u8] = b"0123456789CDFGHJKLMNPQRTVWXY";
    let tail: String = (0..8)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    format!("C02{tail}")
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    // Every list above is a non-empty constant.
    items.choose(rng).unwrap_or(&items[0])
}

fn before(now: DateTime<Utc>, rng: &mut ChaCha8Rng, max_seconds: i64) -> DateTime<Utc> {
    now - Duration::seconds(rng.random_range(0..max_seconds.max(1)))
}

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

impl Fleet {
    /// Generate the fleet for `seed` as it stands at `now`.
    pub(crate) fn generate(seed: u64, now: DateTime<Utc>) -> Fleet {
        let mut r = rng(seed, "fleet");
        let users: Vec<User> = (1..=40)
            .map(|id| {
                let first = *pick(&mut r, FIRST);
                let last = *pick(&mut r, LAST);
                let short = format!("{}{}", first.to_lowercase(), &last[..1].to_lowercase());
                User {
                    id,
                    email: format!("{short}@example.com"),
                    short_name: short,
                    full_name: format!("{first} {last}"),
                    department: DEPARTMENTS[r.random_range(0..DEPARTMENTS.len())],
                }
            })
            .collect();

        let mut computers = Vec::new();
        for id in 1..=64 {
            let (prefix, model) = *pick(&mut r, MODELS);
            let user = &users[r.random_range(0..users.len())];
            let windows = prefix == "PC";
            // A handful of computers enrolled in the last three days, so backup sets differ.
            let created = if id > 60 {
                before(now, &mut r, 3 * DAY)
            } else {
                now - Duration::seconds(r.random_range(4 * DAY..400 * DAY))
            };
            computers.push(Computer {
                id,
                name: format!("{}-{}-{:02}", user.department.to_uppercase(), prefix, id),
                serial: if windows {
                    format!("PF{}", hex(&mut r, 6))
                } else {
                    serial(&mut r)
                },
                os_version: (*pick(&mut r, if windows { WIN_OS } else { MAC_OS })).to_string(),
                model: model.to_string(),
                ip: format!("10.20.{}.{}", r.random_range(1..8), r.random_range(10..250)),
                mac: format!(
                    "a4:83:e7:{:02x}:{:02x}:{:02x}",
                    r.random::<u8>(),
                    r.random::<u8>(),
                    r.random::<u8>()
                ),
                user_id: user.id,
                agent_version: AGENT_VERSIONS[r.random_range(0..AGENT_VERSIONS.len())],
                last_contact: before(now, &mut r, 20 * HOUR),
                created,
            });
        }

        let titles: Vec<Title> = TITLES
            .iter()
            .enumerate()
            .map(|(i, (name, publisher))| Title {
                id: i as i64 + 1,
                name,
                publisher,
                version: format!(
                    "{}.{}.{}",
                    r.random_range(1..130),
                    r.random_range(0..10),
                    r.random_range(0..200)
                ),
            })
            .collect();

        let mut installs = Vec::new();
        for c in &computers {
            let count = r.random_range(10..22);
            let mut ids: Vec<i64> = titles.iter().map(|t| t.id).collect();
            for _ in 0..count {
                let at = r.random_range(0..ids.len());
                let title_id = ids.swap_remove(at);
                let span = (now - c.created).num_seconds();
                installs.push(Install {
                    computer_id: c.id,
                    title_id,
                    size_bytes: r.random_range(2_000_000..900_000_000),
                    installed: c.created + Duration::seconds(r.random_range(0..span.max(1))),
                });
            }
        }

        // Every six hours over four days for each computer.
        let mut history = Vec::new();
        for step in (0..16).rev() {
            for c in &computers {
                let recorded = now - Duration::seconds(step * 6 * HOUR + r.random_range(0..HOUR));
                if recorded < c.created {
                    continue;
                }
                let mut summary = vec![0u8; 24];
                r.fill_bytes(&mut summary);
                history.push(HistoryRecord {
                    summary,
                    computer_id: c.id,
                    recorded,
                    free_disk_mb: r.random_range(8_000..400_000),
                    uptime_hours: r.random_range(1..600),
                    logged_in_user: users[(c.user_id - 1) as usize].short_name.clone(),
                });
            }
        }

        let packages: Vec<Package> = PACKAGES
            .iter()
            .enumerate()
            .map(|(i, (name, version))| {
                let mut bytes = vec![0u8; r.random_range(2048..6144)];
                r.fill_bytes(&mut bytes);
                // Flat packages are xar archives: give them the right magic.
                bytes[..4].copy_from_slice(b"xar!");
                Package {
                    id: i as i64 + 1,
                    name,
                    version,
                    file: format!("Packages/{name}-{version}.pkg"),
                    bytes,
                    uploaded: now - Duration::seconds(r.random_range(10 * DAY..200 * DAY)),
                }
            })
            .collect();

        let custom_fields: Vec<CustomField> = CUSTOM_FIELDS
            .iter()
            .enumerate()
            .map(|(i, (name, data_type, script, body))| CustomField {
                id: i as i64 + 1,
                name,
                data_type,
                script,
                body,
                // The last field was added two days ago, so older sets lack it.
                created: if i + 1 == CUSTOM_FIELDS.len() {
                    now - Duration::seconds(2 * DAY)
                } else {
                    now - Duration::seconds(r.random_range(30 * DAY..300 * DAY))
                },
            })
            .collect();

        let mut commands = Vec::new();
        for id in 1..=240 {
            let (command, param) = *pick(&mut r, COMMANDS);
            let queued = before(now, &mut r, 7 * DAY);
            let parameters = match command {
                "InstallPackage" | "UninstallPackage" => {
                    format!("{param}{}", pick(&mut r, &packages).file)
                }
                "RunScript" | "SetCustomField" => {
                    format!("{param}{}", pick(&mut r, &custom_fields).script)
                }
                _ => param.to_string(),
            };
            let (status, completed, result_code) = if now - queued < Duration::hours(1) {
                ("Pending", None, None)
            } else {
                let done = queued + Duration::seconds(r.random_range(5..1800));
                match r.random_range(0..20) {
                    0 | 1 => ("Failed", Some(done), Some(r.random_range(1..130))),
                    2 => ("TimedOut", Some(done), None),
                    _ => ("Completed", Some(done), Some(0)),
                }
            };
            commands.push(Command {
                id,
                computer_id: r.random_range(1..=computers.len() as i64),
                command,
                parameters,
                status,
                queued,
                completed,
                result_code,
            });
        }
        commands.sort_by_key(|c| (c.queued, c.id));
        for (i, c) in commands.iter_mut().enumerate() {
            c.id = i as i64 + 1;
        }

        let mut requests = Vec::new();
        for _ in 0..400 {
            let c = pick(&mut r, &computers);
            let received = before(now, &mut r, 4 * DAY);
            let mut payload = vec![0u8; r.random_range(48..320)];
            r.fill_bytes(&mut payload);
            requests.push(AgentRequest {
                id: 0,
                serial: c.serial.clone(),
                kind: REQUEST_KINDS[r.random_range(0..REQUEST_KINDS.len())],
                received,
                payload,
                processed: now - received > Duration::minutes(10),
            });
        }
        requests.sort_by_key(|q| q.received);
        for (i, q) in requests.iter_mut().enumerate() {
            q.id = i as i64 + 1;
        }

        let licences: Vec<Licence> = LICENCED
            .iter()
            .enumerate()
            .map(|(i, (product, publisher))| Licence {
                id: i as i64 + 1,
                product,
                publisher,
                seats: [10, 25, 50, 100][r.random_range(0..4)],
                key_hint: format!("XXXX-XXXX-{}", hex(&mut r, 4)),
                expires: now + Duration::seconds(r.random_range(20 * DAY..700 * DAY)),
                created: now - Duration::seconds(r.random_range(30 * DAY..700 * DAY)),
            })
            .collect();
        let mut licence_uses = Vec::new();
        for l in &licences {
            let used = r.random_range(3..l.seats.min(computers.len() as i64));
            for _ in 0..used {
                licence_uses.push(LicenceUse {
                    licence_id: l.id,
                    computer_id: r.random_range(1..=computers.len() as i64),
                    last_used: before(now, &mut r, 5 * DAY),
                });
            }
        }
        licence_uses.sort_by_key(|u| (u.last_used, u.licence_id));

        let mut mobiles = Vec::new();
        for id in 1..=36 {
            let (model, os) = *pick(&mut r, MOBILE_MODELS);
            let user = &users[r.random_range(0..users.len())];
            let enrolled = if id > 33 {
                before(now, &mut r, 3 * DAY)
            } else {
                now - Duration::seconds(r.random_range(4 * DAY..500 * DAY))
            };
            mobiles.push(Mobile {
                id,
                name: format!(
                    "{}'s {}",
                    user.full_name.split(' ').next().unwrap_or("User"),
                    model
                ),
                udid: format!("00008110-{}", hex(&mut r, 16)),
                serial: serial(&mut r),
                model,
                os_version: os,
                phone: model
                    .starts_with("iPhone")
                    .then(|| format!("+44 7700 900{:03}", r.random_range(0..1000))),
                user_id: user.id,
                enrolled,
                last_checkin: before(now, &mut r, 12 * HOUR).max(enrolled),
            });
        }

        Fleet {
            users,
            computers,
            titles,
            installs,
            history,
            commands,
            requests,
            licences,
            licence_uses,
            mobiles,
            packages,
            custom_fields,
        }
    }
}
