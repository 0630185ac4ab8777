//! The six LANrev SQLite databases: schemas and the rows of the fleet as they stood at one
//! instant. Writing is one big transaction with journalling and syncing off (the file is new,
//! nobody else reads it), switched to `journal_mode=DELETE` at the end so no `-wal` is left.

use super::DemoError;
use super::fleet::{DpRow, Fleet, rng};
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, RngCore};
use rusqlite::{Connection, Transaction, params};
use std::path::Path;

/// The fleet as a database copy taken at `at` sees it.
pub(crate) struct Snapshot<'a> {
    /// Everything the server knows at the reference clock.
    pub fleet: &'a Fleet,
    /// The instant the copy was taken: later rows are left out.
    pub at: DateTime<Utc>,
    /// Distribution-point definitions in this copy.
    pub distribution_points: &'a [DpRow],
    /// Seed for filler rows.
    pub seed: u64,
}

/// SQL of the ServerDatabase index the corrupt-db scenario rewrites.
pub(crate) const COMPUTER_NAME_INDEX: &str = "idx_computers_name";

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> DemoError + '_ {
    move |source| DemoError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// Write database `name` at `path` (a new file) from the snapshot; with `fill_bytes`, keep
/// adding older history until the file is about that large.
pub(crate) fn write(
    path: &Path,
    name: &str,
    snap: &Snapshot<'_>,
    fill_bytes: Option<u64>,
) -> Result<(), DemoError> {
    let err = sql_err(path);
    let mut conn = Connection::open(path).map_err(&err)?;
    conn.execute_batch("PRAGMA page_size=4096; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        .map_err(&err)?;
    {
        let tx = conn.transaction().map_err(&err)?;
        match name {
            "ServerDatabase" => server_database(&tx, snap),
            "ServerCommandDatabase" => command_database(&tx, snap),
            "AgentRequestCache" => agent_request_cache(&tx, snap),
            "SoftwareLicenseControl" => licence_database(&tx, snap),
            "MobileDevices" => mobile_devices(&tx, snap),
            "EnumValues" => enum_values(&tx),
            other => generic_database(&tx, other),
        }
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
    }
    if let Some(target) = fill_bytes {
        fill(&mut conn, name, snap, target).map_err(&err)?;
    }
    conn.execute_batch("PRAGMA journal_mode=DELETE;")
        .map_err(&err)?;
    conn.close().map_err(|(_, e)| err(e))?;
    Ok(())
}

fn server_database(tx: &Transaction<'_>, s: &Snapshot<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE server_info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE users(id INTEGER PRIMARY KEY, short_name TEXT NOT NULL, full_name TEXT,
             email TEXT, department TEXT);
         CREATE TABLE computers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, serial TEXT NOT NULL,
             os_version TEXT, model TEXT, ip_address TEXT, mac_address TEXT,
             user_id INTEGER REFERENCES users(id), agent_version TEXT, last_contact TEXT,
             created_at TEXT NOT NULL);
         CREATE INDEX idx_computers_name ON computers(name);
         CREATE UNIQUE INDEX idx_computers_serial ON computers(serial);
         CREATE TABLE software_titles(id INTEGER PRIMARY KEY, name TEXT NOT NULL, publisher TEXT,
             version TEXT);
         CREATE TABLE installed_software(id INTEGER PRIMARY KEY,
             computer_id INTEGER NOT NULL REFERENCES computers(id),
             title_id INTEGER NOT NULL REFERENCES software_titles(id), size_bytes INTEGER,
             installed_at TEXT);
         CREATE INDEX idx_installed_computer ON installed_software(computer_id);
         CREATE TABLE inventory_history(id INTEGER PRIMARY KEY, computer_id INTEGER NOT NULL,
             recorded_at TEXT NOT NULL, free_disk_mb INTEGER, uptime_hours INTEGER,
             logged_in_user TEXT, summary BLOB);
         CREATE TABLE custom_fields(id INTEGER PRIMARY KEY, name TEXT NOT NULL, data_type TEXT,
             script_file TEXT, created_at TEXT);
         CREATE TABLE packages(id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT,
             file TEXT NOT NULL, size_bytes INTEGER, uploaded_at TEXT);
         CREATE TABLE distribution_points(id INTEGER PRIMARY KEY, name TEXT, address TEXT,
             path TEXT, is_master INTEGER);",
    )?;
    let f = s.fleet;
    {
        let mut st = tx.prepare("INSERT INTO server_info(key, value) VALUES (?1, ?2)")?;
        st.execute(params!["schema_version", "7.5.0"])?;
        st.execute(params!["server_name", "LANrev Server"])?;
        st.execute(params!["last_maintenance", ts(s.at - Duration::hours(3))])?;
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO users(id, short_name, full_name, email, department) VALUES (?1,?2,?3,?4,?5)",
        )?;
        for u in &f.users {
            st.execute(params![
                u.id,
                u.short_name,
                u.full_name,
                u.email,
                u.department
            ])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO computers(id, name, serial, os_version, model, ip_address, mac_address,
                 user_id, agent_version, last_contact, created_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
        )?;
        for c in f.computers.iter().filter(|c| c.created <= s.at) {
            st.execute(params![
                c.id,
                c.name,
                c.serial,
                c.os_version,
                c.model,
                c.ip,
                c.mac,
                c.user_id,
                c.agent_version,
                ts(c.last_contact.min(s.at)),
                ts(c.created),
            ])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO software_titles(id, name, publisher, version) VALUES (?1,?2,?3,?4)",
        )?;
        for t in &f.titles {
            st.execute(params![t.id, t.name, t.publisher, t.version])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO installed_software(computer_id, title_id, size_bytes, installed_at)
             VALUES (?1,?2,?3,?4)",
        )?;
        for i in f.installs.iter().filter(|i| i.installed <= s.at) {
            st.execute(params![
                i.computer_id,
                i.title_id,
                i.size_bytes,
                ts(i.installed)
            ])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO inventory_history(computer_id, recorded_at, free_disk_mb, uptime_hours,
                 logged_in_user, summary) VALUES (?1,?2,?3,?4,?5,?6)",
        )?;
        for h in f.history.iter().filter(|h| h.recorded <= s.at) {
            st.execute(params![
                h.computer_id,
                ts(h.recorded),
                h.free_disk_mb,
                h.uptime_hours,
                h.logged_in_user,
                h.summary
            ])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO custom_fields(id, name, data_type, script_file, created_at)
             VALUES (?1,?2,?3,?4,?5)",
        )?;
        for c in f.custom_fields.iter().filter(|c| c.created <= s.at) {
            st.execute(params![c.id, c.name, c.data_type, c.script, ts(c.created)])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO packages(id, name, version, file, size_bytes, uploaded_at)
             VALUES (?1,?2,?3,?4,?5,?6)",
        )?;
        for p in f.packages.iter().filter(|p| p.uploaded <= s.at) {
            st.execute(params![
                p.id,
                p.name,
                p.version,
                p.file,
                p.bytes.len() as i64,
                ts(p.uploaded)
            ])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO distribution_points(id, name, address, path, is_master)
             VALUES (?1,?2,?3,?4,?5)",
        )?;
        for d in s.distribution_points {
            st.execute(params![d.id, d.name, d.address, d.path, d.is_master as i64])?;
        }
    }
    Ok(())
}

fn command_database(tx: &Transaction<'_>, s: &Snapshot<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE commands(id INTEGER PRIMARY KEY, computer_id INTEGER NOT NULL,
             command TEXT NOT NULL, parameters TEXT, status TEXT NOT NULL, queued_at TEXT NOT NULL,
             completed_at TEXT, result_code INTEGER, output BLOB);
         CREATE INDEX idx_commands_status ON commands(status);
         CREATE INDEX idx_commands_computer ON commands(computer_id);",
    )?;
    let mut st = tx.prepare(
        "INSERT INTO commands(id, computer_id, command, parameters, status, queued_at,
             completed_at, result_code) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
    )?;
    for c in s.fleet.commands.iter().filter(|c| c.queued <= s.at) {
        // A command finished after the copy was taken was still pending in it.
        let (status, completed, code) = match c.completed {
            Some(done) if done <= s.at => (c.status, Some(ts(done)), c.result_code),
            _ => ("Pending", None, None),
        };
        st.execute(params![
            c.id,
            c.computer_id,
            c.command,
            c.parameters,
            status,
            ts(c.queued),
            completed,
            code
        ])?;
    }
    Ok(())
}

fn agent_request_cache(tx: &Transaction<'_>, s: &Snapshot<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE agent_requests(id INTEGER PRIMARY KEY, serial TEXT NOT NULL,
             request_type TEXT NOT NULL, received_at TEXT NOT NULL, payload BLOB,
             processed INTEGER NOT NULL DEFAULT 0);
         CREATE INDEX idx_requests_received ON agent_requests(received_at);",
    )?;
    let mut st = tx.prepare(
        "INSERT INTO agent_requests(id, serial, request_type, received_at, payload, processed)
         VALUES (?1,?2,?3,?4,?5,?6)",
    )?;
    for q in s.fleet.requests.iter().filter(|q| q.received <= s.at) {
        let processed = q.processed && s.at - q.received > Duration::minutes(10);
        st.execute(params![
            q.id,
            q.serial,
            q.kind,
            ts(q.received),
            q.payload,
            processed as i64
        ])?;
    }
    Ok(())
}

fn licence_database(tx: &Transaction<'_>, s: &Snapshot<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE licences(id INTEGER PRIMARY KEY, product TEXT NOT NULL, publisher TEXT,
             seats INTEGER NOT NULL, key_hint TEXT, expires_at TEXT, created_at TEXT);
         CREATE TABLE licence_usage(id INTEGER PRIMARY KEY,
             licence_id INTEGER NOT NULL REFERENCES licences(id), computer_id INTEGER NOT NULL,
             last_used TEXT);
         CREATE INDEX idx_usage_licence ON licence_usage(licence_id);",
    )?;
    {
        let mut st = tx.prepare(
            "INSERT INTO licences(id, product, publisher, seats, key_hint, expires_at, created_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7)",
        )?;
        for l in s.fleet.licences.iter().filter(|l| l.created <= s.at) {
            st.execute(params![
                l.id,
                l.product,
                l.publisher,
                l.seats,
                l.key_hint,
                ts(l.expires),
                ts(l.created)
            ])?;
        }
    }
    let mut st = tx.prepare(
        "INSERT INTO licence_usage(licence_id, computer_id, last_used) VALUES (?1,?2,?3)",
    )?;
    for u in s.fleet.licence_uses.iter().filter(|u| u.last_used <= s.at) {
        st.execute(params![u.licence_id, u.computer_id, ts(u.last_used)])?;
    }
    Ok(())
}

fn mobile_devices(tx: &Transaction<'_>, s: &Snapshot<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE mobile_devices(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
             udid TEXT NOT NULL, serial TEXT NOT NULL, model TEXT, os_version TEXT,
             phone_number TEXT, user_id INTEGER, enrolled_at TEXT, last_checkin TEXT);
         CREATE UNIQUE INDEX idx_mobile_udid ON mobile_devices(udid);",
    )?;
    let mut st = tx.prepare(
        "INSERT INTO mobile_devices(id, name, udid, serial, model, os_version, phone_number,
             user_id, enrolled_at, last_checkin) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    )?;
    for m in s.fleet.mobiles.iter().filter(|m| m.enrolled <= s.at) {
        st.execute(params![
            m.id,
            m.name,
            m.udid,
            m.serial,
            m.model,
            m.os_version,
            m.phone,
            m.user_id,
            ts(m.enrolled),
            ts(m.last_checkin.min(s.at))
        ])?;
    }
    Ok(())
}

const ENUMS: &[(&str, &[&str])] = &[
    (
        "CommandStatus",
        &["Pending", "Completed", "Failed", "TimedOut", "Cancelled"],
    ),
    ("OSPlatform", &["macOS", "Windows", "iOS", "iPadOS"]),
    (
        "ComputerType",
        &["Desktop", "Laptop", "Server", "Virtual Machine"],
    ),
    (
        "RequestType",
        &[
            "Heartbeat",
            "InventoryUpload",
            "SoftwareScan",
            "CommandResult",
            "CustomFieldUpload",
        ],
    ),
    (
        "CustomFieldType",
        &["String", "Integer", "Date", "Boolean", "Version"],
    ),
    (
        "LicenceModel",
        &["Per Seat", "Per Device", "Site", "Subscription"],
    ),
];

fn enum_values(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE enum_values(id INTEGER PRIMARY KEY, category TEXT NOT NULL,
             value INTEGER NOT NULL, display_name TEXT NOT NULL);
         CREATE UNIQUE INDEX idx_enum_category_value ON enum_values(category, value);",
    )?;
    let mut st =
        tx.prepare("INSERT INTO enum_values(category, value, display_name) VALUES (?1,?2,?3)")?;
    for (category, names) in ENUMS {
        for (value, name) in names.iter().enumerate() {
            st.execute(params![category, value as i64, name])?;
        }
    }
    Ok(())
}

/// A database a custom profile names that drconsole has no schema for: one small table.
fn generic_database(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<()> {
    tx.execute_batch("CREATE TABLE demo_rows(id INTEGER PRIMARY KEY, note TEXT NOT NULL);")?;
    let mut st = tx.prepare("INSERT INTO demo_rows(note) VALUES (?1)")?;
    for i in 0..16 {
        st.execute(params![format!("{name} demo row {i}")])?;
    }
    Ok(())
}

/// Rows added per transaction while filling; large enough that commits are rare.
const FILL_BATCH: usize = 20_000;
/// Approximate bytes a filler row takes on disk, index entries included. Rows are narrow
/// (a 16–159-byte blob at most) like a real server's, so indexes make up a realistic share of
/// the file and a full integrity check costs what it costs in the field.
const FILL_ROW_BYTES: u64 = 140;

/// Append older history to the big table of `name` until the file reaches `target` bytes.
fn fill(conn: &mut Connection, name: &str, s: &Snapshot<'_>, target: u64) -> rusqlite::Result<()> {
    let page_size: u64 = conn.query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))? as u64;
    let mut r = rng(s.seed, &format!("fill:{name}"));
    let computers = s.fleet.computers.len().max(1) as i64;
    // Filler rows go back in time from the oldest generated row, one every few minutes.
    let mut when = s.at - Duration::days(8);
    loop {
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let size = pages as u64 * page_size;
        if size >= target {
            return Ok(());
        }
        // Aim at what is left, so small targets are not overshot by a whole batch.
        let rows = ((target - size) / FILL_ROW_BYTES).clamp(1, FILL_BATCH as u64) as usize;
        let tx = conn.transaction()?;
        {
            let mut st = match name {
                // Software inventory is what grows a real server database.
                "ServerDatabase" => tx.prepare(
                    "INSERT INTO installed_software(computer_id, title_id, size_bytes,
                         installed_at) VALUES (?1,?2,?3,?4)",
                )?,
                "ServerCommandDatabase" => tx.prepare(
                    "INSERT INTO commands(computer_id, command, parameters, status, queued_at,
                         completed_at, result_code, output) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                )?,
                "AgentRequestCache" => tx.prepare(
                    "INSERT INTO agent_requests(serial, request_type, received_at, payload,
                         processed) VALUES (?1,?2,?3,?4,?5)",
                )?,
                _ => return Ok(()),
            };
            let titles: i64 = tx
                .query_row("SELECT max(id) FROM software_titles", [], |r| {
                    r.get::<_, Option<i64>>(0)
                })
                .unwrap_or(None)
                .unwrap_or(1)
                .max(1);
            let mut blob = [0u8; 160];
            for _ in 0..rows {
                when -= Duration::seconds(r.random_range(1..240));
                let computer = r.random_range(1..=computers);
                let len = r.random_range(16..160);
                r.fill_bytes(&mut blob[..len]);
                let stamp = ts(when);
                match name {
                    "ServerDatabase" => st.execute(params![
                        computer,
                        r.random_range(1..=titles),
                        r.random_range(10_000..4_000_000_000i64),
                        stamp
                    ])?,
                    "ServerCommandDatabase" => st.execute(params![
                        computer,
                        "GatherInventory",
                        "full=1",
                        "Completed",
                        stamp,
                        ts(when + Duration::seconds(30)),
                        0,
                        &blob[..len]
                    ])?,
                    _ => {
                        let serial = &s.fleet.computers[(computer - 1) as usize].serial;
                        st.execute(params![serial, "Heartbeat", stamp, &blob[..len], 1])?
                    }
                };
            }
        }
        tx.commit()?;
    }
}
